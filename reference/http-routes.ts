// The HTTP side of all three roles (app pages, API, auth) and the reference-only control endpoints,
// routed by path. In the single layout one listener plays every host; in the netra layout each host has its
// own listener and answers only its own paths, so a probe that mixes the hosts up gets 404s.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentRunner } from './agent';
import { checkFlood, newId } from './events';
import { FAULT_NAMES, FAULTS, UnknownFaultError, type HttpOverride } from './faults';
import { callbackPage, chatPage, loginPage, type PageConfig } from './pages';
import { PLAIN_PATHS, plainChatPage, plainSigninPage } from './plain-pages';
import { noteRequest, type ReferenceState, type ThreadMessage, type UserThread } from './state';
import { bearer, isReferenceUsername, makeUser, REFERENCE_CREDENTIALS, safeEqual, SESSION_COOKIE, userOfClaims, type User } from './tokens';

export interface Urls {
  appUrl: string;
  apiUrl: string;
  authUrl: string;
  controlUrl: string;
  wsUrl: string;
}

/**
 * The app's pages: the platform-like reference frontend, or the plain one (plain-pages.ts), another chat app
 * on the same API and socket protocol. Each serves only its own paths.
 */
export type ReferenceFrontend = 'reference' | 'plain';
export const REFERENCE_FRONTENDS: readonly ReferenceFrontend[] = ['reference', 'plain'];

/** The host a listener plays: one of the netra layout's three, or all of them at once (single layout). */
export type HostRole = 'all' | 'app' | 'api' | 'auth';

export interface RouteDeps {
  state: ReferenceState;
  runner: AgentRunner;
  urls: Urls;
  frontend: ReferenceFrontend;
  /** The server's reset(): state, runs and sockets. */
  reset(): void;
}

const MAX_BODY_BYTES = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error ?? status));
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse, deps: RouteDeps, url: URL) => Promise<void> | void;

const FRONTEND_ROUTES: Record<ReferenceFrontend, Record<string, Handler>> = {
  reference: {
    'GET /': (_req, res) => redirect(res, '/chat'),
    'GET /login': (_req, res, d) => html(res, loginPage(pageConfig(d))),
    'GET /auth/callback': (_req, res, d) => html(res, callbackPage(pageConfig(d))),
    'GET /chat': (_req, res, d) => html(res, chatPage(pageConfig(d))),
  },
  plain: {
    'GET /': (_req, res) => redirect(res, PLAIN_PATHS.chat),
    [`GET ${PLAIN_PATHS.signin}`]: (_req, res, d) => html(res, plainSigninPage(pageConfig(d))),
    [`GET ${PLAIN_PATHS.chat}`]: (_req, res, d) => html(res, plainChatPage(pageConfig(d))),
  },
};

const ROUTES: Record<string, Handler> = {
  // No icon, but no 404 either: a probe may count failed requests of the page.
  'GET /favicon.ico': (_req, res) => void res.writeHead(204).end(),

  'GET /health': health,
  'GET /ws/health': health,
  'GET /auth/health': health,

  'POST /auth/login': async (req, res, d) => {
    override(d.state.fault.onLogin?.('password'));
    const body = await readJson(req);
    // The reference user, or one of its numbered siblings (referenceUsername), each a user of its own.
    const ok =
      typeof body.username === 'string' &&
      typeof body.password === 'string' &&
      isReferenceUsername(body.username) &&
      safeEqual(body.password, REFERENCE_CREDENTIALS.password);
    if (!ok) throw new HttpError(401, { error: 'Invalid credentials' });
    json(res, 200, signIn(res, d, makeUser(body.username as string)));
  },
  'POST /auth/e2e/test-auth': async (req, res, d) => {
    override(d.state.fault.onLogin?.('bypass'));
    const key = req.headers['x-e2e-bypass-key'];
    if (typeof key !== 'string' || !safeEqual(key, REFERENCE_CREDENTIALS.bypassKey)) throw new HttpError(401, { error: 'Invalid E2E bypass key' });
    const body = await readJson(req);
    if (typeof body.email !== 'string' || !body.email.includes('@')) throw new HttpError(400, { error: 'email is required' });
    json(res, 200, signIn(res, d, makeUser(body.email, typeof body.name === 'string' ? body.name : undefined)));
  },
  // The OAuth-like path: no real consent screen; it signs in the reference user and goes back to the app.
  'GET /auth/oauth/google': (_req, res, d) => {
    const refused = d.state.fault.onLogin?.('oauth');
    if (refused) return redirect(res, `${d.urls.appUrl}/login?error=${encodeURIComponent(String(refused.body.error ?? `HTTP ${refused.status}`))}`);
    const { access_token } = d.state.tokens.issue(makeUser(REFERENCE_CREDENTIALS.username), d.state.credentials, d.state.fault.externalSub);
    redirect(res, `${d.urls.appUrl}/auth/callback?access_token=${encodeURIComponent(access_token)}`);
  },

  'POST /api/threads': (req, res, d) => {
    const user = requireUser(req, d);
    const threadId = newId('thread');
    d.state.createThread(threadId, user.id);
    json(res, 201, { thread_id: threadId, created_at: new Date().toISOString() });
  },
  // The user's threads, newest first, each titled by its first user message cut short (null while it has none).
  'GET /api/threads': (req, res, d, url) => {
    const user = requireUser(req, d);
    const threads = d.state.threadsOf(user.id);
    if (d.state.options.platform !== 'netra') return json(res, 200, { threads: threads.map(singleThread) });
    // The platform's list: a JSON array of ThreadResponse, paged by limit (default 20, at most 100) and offset.
    const { limit, offset } = paging(url, 20);
    json(res, 200, threads.slice(offset, offset + limit).map(netraThread));
  },
  'POST /api/websocket/ticket': (req, res, d) => {
    const user = requireUser(req, d);
    override(d.state.fault.onTicket?.());
    json(res, 200, d.state.tickets.issue(user));
  },
  'POST /api/agent/v2/execute': async (req, res, d) => {
    const user = requireUser(req, d);
    const body = await readJson(req);
    if (typeof body.message !== 'string' || body.message.trim() === '') throw new HttpError(400, { error: 'message is required' });
    const threadId = typeof body.thread_id === 'string' && body.thread_id ? body.thread_id : newId('thread');
    if (!d.state.claimThread(threadId, user.id)) throw new HttpError(404, { error: 'Thread not found' });
    const runId = d.runner.start({ message: body.message, threadId, userId: user.id });
    json(res, 202, { status: 'accepted', request_id: body.request_id ?? null, run_id: runId, thread_id: threadId });
  },

  'GET /__reference/fault': (_req, res, d) => json(res, 200, { fault: d.state.faultName, delayMs: d.state.delayMs }),
  'POST /__reference/fault': async (req, res, d) => {
    const body = await readJson(req);
    const delayMs = body.delayMs;
    if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)) {
      throw new HttpError(400, { error: 'delayMs must be a non-negative number of milliseconds' });
    }
    let flood;
    try {
      flood = checkFlood(body.flood);
    } catch (e) {
      throw new HttpError(400, { error: (e as Error).message });
    }
    try {
      d.state.setFault(String(body.fault ?? ''), delayMs, flood);
    } catch (e) {
      if (e instanceof UnknownFaultError) throw new HttpError(400, { error: e.message, faults: FAULT_NAMES });
      throw e;
    }
    json(res, 200, { fault: d.state.faultName, delayMs: d.state.delayMs });
  },
  'POST /__reference/reset': (_req, res, d) => {
    d.reset();
    json(res, 200, { fault: d.state.faultName });
  },
  // Every request and upgrade the hosts got since the reset, with its traceparent and tracestate.
  'GET /__reference/requests': (_req, res, d) => json(res, 200, { requests: d.state.seen }),
  // Another origin the chat page also calls ({"url": "http://127.0.0.1:PORT"}; null: none), until reset.
  'POST /__reference/elsewhere': async (req, res, d) => {
    const body = await readJson(req);
    if (body.url !== null && (typeof body.url !== 'string' || !/^https?:\/\/[^/]+$/.test(body.url))) throw new HttpError(400, { error: 'url must be an origin (http://host:port) or null' });
    d.state.elsewhere = body.url ?? undefined;
    json(res, 200, { elsewhere: d.state.elsewhere ?? null });
  },
  'GET /__reference/faults': (_req, res) =>
    json(res, 200, { faults: Object.entries(FAULTS).map(([name, f]) => ({ name, describe: f.describe })) }),
};

/** `METHOD /path/:param/...` routes; the params come in order. */
const PARAM_ROUTES: Array<{
  method: string;
  pattern: RegExp;
  handler: (req: IncomingMessage, res: ServerResponse, deps: RouteDeps, params: string[], url: URL) => Promise<void> | void;
}> = [
  {
    // The thread's history: the user's messages and the answers the agent saved.
    method: 'GET',
    pattern: /^\/api\/threads\/([^/]+)\/messages$/,
    handler: (req, res, d, [threadId = ''], url) => {
      const user = requireUser(req, d);
      if (d.state.threads.get(threadId) !== user.id) throw new HttpError(404, { error: 'Thread not found' });
      const messages = d.state.messages.get(threadId) ?? [];
      if (d.state.options.platform !== 'netra') return json(res, 200, { thread_id: threadId, messages: messages.map(singleMessage) });
      // The platform's shape: paged by limit (default 50, at most 100) and offset, content a string, created_at in seconds.
      const { limit, offset } = paging(url, 50);
      json(res, 200, { messages: messages.slice(offset, offset + limit).map(netraMessage), thread_id: threadId, total: messages.length, limit, offset });
    },
  },
];

/** How long a thread's title (its first user message) may be before it is cut, with an ellipsis. */
export const THREAD_TITLE_CHARS = 32;

function titleOf(messages: readonly ThreadMessage[]): string | null {
  const first = messages.find((m) => m.role === 'user')?.content.trim();
  if (first === undefined) return null;
  return first.length > THREAD_TITLE_CHARS ? `${first.slice(0, THREAD_TITLE_CHARS).trimEnd()}…` : first;
}

const lastAt = (t: UserThread): number => t.messages.at(-1)?.at ?? t.createdAt;
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A thread as the single layout lists it. */
function singleThread(t: UserThread) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return { id: t.id, title: titleOf(t.messages), created_at: iso(t.createdAt), updated_at: iso(lastAt(t)), message_count: t.messages.length };
}

/** A thread as the platform lists it (its ThreadResponse): times in epoch seconds. */
function netraThread(t: UserThread) {
  const title = titleOf(t.messages);
  return {
    id: t.id,
    object: 'thread',
    title,
    created_at: seconds(t.createdAt),
    updated_at: t.messages.length ? seconds(lastAt(t)) : null,
    metadata: title === null ? {} : { title },
    message_count: t.messages.length,
  };
}

/** A message as the single layout serves it. */
function singleMessage(m: ThreadMessage) {
  return { role: m.role, content: m.content, run_id: m.run_id, created_at: new Date(m.at).toISOString() };
}

/** A message as the platform serves it: `{id, role, content, created_at, metadata}`, created_at in epoch seconds. */
function netraMessage(m: ThreadMessage) {
  return { id: m.id, role: m.role, content: m.content, created_at: seconds(m.at), metadata: { run_id: m.run_id } };
}

/** The platform's paging query: `limit` 1-100 (default `defaultLimit`), `offset` >= 0; anything else answers 422 as FastAPI does. */
function paging(url: URL, defaultLimit: number): { limit: number; offset: number } {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new HttpError(422, { detail: `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})` });
    }
    return n;
  };
  return { limit: read('limit', defaultLimit, 1, 100), offset: read('offset', 0, 0, Number.MAX_SAFE_INTEGER) };
}

/** A conversation's own page: `/chat/<thread id>`, the chat page, which reads the thread from its path (the netra layout's thread URLs). */
const CHAT_THREAD_PATH = /^\/chat\/[^/]+$/;

/** The page of a path that is not one of FRONTEND_ROUTES' own (a thread's path), if the frontend has one. */
function frontendParamRoute(frontend: ReferenceFrontend, method: string | undefined, pathname: string): Handler | undefined {
  if (frontend === 'reference' && method === 'GET' && CHAT_THREAD_PATH.test(pathname)) return (_req, res, d) => html(res, chatPage(pageConfig(d)));
  return undefined;
}

/** The paths of every frontend's pages, and the icon. */
const APP_PATHS = new Set(['/favicon.ico', ...Object.values(FRONTEND_ROUTES).flatMap((routes) => Object.keys(routes).map((key) => key.split(' ')[1]))]);

/**
 * The hosts of the netra layout that answer a path: the app its pages, the auth host `/auth/...` and
 * `/health`, the API host `/health`, `/ws/health`, `/api/...`, the sockets and the control endpoints.
 */
export function hostsOf(pathname: string): ReadonlyArray<Exclude<HostRole, 'all'>> {
  if (APP_PATHS.has(pathname) || CHAT_THREAD_PATH.test(pathname)) return ['app'];
  if (pathname === '/health') return ['api', 'auth'];
  if (pathname.startsWith('/auth/')) return ['auth'];
  return ['api'];
}

export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-E2E-Bypass-Key';
const CORS_ALLOW_METHODS = 'GET, POST, OPTIONS';

/**
 * Single layout: every role is on one origin, but a probe may be pointed at them by other names, so any
 * origin is allowed. Netra layout: the chat page calls the API and auth hosts cross-origin, and only the
 * app's origin is allowed; any other origin gets no Access-Control-* header at all.
 */
function setCors(req: IncomingMessage, res: ServerResponse, role: HostRole, appOrigin: string): void {
  if (role !== 'all') {
    res.setHeader('Vary', 'Origin');
    if (req.headers.origin !== appOrigin) return;
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.setHeader('Access-Control-Allow-Origin', role === 'all' ? '*' : appOrigin);
  res.setHeader('Access-Control-Allow-Headers', CORS_ALLOW_HEADERS);
  res.setHeader('Access-Control-Allow-Methods', CORS_ALLOW_METHODS);
}

/** The request handler of one listener; `role` says which host it plays (default all of them). */
export function createRequestHandler(deps: RouteDeps, role: HostRole = 'all'): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://reference.invalid');
    noteRequest(deps.state, req, false);
    setCors(req, res, role, deps.urls.appUrl);
    if (role !== 'all' && !hostsOf(url.pathname).includes(role)) {
      return json(res, 404, { error: `No route for ${req.method} ${url.pathname} on the ${role} host` });
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (url.pathname.startsWith('/__reference/') && !isLoopback(req.socket.remoteAddress)) {
      return json(res, 403, { error: 'The control endpoints answer loopback clients only' });
    }
    const key = `${req.method} ${url.pathname}`;
    const route = FRONTEND_ROUTES[deps.frontend][key] ?? frontendParamRoute(deps.frontend, req.method, url.pathname) ?? ROUTES[key] ?? paramRoute(req.method, url.pathname);
    if (!route) return json(res, 404, { error: `No route for ${req.method} ${url.pathname}` });
    Promise.resolve()
      .then(() => route(req, res, deps, url))
      .catch((e: unknown) => {
        if (res.headersSent) return void res.end();
        if (e instanceof HttpError) return json(res, e.status, e.body);
        json(res, 500, { error: 'Internal Server Error', detail: e instanceof Error ? e.message : String(e) });
      });
  };
}

function paramRoute(method: string | undefined, pathname: string): Handler | undefined {
  for (const r of PARAM_ROUTES) {
    const m = r.method === method ? r.pattern.exec(pathname) : null;
    if (m) return (req, res, deps, url) => r.handler(req, res, deps, m.slice(1).map((p) => decodeURIComponent(p)), url);
  }
  return undefined;
}

function health(_req: IncomingMessage, res: ServerResponse, d: RouteDeps): void {
  json(res, 200, { status: d.state.fault.health ?? 'healthy', version: d.state.version });
}

function pageConfig(d: RouteDeps): PageConfig {
  return { apiUrl: d.urls.apiUrl, authUrl: d.urls.authUrl, wsUrl: d.urls.wsUrl, ...d.state.settings(), page: d.state.pageFlags(), ...(d.state.elsewhere ? { elsewhere: d.state.elsewhere } : {}) };
}

/** A login's tokens, in the style the server issues; opaque ones come with an HttpOnly session cookie. */
function signIn(res: ServerResponse, d: RouteDeps, user: User): ReturnType<ReferenceState['tokens']['issue']> {
  const style = d.state.credentials;
  if (style === 'opaque') res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${d.state.tokens.newSession()}; HttpOnly; Path=/; SameSite=Lax`);
  return d.state.tokens.issue(user, style, d.state.fault.externalSub);
}

function requireUser(req: IncomingMessage, d: RouteDeps): User {
  const claims = d.state.tokens.verifyAccess(bearer(req.headers.authorization));
  if (!claims) throw new HttpError(401, { error: 'Missing or invalid bearer token' });
  return userOfClaims(claims);
}

/** A fault's canned answer replaces the endpoint's own. */
function override(o: HttpOverride | undefined): void {
  if (o) throw new HttpError(o.status, o.body);
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { error: 'Request body too large' });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the 400
  }
  throw new HttpError(400, { error: 'Body must be a JSON object' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function html(res: ServerResponse, page: string): void {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(page);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

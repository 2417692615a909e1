// Shared by the reference staging's own tests (this folder): one server per worker (speed 0), reset before
// each test; HTTP with undici, the socket with `ws`, a Chromium for the page tests; bounded waits.
import { join } from 'node:path';
import { expect, mergeTests, type Browser, type Page } from '@playwright/test';
import { request } from 'undici';
import WebSocket from 'ws';
import { REFERENCE_CREDENTIALS, startReference, type ReferenceServer } from '../../../reference/server';
import { test as browserTest } from '../browser-fixture';
import { test as referenceTest } from '../reference-fixture';

/** Every wait on the server is bounded by this, and fails naming what it waited for. */
export const WAIT_MS = 5_000;
export const PROJECT_ROOT = join(__dirname, '..', '..', '..');

export type Frame = Record<string, any>;

export const test = mergeTests(referenceTest, browserTest).extend<{ reference: ReferenceServer }>({
  reference: async ({ staging }, use) => use(staging),
});

// ---- helpers -------------------------------------------------------------------------------------

export async function call(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.statusCode, json, text };
}

export async function login(ref: ReferenceServer): Promise<{ token: string; userId: string }> {
  const res = await call('POST', `${ref.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
  expect(res.status, 'login status').toBe(200);
  return { token: res.json.access_token, userId: res.json.user.id };
}

export async function bypassLogin(ref: ReferenceServer, email: string) {
  const res = await call('POST', `${ref.authUrl}/auth/e2e/test-auth`, { email, name: 'Probe' }, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  expect(res.status, 'bypass status').toBe(200);
  return { token: res.json.access_token as string, userId: res.json.user.id as string };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function newThread(ref: ReferenceServer, token: string): Promise<string> {
  const res = await call('POST', `${ref.apiUrl}/api/threads`, {}, bearer(token));
  expect(res.status, 'thread status').toBe(201);
  return res.json.thread_id;
}

export async function ticketUrl(ref: ReferenceServer, token: string): Promise<string> {
  const res = await call('POST', `${ref.apiUrl}/api/websocket/ticket`, {}, bearer(token));
  expect(res.status, 'ticket status').toBe(200);
  return `${wsBase(ref)}/ws?ticket=${encodeURIComponent(res.json.ticket)}`;
}

export const wsBase = (ref: ReferenceServer) => ref.apiUrl.replace(/^http/, 'ws');

export function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A socket client that keeps every frame and resolves waits as frames arrive. */
export class Client {
  /** The frames that parse as JSON. */
  readonly frames: Frame[] = [];
  /** Every message as it came, JSON or not: its text and whether it was a binary frame. */
  readonly wire: Array<{ text: string; binary: boolean }> = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, binary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.wire.push({ text, binary });
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        // not JSON: kept in `wire` only
      }
      for (const w of [...this.waiters]) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols?: string[], headers?: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url, protocols, headers ? { headers } : undefined);
    const client = new Client(ws);
    return withTimeout(
      new Promise<Client>((resolve, reject) => {
        ws.once('open', () => resolve(client));
        ws.once('error', reject);
      }),
      `socket open at ${url.replace(/ticket=[^&]+/, 'ticket=…')}`,
    );
  }

  /** The first frame (from the start) that matches; waits for it when it has not come yet. */
  waitFor(what: string, match: (f: Frame) => boolean): Promise<Frame> {
    return withTimeout(
      new Promise<Frame>((resolve) => {
        const check = () => {
          const found = this.frames.find(match);
          if (!found) return false;
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(found);
          return true;
        };
        if (!check()) this.waiters.push(check);
      }),
      what,
    );
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** A logged-in user with an open socket, established, and a thread. */
export async function connectUser(ref: ReferenceServer, who?: string) {
  const { token, userId } = who ? await bypassLogin(ref, who) : await login(ref);
  const threadId = await newThread(ref, token);
  const client = await Client.open(await ticketUrl(ref, token));
  await client.waitFor('connection_established', (f) => f.type === 'connection_established');
  return { token, userId, threadId, client };
}

export const isRunFrame = (f: Frame) => typeof f.run_id === 'string';
export const finalAnswer = (f: Frame) => f.type === 'agent_response' || f.type === 'final_report';
export const summary = (frames: Frame[]) => frames.filter(isRunFrame).map((f) => (f.agent_name ? `${f.type}:${f.agent_name}` : f.type));

export const HEALTHY_EVENTS = [
  'agent_started:supervisor',
  'agent_thinking:supervisor',
  'agent_started:data_agent',
  'agent_thinking:data_agent',
  'tool_executing:data_agent',
  'tool_completed:data_agent',
  'agent_completed:data_agent',
  'agent_completed',
  'agent_response',
];

export function decodeJwt(token: string): Record<string, any> {
  const parts = token.split('.');
  expect(parts, 'a JWT has three parts').toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
}


/** The HTTP status the upgrade is answered with: 101 when accepted (the socket is closed right away), else the refusal's. */
export function upgradeStatus(url: string, protocols?: string[]): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, protocols);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('upgrade', (res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => ws.close(1000));
      ws.on('error', () => undefined);
    }),
    `the answer to the upgrade at ${url.replace(/ticket=[^&]+/, 'ticket=…')}`,
  );
}

/** What came after connect, one entry a message: run frames as in summary(), others by type, non-JSON as 'MALFORMED'. */
export function wireSummary(client: Client): string[] {
  return client.wire.map(({ text }) => kindOf(text));
}

export function kindOf(text: string): string {
  let f: Frame;
  try {
    f = JSON.parse(text);
  } catch {
    return 'MALFORMED';
  }
  return isRunFrame(f) && f.agent_name ? `${f.type}:${f.agent_name}` : String(f.type);
}


export const netraTest = test.extend<{ netra: ReferenceServer }, { _netraServer: ReferenceServer }>({
  _netraServer: [
    async ({}, use) => {
      const server = await startReference({ speed: 0, layout: 'netra' });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker' },
  ],
  netra: async ({ _netraServer }, use) => {
    _netraServer.reset();
    await use(_netraServer);
  },
});


/** The status every API endpoint answers with this token. */
export async function apiStatuses(ref: ReferenceServer, token: string, threadId: string): Promise<Record<string, number>> {
  const auth = bearer(token);
  return {
    'POST /api/threads': (await call('POST', `${ref.apiUrl}/api/threads`, {}, auth)).status,
    'POST /api/websocket/ticket': (await call('POST', `${ref.apiUrl}/api/websocket/ticket`, {}, auth)).status,
    'POST /api/agent/v2/execute': (await call('POST', `${ref.apiUrl}/api/agent/v2/execute`, { message: 'm', thread_id: threadId }, auth)).status,
    'GET /api/threads/:id/messages': (await call('GET', `${ref.apiUrl}/api/threads/${threadId}/messages`, undefined, auth)).status,
  };
}

export const ALL_401 = { 'POST /api/threads': 401, 'POST /api/websocket/ticket': 401, 'POST /api/agent/v2/execute': 401, 'GET /api/threads/:id/messages': 401 };

// ---- the chat page in Chromium ---------------------------------------------------------------------

export interface PageSocket {
  url: string;
  /** Received frames as text; `binary` says which came as binary frames. */
  received: string[];
  binary: boolean[];
  sent: string[];
}

/** A signed-in chat page that records its sockets and its script errors. */
export async function openChat(chromiumBrowser: Browser, reference: ReferenceServer) {
  const { token } = await login(reference);
  const context = await chromiumBrowser.newContext();
  const page = await context.newPage();
  await page.addInitScript((t) => localStorage.setItem('jwt_token', t), token);
  const sockets: PageSocket[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('websocket', (ws) => {
    const s: PageSocket = { url: ws.url(), received: [], binary: [], sent: [] };
    sockets.push(s);
    ws.on('framereceived', (f) => {
      s.received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'));
      s.binary.push(typeof f.payload !== 'string');
    });
    ws.on('framesent', (f) => s.sent.push(String(f.payload)));
  });
  await page.goto(`${reference.appUrl}/chat`);
  return { page, context, sockets, errors };
}

export async function ask(page: Page, text: string): Promise<void> {
  await expect(page.getByTestId('send-button'), 'the send button, enabled once the socket is open').toBeEnabled();
  await page.getByTestId('message-textarea').fill(text);
  await page.getByTestId('send-button').click();
}

export const agentSockets = (sockets: PageSocket[]) => sockets.filter((s) => new URL(s.url).pathname === '/ws');
export const kinds = (frames: string[]) => frames.map(kindOf);

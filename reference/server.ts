// The embedded reference staging: a real HTTP + WebSocket server that plays somebody else's AI-chat
// staging (app, API and auth hosts in one process: on one port, or on three in the netra layout), with a
// switch of named faults. It shares no code with
// src/: it is the other side of the wire, built only from the published protocol facts (DESIGN.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentRunner } from './agent';
import { checkFlood, type AnswerIn, type FloodSpec, type SendOver } from './events';
import { createRequestHandler, REFERENCE_FRONTENDS, type HostRole, type ReferenceFrontend, type Urls } from './http-routes';
import { SocketHub } from './sockets';
import { noteRequest, ReferenceState } from './state';
import { ACCESS_TOKEN_TTL_S, type Clock, type CredentialStyle } from './tokens';

export { issueOpaqueToken, issueToken, REFERENCE_CREDENTIALS, referenceUsername } from './tokens';
export { FAULT_NAMES, FAULTS, RENAMED_DIALECT, UnknownFaultError, type Fault, type FaultName } from './faults';

export { REFERENCE_FRONTENDS, type ReferenceFrontend } from './http-routes';
export type { SeenRequest } from './state';
import type { SeenRequest } from './state';
export { PLAIN_PATHS, PLAIN_TOKEN_KEY } from './plain-pages';

export type ReferenceLayout = 'single' | 'netra';
export const REFERENCE_LAYOUTS: readonly ReferenceLayout[] = ['single', 'netra'];

export interface ReferenceOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Default 0: an ephemeral port (each of the three in the netra layout). In the netra layout a port N
   * means the app on N, the API on N+1, the auth host on N+2.
   */
  port?: number;
  /**
   * 'single' (default): app, API and auth on one port. 'netra': three listeners, app / API / auth, each
   * answering only its own paths, with CORS from the app's origin only (like the platform).
   */
  layout?: ReferenceLayout;
  /**
   * 'reference' (default): the platform-like frontend (/login, /auth/callback, /chat, test ids). 'plain':
   * another chat app on the same API and socket protocol (plain-pages.ts: /signin, /app/conversations, no
   * test ids, Enter to send).
   */
  frontend?: ReferenceFrontend;
  /** Lifetime (`exp`, `expires_in`) of issued access tokens, in seconds, > 0. Default 900. */
  tokenTtlSec?: number;
  /** The time tokens and tickets are issued and checked by, in epoch ms (tests move it). Default Date.now. */
  clock?: Clock;
  /** Delay multiplier: 1 = realistic (~1.5 s a run), 0 = no delays (tests). Default 1. */
  speed?: number;
  /** 0..1, default 0: each pause between events is multiplied by a random factor in [1 - jitter, 1 + jitter]. Order never changes. */
  jitter?: number;
  /** The fault at start and after reset(). Default 'healthy'. */
  fault?: string;
  /** Extra delay for faults that take one (slow-first-event), in ms, not scaled by speed. */
  delayMs?: number;
  /** How the chat page sends the message. Default 'ws'. */
  sendOver?: SendOver;
  /** Where the chat page reads the answer. Default 'agent_response'; 'final_report' in the netra layout, as the platform's frontend. */
  answerIn?: AnswerIn;
}

export interface ReferenceServer {
  layout: ReferenceLayout;
  frontend: ReferenceFrontend;
  /** The three hosts: one origin in the single layout, three in the netra layout. */
  appUrl: string;
  apiUrl: string;
  authUrl: string;
  /** On the API host. */
  controlUrl: string;
  /** The app's port. */
  port: number;
  /** Throws (listing the known names) for an unknown fault. */
  setFault(name: string, options?: { delayMs?: number; flood?: Partial<FloodSpec> }): void;
  /** Back to the start fault; drops threads, tickets, runs under way and open sockets. */
  reset(): void;
  /** The tokens logins issue from now on (until reset): the platform's JWTs, or opaque ones with an HttpOnly session cookie. */
  setCredentials(style: CredentialStyle): void;
  /** Every request and WebSocket upgrade the hosts got since the last reset, with its trace context. */
  requests(): SeenRequest[];
  /** Another origin the chat page also calls (an image, a fetch, a socket), as pages call an analytics host; until reset. */
  setElsewhere(origin: string | undefined): void;
  /** Every credential issued since the last reset: tokens, refresh tokens, session cookies, tickets. */
  issuedCredentials(): string[];
  close(): Promise<void>;
}

export async function startReference(opts: ReferenceOptions = {}): Promise<ReferenceServer> {
  const host = opts.host ?? '127.0.0.1';
  const speed = opts.speed ?? 1;
  if (!Number.isFinite(speed) || speed < 0) throw new Error(`speed must be a number >= 0 (got ${opts.speed})`);
  const jitter = opts.jitter ?? 0;
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) throw new Error(`jitter must be a number from 0 to 1 (got ${opts.jitter})`);
  const delayMs = opts.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`delayMs must be a number >= 0 (got ${opts.delayMs})`);
  const layout = opts.layout ?? 'single';
  if (!REFERENCE_LAYOUTS.includes(layout)) throw new Error(`layout must be one of ${REFERENCE_LAYOUTS.join(', ')} (got ${JSON.stringify(opts.layout)})`);
  const frontend = opts.frontend ?? 'reference';
  if (!REFERENCE_FRONTENDS.includes(frontend)) throw new Error(`frontend must be one of ${REFERENCE_FRONTENDS.join(', ')} (got ${JSON.stringify(opts.frontend)})`);
  const port = opts.port ?? 0;
  const maxPort = layout === 'netra' ? 65533 : 65535;
  if (!Number.isInteger(port) || port < 0 || port > maxPort) {
    throw new Error(`port must be an integer 0-${maxPort}${layout === 'netra' ? ' in the netra layout (it takes port, port+1, port+2)' : ''} (got ${opts.port})`);
  }
  const tokenTtlSec = opts.tokenTtlSec ?? ACCESS_TOKEN_TTL_S;
  if (!Number.isFinite(tokenTtlSec) || tokenTtlSec <= 0) throw new Error(`tokenTtlSec must be a number of seconds > 0 (got ${opts.tokenTtlSec})`);

  // Throws UnknownFaultError for a bad fault name before anything listens.
  const state = new ReferenceState({
    speed,
    jitter,
    delayMs,
    fault: opts.fault ?? 'healthy',
    sendOver: opts.sendOver ?? 'ws',
    answerIn: opts.answerIn ?? (layout === 'netra' ? 'final_report' : 'agent_response'),
    platform: layout === 'netra' ? 'netra' : 'reference',
    tokenTtlSec,
    clock: opts.clock ?? Date.now,
  });
  const hub = new SocketHub(state);
  const runner = new AgentRunner(state, hub);
  hub.attach(runner);

  const reset = () => {
    runner.cancelAll();
    state.reset();
    hub.terminateAll();
  };
  // Filled in once the ports are known; the handlers read them per request.
  const urls: Urls = { appUrl: '', apiUrl: '', authUrl: '', controlUrl: '', wsUrl: '' };
  const deps = { state, runner, urls, frontend, reset };
  const roles: HostRole[] = layout === 'netra' ? ['app', 'api', 'auth'] : ['all'];
  const servers = roles.map((role) => {
    const server = createServer(createRequestHandler(deps, role));
    // The agent sockets live on the API host, a dev server's hot reload on the app host (SOCKET_PATHS).
    server.on('upgrade', (req, socket, head) => {
      noteRequest(state, req, true);
      hub.handleUpgrade(req, socket, head, role);
    });
    return server;
  });

  const listening: Server[] = [];
  try {
    for (const [i, server] of servers.entries()) {
      await listen(server, port === 0 ? 0 : port + i, host);
      listening.push(server);
    }
  } catch (e) {
    await Promise.all(listening.map(closeServer));
    await hub.close();
    throw e;
  }
  const bases = servers.map((server) => `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`);
  const [appUrl = '', apiUrl = appUrl, authUrl = appUrl] = bases;
  Object.assign(urls, { appUrl, apiUrl, authUrl, controlUrl: `${apiUrl}/__reference`, wsUrl: apiUrl.replace(/^http/, 'ws') });

  let closing: Promise<void> | null = null;
  return {
    layout,
    frontend,
    appUrl: urls.appUrl,
    apiUrl: urls.apiUrl,
    authUrl: urls.authUrl,
    controlUrl: urls.controlUrl,
    port: (servers[0]?.address() as AddressInfo).port,
    setFault: (name, options) => state.setFault(name, options?.delayMs, checkFlood(options?.flood)),
    reset,
    setCredentials: (style) => (state.credentials = style),
    requests: () => [...state.seen],
    setElsewhere: (origin) => (state.elsewhere = origin),
    issuedCredentials: () => [...state.tokens.issued, ...state.tickets.issued],
    close: () => {
      closing ??= (async () => {
        runner.cancelAll();
        await hub.close();
        await Promise.all(servers.map(closeServer));
      })();
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections(); // keep-alive sockets would hold close() open
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A host as it goes in a URL: IPv6 in brackets, a wildcard bind reached over loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

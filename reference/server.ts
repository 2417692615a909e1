// The embedded reference staging: a real HTTP + WebSocket server that plays somebody else's AI-chat
// staging (app, API and auth hosts in one process), with a switch of named faults. It shares no code with
// src/: it is the other side of the wire, built only from the published protocol facts (DESIGN.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentRunner } from './agent';
import type { AnswerIn, SendOver } from './events';
import { createRequestHandler, type Urls } from './http-routes';
import { SocketHub } from './sockets';
import { ReferenceState } from './state';

export { REFERENCE_CREDENTIALS } from './tokens';
export { FAULT_NAMES, FAULTS, RENAMED_DIALECT, UnknownFaultError, type Fault, type FaultName } from './faults';

export interface ReferenceOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
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
  /** Where the chat page reads the answer. Default 'agent_response'. */
  answerIn?: AnswerIn;
}

export interface ReferenceServer {
  appUrl: string;
  apiUrl: string;
  authUrl: string;
  controlUrl: string;
  port: number;
  /** Throws (listing the known names) for an unknown fault. */
  setFault(name: string, options?: { delayMs?: number }): void;
  /** Back to the start fault; drops threads, tickets, runs under way and open sockets. */
  reset(): void;
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
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer 0-65535 (got ${opts.port})`);

  // Throws UnknownFaultError for a bad fault name before anything listens.
  const state = new ReferenceState({ speed, jitter, delayMs, fault: opts.fault ?? 'healthy', sendOver: opts.sendOver ?? 'ws', answerIn: opts.answerIn ?? 'agent_response' });
  const hub = new SocketHub(state);
  const runner = new AgentRunner(state, hub);
  hub.attach(runner);

  const reset = () => {
    runner.cancelAll();
    state.reset();
    hub.terminateAll();
  };
  // Filled in once the port is known; the handler reads them per request.
  const urls: Urls = { appUrl: '', apiUrl: '', authUrl: '', controlUrl: '', wsUrl: '' };
  const server = createServer(createRequestHandler({ state, runner, urls, reset }));
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));

  await listen(server, port, host);
  const actualPort = (server.address() as AddressInfo).port;
  const base = `http://${urlHost(host)}:${actualPort}`;
  Object.assign(urls, { appUrl: base, apiUrl: base, authUrl: base, controlUrl: `${base}/__reference`, wsUrl: base.replace(/^http/, 'ws') });

  let closing: Promise<void> | null = null;
  return {
    appUrl: urls.appUrl,
    apiUrl: urls.apiUrl,
    authUrl: urls.authUrl,
    controlUrl: urls.controlUrl,
    port: actualPort,
    setFault: (name, options) => state.setFault(name, options?.delayMs),
    reset,
    close: () => {
      closing ??= (async () => {
        runner.cancelAll();
        await hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections(); // keep-alive sockets would hold close() open
        });
      })();
      return closing;
    },
  };
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

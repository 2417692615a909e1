// The WebSocket side of the API host: auth at the upgrade (ticket or `jwt.<token>` subprotocol), the
// per-user registry of sockets, keepalive, the messages that start runs, and a second, unrelated socket
// (/ws/notifications) that some frontend versions open besides the agent socket, a presence socket
// (/ws/presence, no auth) and, on the app host, a dev server's hot-reload socket (/_next/webpack-hmr).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AgentRunner, Delivery } from './agent';
import { newId, type Frame } from './events';
import type { HostRole } from './http-routes';
import type { ReferenceState } from './state';
import { SESSION_COOKIE, userOfClaims, type User } from './tokens';

const JWT_PROTOCOL_PREFIX = 'jwt.';
const HEARTBEAT_MS = 15_000;
const MIN_HEARTBEAT_MS = 1_000;
const AGENT_PATH = '/ws';
const NOTIFICATIONS_PATH = '/ws/notifications';
const PRESENCE_PATH = '/ws/presence';
const HOT_RELOAD_PATH = '/_next/webpack-hmr';
/** The presence and hot-reload sockets send a frame this often until closed; not scaled by speed. */
const CHATTER_MS = 300;
/** The paths each host serves sockets on ('all': the single layout, one host for every role). */
const SOCKET_PATHS: Record<HostRole, readonly string[]> = {
  all: [AGENT_PATH, NOTIFICATIONS_PATH, PRESENCE_PATH, HOT_RELOAD_PATH],
  api: [AGENT_PATH, NOTIFICATIONS_PATH, PRESENCE_PATH],
  app: [HOT_RELOAD_PATH],
  auth: [],
};
/** The notification socket's chatter: this many frames, one every max(50 ms, 500 ms x speed). */
const NOTIFICATION_COUNT = 6;
const NOTIFICATION_MIN_MS = 50;
const NOTIFICATION_MS = 500;

/** What the upgrade decided about a socket before it is handed to `connection`. */
interface UpgradeAuth {
  user: User | null;
  /** A subprotocol token was offered and was bad: accept, then close 1003, as the platform does. */
  rejectWith1003: boolean;
  path: string;
}

const authOf = new WeakMap<IncomingMessage, UpgradeAuth>();

export class SocketHub implements Delivery {
  private readonly wss: WebSocketServer;
  /** user id -> the user's agent sockets; in the order the users last connected (onlineUsers). */
  private readonly byUser = new Map<string, Set<WebSocket>>();
  /** user id -> callbacks waiting for that user's next greeted socket. */
  private readonly onlineWaiters = new Map<string, Set<() => void>>();
  private runner: AgentRunner | null = null;

  constructor(private readonly state: ReferenceState) {
    this.wss = new WebSocketServer({
      noServer: true,
      // Echo the jwt.<token> subprotocol so a browser that offered it accepts the handshake.
      handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(JWT_PROTOCOL_PREFIX)) ?? false,
    });
    this.wss.on('connection', (ws, req) => {
      const path = new URL(req.url ?? '/', 'http://reference.invalid').pathname;
      if (path === PRESENCE_PATH) return this.onChatter(ws, presenceFrames(this.state.socketBehaviour().presenceUser));
      if (path === HOT_RELOAD_PATH) return this.onChatter(ws, hotReloadFrames());
      const auth = authOf.get(req);
      if (!auth?.user) return void ws.close(1003, 'Invalid token');
      if (auth.path === NOTIFICATIONS_PATH) this.onNotificationConnection(ws);
      else this.onConnection(ws, auth.user, req);
    });
  }

  attach(runner: AgentRunner): void {
    this.runner = runner;
  }

  /** Called from the HTTP server's 'upgrade' event for any path of the host playing `role`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, role: HostRole): void {
    const url = new URL(req.url ?? '/', 'http://reference.invalid');
    const path = url.pathname;
    if (!SOCKET_PATHS[role].includes(path)) return refuseUpgrade(socket, 404);
    // Presence and hot reload need no auth, and no fault touches them.
    if (path === PRESENCE_PATH || path === HOT_RELOAD_PATH) return this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    const attempt = ++this.state.upgradeAttempts;
    const forced = this.state.fault.onUpgrade?.(req, attempt);
    if (forced) return refuseUpgrade(socket, forced.status);

    const ticketUser = this.state.tickets.redeem(url.searchParams.get('ticket'));
    let auth: UpgradeAuth | null = ticketUser ? { user: ticketUser, rejectWith1003: false, path } : null;
    if (!auth) {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .find((p) => p.startsWith(JWT_PROTOCOL_PREFIX));
      if (offered) {
        const claims = this.state.tokens.verifyAccess(offered.slice(JWT_PROTOCOL_PREFIX.length));
        auth = claims
          ? { user: userOfClaims(claims), rejectWith1003: false, path }
          : { user: null, rejectWith1003: true, path };
      }
    }
    if (!auth) return refuseUpgrade(socket, 401);
    authOf.set(req, auth);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  sendToUser(userId: string, text: string): void {
    for (const ws of this.byUser.get(userId) ?? []) this.transmit(ws, text);
  }

  closeUser(userId: string, code: number, reason: string): void {
    for (const ws of this.byUser.get(userId) ?? []) ws.close(code, reason);
  }

  terminateUser(userId: string): void {
    for (const ws of this.byUser.get(userId) ?? []) ws.terminate();
  }

  onlineUsers(): string[] {
    return [...this.byUser].filter(([, sockets]) => [...sockets].some((ws) => ws.readyState === WebSocket.OPEN)).map(([userId]) => userId);
  }

  whenUserOnline(userId: string, ready: () => void): () => void {
    if ([...(this.byUser.get(userId) ?? [])].some((ws) => ws.readyState === WebSocket.OPEN)) {
      ready();
      return () => undefined;
    }
    const waiters = this.onlineWaiters.get(userId) ?? new Set<() => void>();
    waiters.add(ready);
    this.onlineWaiters.set(userId, waiters);
    return () => {
      waiters.delete(ready);
      if (waiters.size === 0 && this.onlineWaiters.get(userId) === waiters) this.onlineWaiters.delete(userId);
    };
  }

  /** Drops every connection at once (reset, close): no close frame, the old state is gone. */
  terminateAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.byUser.clear();
    this.onlineWaiters.clear();
  }

  close(): Promise<void> {
    this.terminateAll();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  /** Every frame the server sends goes through here: text, or binary UTF-8 when the fault says so. */
  private transmit(ws: WebSocket, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (this.state.socketBehaviour().binary) ws.send(Buffer.from(text, 'utf8'), { binary: true });
    else ws.send(text);
  }

  private onConnection(ws: WebSocket, user: User, req: IncomingMessage): void {
    const sockets = this.byUser.get(user.id) ?? new Set<WebSocket>();
    sockets.add(ws);
    // Re-inserted, so the user who connected last comes last.
    this.byUser.delete(user.id);
    this.byUser.set(user.id, sockets);
    // The socket's behaviour is the fault's at connect time.
    const behaviour = this.state.socketBehaviour();

    const send = (frame: Frame) => this.transmit(ws, JSON.stringify(frame));
    if (behaviour.greet !== false) {
      const timestamp = new Date().toISOString();
      const credentials = this.echoedCredentials(user, req);
      // The platform's own greeting names the user cut short (`user_id[:8] + "..."`) at the top level.
      send(
        behaviour.truncatedGreeting
          ? { type: 'connection_established', mode: 'main', user_id: `${user.id.slice(0, 8)}...`, connection_id: newId('conn'), ...credentials, timestamp }
          : { type: 'connection_established', data: { user_id: user.id, connection_id: newId('conn'), ...credentials }, timestamp },
      );
    }

    const heartbeat = () => send({ type: 'heartbeat', timestamp: new Date().toISOString() });
    const speed = this.state.options.speed;
    const period = behaviour.heartbeatMs ?? (speed > 0 ? Math.max(MIN_HEARTBEAT_MS, HEARTBEAT_MS * speed) : null);
    const timer = period ? setInterval(heartbeat, period) : null;
    // At speed 0 one heartbeat right away, so tests see the frame without waiting.
    if (speed === 0) setImmediate(heartbeat);

    ws.on('message', (data, isBinary) => {
      if (behaviour.listen === false) return;
      this.onMessage(user, send, isBinary ? null : data.toString());
    });
    ws.on('close', () => {
      if (timer) clearInterval(timer);
      sockets.delete(ws);
      if (sockets.size === 0 && this.byUser.get(user.id) === sockets) this.byUser.delete(user.id);
    });
    ws.on('error', () => undefined); // a dropped peer is normal here; 'close' follows

    // Runs held back until this user is online again go on now (after the greeting).
    const waiters = this.onlineWaiters.get(user.id);
    this.onlineWaiters.delete(user.id);
    for (const ready of waiters ?? []) ready();
  }

  /**
   * Opaque style only: the greeting echoes the connection's session cookie and the user's refresh token under
   * names that say nothing (`session.id`, `session.resume`), as some servers do: only a probe that learned them
   * by value keeps them out of its files.
   */
  private echoedCredentials(user: User, req: IncomingMessage): Frame {
    if (this.state.credentials !== 'opaque') return {};
    const cookie = String(req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    return { session: { id: cookie?.slice(SESSION_COOKIE.length + 1) ?? null, resume: this.state.tokens.refreshOf.get(user.id) ?? null } };
  }

  /**
   * The notification socket: its own chatter, a few frames, never agent events; it ignores what it is sent.
   * With `notificationErrors` it then goes on with `{"type":"error"}` frames of its own (no ids), every CHATTER_MS.
   */
  private onNotificationConnection(ws: WebSocket): void {
    let sent = 0;
    const errors = this.state.socketBehaviour().notificationErrors === true;
    const every = Math.max(NOTIFICATION_MIN_MS, NOTIFICATION_MS * this.state.options.speed);
    let timer = setInterval(() => {
      sent++;
      this.transmit(
        ws,
        JSON.stringify({ type: 'notification', id: newId('note'), data: { title: `Usage report ${sent} is ready`, unread: sent }, timestamp: new Date().toISOString() }),
      );
      if (sent < NOTIFICATION_COUNT) return;
      clearInterval(timer);
      if (errors) timer = setInterval(() => this.transmit(ws, JSON.stringify({ type: 'error', message: 'subscription keepalive missed' })), CHATTER_MS);
    }, every);
    ws.on('close', () => clearInterval(timer));
    ws.on('error', () => undefined);
  }

  /** A socket of the page's other features: sends the next of `frames` every CHATTER_MS until closed, ignores what it is sent. */
  private onChatter(ws: WebSocket, frames: () => string): void {
    const timer = setInterval(() => this.transmit(ws, frames()), CHATTER_MS);
    ws.on('close', () => clearInterval(timer));
    ws.on('error', () => undefined);
  }

  private onMessage(user: User, send: (f: Frame) => unknown, text: string | null): void {
    let msg: { type?: unknown; payload?: Record<string, unknown> };
    try {
      msg = JSON.parse(text ?? '') as typeof msg;
    } catch {
      send({ type: 'error', data: { message: 'Invalid message: expected a JSON text frame' } });
      return;
    }
    const payload = msg.payload ?? {};
    switch (msg.type) {
      case 'ping':
        send({ type: 'pong', timestamp: new Date().toISOString() });
        return;
      case 'pong':
        return;
      case 'start_agent':
        return this.startRun(user, send, payload.user_request, payload.thread_id);
      case 'user_message':
        return this.startRun(user, send, payload.content, payload.thread_id);
      default:
        send({ type: 'error', data: { message: `Unknown message type: ${String(msg.type)}` } });
    }
  }

  private startRun(user: User, send: (f: Frame) => unknown, message: unknown, threadId: unknown): void {
    if (typeof message !== 'string' || message.trim() === '') {
      send({ type: 'error', data: { message: 'Message text is required' } });
      return;
    }
    const thread = typeof threadId === 'string' && threadId ? threadId : newId('thread');
    if (!this.state.claimThread(thread, user.id)) {
      send({ type: 'error', data: { message: 'Thread not found', thread_id: thread } });
      return;
    }
    this.runner?.start({ message, threadId: thread, userId: user.id });
  }
}

/** Presence: who is online, typed frames of no agent event; naming a colleague when `colleague` is set. */
function presenceFrames(colleague?: string): () => string {
  let n = 0;
  return () =>
    JSON.stringify(
      colleague === undefined
        ? { type: 'presence_update', data: { online: 1 + (n++ % 3) }, timestamp: new Date().toISOString() }
        : { type: 'presence_update', user_id: colleague, data: { status: n++ % 2 === 0 ? 'typing' : 'online' }, timestamp: new Date().toISOString() },
    );
}

/** Next.js's hot-reload socket: untyped JSON (`{"action": ...}`) and a non-JSON heartbeat (a heart). */
function hotReloadFrames(): () => string {
  let n = 0;
  return () => (n++ % 2 === 0 ? JSON.stringify({ action: n === 1 ? 'sync' : 'built', hash: `h${n}`, errors: [], warnings: [] }) : '\uD83D\uDC93');
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };

/** Answers an upgrade with a plain HTTP error and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_TEXT[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

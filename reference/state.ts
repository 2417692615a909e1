// The mutable state of one reference server: the current fault, threads, tickets. One object, so that
// reset() has one place to drop it all.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_FLOOD, newId, type AnswerIn, type FloodSpec, type Persisted, type SendOver } from './events';
import { getFault, NETRA_PLATFORM, type Fault, type PageFlags, type RunRecord, type SocketBehaviour } from './faults';
import { TicketStore, TokenService, type Clock, type CredentialStyle } from './tokens';

export interface StateOptions {
  speed: number;
  /** 0..1: each scaled pause is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  sendOver: SendOver;
  answerIn: AnswerIn;
  fault: string;
  delayMs: number;
  /** 'netra': the platform's own emitter and frontend under every fault (NETRA_PLATFORM). */
  platform: 'reference' | 'netra';
  /** Lifetime of issued access tokens, in seconds. */
  tokenTtlSec: number;
  /** The time tokens and tickets are issued and checked by. */
  clock: Clock;
}

export class ReferenceState {
  readonly tokens: TokenService;
  readonly tickets: TicketStore;
  /** thread id -> id of the user who owns it; events of a thread go to its owner's sockets. */
  readonly threads = new Map<string, string>();
  /** thread id -> when it was made (epoch ms); GET /api/threads lists a user's threads newest first. */
  readonly threadCreatedAt = new Map<string, number>();
  /** thread id -> its history, as GET /api/threads/:id/messages serves it. */
  readonly messages = new Map<string, ThreadMessage[]>();
  readonly version = readVersion();
  faultName: string;
  delayMs: number;
  /** The flood fault's arguments, set with the fault. */
  flood: FloodSpec = DEFAULT_FLOOD;
  /** Bumped by reset(): runs of an older generation stop where they are. */
  generation = 0;
  /** WebSocket upgrades tried since the fault was set (or reset); a fault's onUpgrade sees the count. */
  upgradeAttempts = 0;
  /** The runs since the fault was set (or reset), which the faults of several users see; a fresh one with either. */
  runLog = new RunLog();
  /** Every request and WebSocket upgrade the hosts got since the last reset, with its trace context (GET /__reference/requests). */
  readonly seen: SeenRequest[] = [];
  /** Another origin the chat page also calls (an image, a fetch, a socket), as a page calls an analytics host; until reset. */
  elsewhere: string | undefined;
  /** The tokens logins issue, JWTs unless a test asks for opaque ones (back to JWTs on reset). */
  credentials: CredentialStyle = 'jwt';

  constructor(readonly options: StateOptions) {
    getFault(options.fault); // fail at start, not at the first request
    this.tokens = new TokenService({ ttlSec: options.tokenTtlSec, clock: options.clock });
    this.tickets = new TicketStore(options.clock);
    this.faultName = options.fault;
    this.delayMs = options.delayMs;
  }

  get fault(): Fault {
    return getFault(this.faultName);
  }

  /** What the layout plays under every fault: its run editor goes after the fault's, its page flags under the fault's. */
  get platform(): Fault {
    return this.options.platform === 'netra' ? NETRA_PLATFORM : { describe: 'the reference frontend' };
  }

  /** The chat page's flags: the platform's, overridden by the fault's. */
  pageFlags(): PageFlags {
    return { ...this.platform.page, ...this.fault.page };
  }

  /** How sockets behave: the platform's way, overridden by the fault's. */
  socketBehaviour(): SocketBehaviour {
    return { ...this.platform.socket, ...this.fault.socket };
  }

  /** Throws UnknownFaultError (listing the known names) for an unknown fault. */
  setFault(name: string, delayMs?: number, flood?: Partial<FloodSpec>): void {
    getFault(name);
    this.faultName = name;
    this.delayMs = delayMs ?? this.options.delayMs;
    this.flood = { ...DEFAULT_FLOOD, ...flood };
    this.upgradeAttempts = 0;
    this.runLog = new RunLog();
  }

  /** The frontend settings in force: the server's options, overridden by the fault's. */
  settings(): { sendOver: SendOver; answerIn: AnswerIn } {
    const s = this.fault.settings ?? {};
    return { sendOver: s.sendOver ?? this.options.sendOver, answerIn: s.answerIn ?? this.options.answerIn };
  }

  reset(): void {
    this.faultName = this.options.fault;
    this.delayMs = this.options.delayMs;
    this.flood = DEFAULT_FLOOD;
    this.threads.clear();
    this.threadCreatedAt.clear();
    this.messages.clear();
    this.tickets.clear();
    this.tokens.forgetIssued();
    this.credentials = 'jwt';
    this.upgradeAttempts = 0;
    this.runLog = new RunLog();
    this.seen.length = 0;
    this.elsewhere = undefined;
    this.generation++;
  }

  /** A new thread of `userId` (POST /api/threads, or a run in a thread the server did not know). */
  createThread(threadId: string, userId: string): void {
    this.threads.set(threadId, userId);
    this.threadCreatedAt.set(threadId, Date.now());
  }

  /** The threads of `userId`, newest first (the later made first when made in the same millisecond). */
  threadsOf(userId: string): UserThread[] {
    const mine = [...this.threads].filter(([, owner]) => owner === userId).map(([id]) => id).reverse();
    return mine
      .map((id) => ({ id, createdAt: this.threadCreatedAt.get(id) ?? 0, messages: this.messages.get(id) ?? [] }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Appends to a thread's history. */
  record(threadId: string, message: Omit<ThreadMessage, 'id' | 'at'>): void {
    const list = this.messages.get(threadId) ?? [];
    list.push({ ...message, id: newId('msg'), at: Date.now() });
    this.messages.set(threadId, list);
  }

  recordAnswer(p: Persisted): void {
    this.record(p.threadId, { role: 'assistant', content: p.content, run_id: p.runId });
  }

  /**
   * May `userId` run in this thread? A thread the server does not know (made before a reset, or by a
   * client that skipped POST /api/threads) is registered to that user; another user's thread is refused.
   */
  claimThread(threadId: string, userId: string): boolean {
    const owner = this.threads.get(threadId);
    if (owner === undefined) this.createThread(threadId, userId);
    return owner === undefined || owner === userId;
  }
}

/** A request or upgrade as a host got it: enough to tell whether it carried a trace, and whose. */
export interface SeenRequest {
  /** The Host header: which origin the client addressed. */
  host: string;
  method: string;
  /** Without the query string (tickets travel there). */
  path: string;
  upgrade: boolean;
  traceparent: string | null;
  tracestate: string | null;
  /** Whether a browser sent it (its user agent), not the probe's own HTTP client. */
  browser: boolean;
}

/** Requests kept beyond this many are dropped, oldest first. */
const SEEN_SIZE = 2000;

/** Records a request the hosts got (the control endpoints' own excepted). */
export function noteRequest(state: ReferenceState, req: IncomingMessage, upgrade: boolean): void {
  const path = new URL(req.url ?? '/', 'http://reference.invalid').pathname;
  if (path.startsWith('/__reference/')) return;
  const header = (name: string): string | null => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : null);
  state.seen.push({
    host: header('host') ?? '',
    method: req.method ?? 'GET',
    path,
    upgrade,
    traceparent: header('traceparent'),
    tracestate: header('tracestate'),
    browser: /Chrome\//.test(header('user-agent') ?? ''),
  });
  if (state.seen.length > SEEN_SIZE) state.seen.shift();
}

/** Ended runs kept in a RunLog beyond this many are dropped, oldest first (runs under way are always kept). */
const RUN_LOG_SIZE = 200;

/** What the runs since the fault was set (or reset) left behind, as the faults' Crowd shows it. */
export class RunLog {
  readonly runs: RunRecord[] = [];
  /** Distinct senders in the order of their first run. */
  readonly users: string[] = [];
  private readonly memos = new Map<string, unknown>();

  add(run: RunRecord): void {
    this.runs.push(run);
    if (!this.users.includes(run.userId)) this.users.push(run.userId);
    if (this.runs.length > RUN_LOG_SIZE) {
      const ended = this.runs.findIndex((r) => r.endedAt !== undefined);
      if (ended >= 0) this.runs.splice(ended, 1);
    }
  }

  /** A fault's own state, made on first use of `key`; the caller's `init` fixes its type. */
  memo<T>(key: string, init: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, init());
    return this.memos.get(key) as T;
  }
}

/** One message of a thread's history as stored; each layout serves it in its own shape (http-routes.ts). */
export interface ThreadMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  run_id: string;
  /** When it was stored, epoch ms. */
  at: number;
}

/** A thread as GET /api/threads lists it. */
export interface UserThread {
  id: string;
  /** Epoch ms. */
  createdAt: number;
  messages: readonly ThreadMessage[];
}

/** `reference-<package version>`; the reference has no version of its own, so it borrows the project's. */
function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return `reference-${typeof pkg.version === 'string' ? pkg.version : '1.0.0'}`;
  } catch {
    return 'reference-1.0.0';
  }
}

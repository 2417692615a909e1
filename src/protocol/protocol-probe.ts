// The browserless protocol probe: the golden path over HTTP and undici's WebSocket, with no page. It logs
// in, opens a thread, opens the socket the way the chat page does, sends the first message of the thread,
// records every frame, and hands the evidence to the same judge as the browser probe. When the golden path
// breaks, running both tells the backend from the frontend (see diagnose.ts).
//
// It never throws and never hangs: each step is bounded by stepTimeoutMs and, when it fails, becomes a
// StepFailure (auth, transport, or probe for its own bugs); the wait for the run is bounded by
// completeTimeoutMs; sockets and connections are closed in `finally` on every path.

import { Agent, request } from 'undici';
import { userIdFromToken } from '../auth/token';
import { Clock } from '../capture/clock';
import type { Contract } from '../contract/contract';
import { couldNotJudge, judge, runAnswers } from '../contract/judge';
import { describeClose, RECONNECT_CLOSE_CODES } from '../contract/close-codes';
import { FrameLog } from '../contract/frame-log';
import type { Budgets, Evidence, FailureClass, FramedEvidence, SocketRecord, StepFailure, Verdict } from '../contract/types';
import { ProbeStepError } from '../errors';
import { learnCredentialFields } from '../capture/credentials';
import type { Redactor } from '../redact';
import { FinishWatcher } from '../run/finished';
import { ProtocolTraffic } from './traffic';

export interface ProtocolProbeOptions {
  apiUrl: string;
  authUrl: string;
  login:
    | { kind: 'password'; username: string; password: string } // POST {auth}/auth/login {username,password}
    | { kind: 'e2e-bypass'; key: string; email: string } // POST {auth}/auth/e2e/test-auth, X-E2E-Bypass-Key, {email,name}
    | { kind: 'token'; token: string };
  /** ticket: POST {api}/api/websocket/ticket (Bearer), then {api as ws}/ws?ticket=...; subprotocol: `jwt.<token>`. */
  wsAuth: 'ticket' | 'subprotocol';
  /** The message to send; it already carries the nonce. */
  message: string;
  nonce: string;
  stepTimeoutMs: number;
  completeTimeoutMs: number;
  /** After the final agent_completed, how long to keep listening for late events (PROBE_FINAL_GRACE_MS). */
  finalGraceMs: number;
  /** After the final agent_completed, how long the answer may take to come (the page's PROBE_RENDER_TIMEOUT_MS). */
  answerWaitMs: number;
  budgets: Budgets;
  contract: Contract;
  redactor: Redactor;
  expectAnswer?: string;
}

export interface ProtocolRun {
  evidence: FramedEvidence;
  verdict: Verdict;
}

/** How long the probe waits for its own sockets to close before it drops the connections. */
const CLOSE_WAIT_MS = 2_000;
/** The run may survive one server restart; a second one is a finding. */
const MAX_RECONNECTS = 1;
/** The name the bypass login gives the test user. */
const BYPASS_USER_NAME = 'Golden Path Probe';

export async function runProtocolProbe(opts: ProtocolProbeOptions): Promise<ProtocolRun> {
  return new ProtocolProbe(opts).run();
}

/** Raised inside a step when the run stops (the wait ended) while the step was under way: not a failure. */
const STOPPED = Symbol('stopped');

interface SocketTarget {
  url: string;
  protocols: string[];
}

interface HttpAnswer {
  url: string;
  status: number;
  body: unknown;
}

class ProtocolProbe {
  private readonly clock = new Clock();
  private readonly traffic: ProtocolTraffic;
  private readonly dispatcher: Agent;
  /** Aborted when the run is over: cancels a reconnect under way. */
  private readonly stop = new AbortController();
  private readonly failures: StepFailure[] = [];
  private userId: string | null = null;
  /** The user id came from a token's claim, not from the platform's answer: a hint (Evidence.userIdIsHint). */
  private userIdIsHint = false;
  private sentAt: number | null = null;
  private token: string | null = null;
  private reconnectsLeft = MAX_RECONNECTS;
  private reconnecting: Promise<void> | null = null;
  private readonly finishWatcher: FinishWatcher;
  /** The frames as the judge reads them, logged as they arrive. */
  private readonly log: FrameLog;

  constructor(private readonly opts: ProtocolProbeOptions) {
    // The given secrets first, before any request can fail with them in a message.
    const { login, redactor } = opts;
    if (login.kind === 'password') redactor.add(login.password);
    if (login.kind === 'e2e-bypass') redactor.add(login.key);
    if (login.kind === 'token') redactor.add(login.token);
    this.dispatcher = new Agent({ connect: { timeout: opts.stepTimeoutMs } });
    this.log = new FrameLog(opts.contract, opts.nonce);
    this.traffic = new ProtocolTraffic(this.clock, redactor, { onClose: (record) => this.onSocketClosed(record), onFrame: (frame) => this.log.add(frame) });
    this.finishWatcher = new FinishWatcher(opts.contract, this.log, this.traffic.sockets);
  }

  async run(): Promise<ProtocolRun> {
    try {
      await this.goldenPath();
    } catch (err) {
      // Every step catches its own errors: whatever arrives here is the probe's bug.
      this.fail('probe', 'probe', errorMessage(err));
    } finally {
      await this.shutDown();
    }
    const evidence = this.evidence();
    // The log is the judge's working copy of the frames, which the evidence returned carries as they came.
    const plain: FramedEvidence = { ...evidence };
    delete plain.log;
    return { evidence: structuredClone(plain), verdict: this.judgeSafely(evidence) };
  }

  private async goldenPath(): Promise<void> {
    const loggedIn = await this.step('log in', (signal) => this.login(signal));
    if (loggedIn === null) return;
    const threadId = await this.step('create thread', (signal) => this.createThread(signal));
    if (threadId === null) return;
    const socket = await this.connect('');
    if (socket === null) return;
    const greeted = await this.step('first frame', (signal) => this.firstFrame(socket, signal), `no frame within ${this.opts.stepTimeoutMs} ms after the socket opened`);
    if (greeted === null) return;
    const sent = await this.step('send', async () => this.send(socket, threadId));
    if (sent === null) return;
    // Re-checked on every frame, close and reconnect; bounded by the complete timeout.
    const over = await this.traffic.waitFor(() => this.runOver(), this.opts.completeTimeoutMs, this.stop.signal);
    // Platforms send the answer with the final agent_completed or after it (a final_report a second or more
    // later): wait for it as the page would, bounded as the page's wait is (answerWaitMs).
    if (over && this.completed() && !this.answerSettled()) {
      await this.traffic.waitFor(() => this.answerSettled() || this.traffic.allClosed(), this.opts.answerWaitMs, this.stop.signal);
    }
    // Late events (a tool_completed just after the final) are judged as out of order, not missed.
    if (over && this.completed()) await this.traffic.waitFor(() => this.traffic.allClosed(), this.opts.finalGraceMs, this.stop.signal);
  }

  // ---- steps ---------------------------------------------------------------------------------------

  private async login(signal: AbortSignal): Promise<true> {
    const { login, authUrl, redactor } = this.opts;
    if (login.kind === 'token') {
      this.token = login.token;
      this.userId = userIdFromToken(login.token);
      this.userIdIsHint = true;
      return true;
    }
    const answer =
      login.kind === 'password'
        ? await this.post(join(authUrl, '/auth/login'), { username: login.username, password: login.password }, {}, signal)
        : await this.post(join(authUrl, '/auth/e2e/test-auth'), { email: login.email, name: BYPASS_USER_NAME }, { 'x-e2e-bypass-key': login.key }, signal);
    const what = login.kind === 'password' ? 'the credentials were refused' : 'the bypass key was refused';
    if (answer.status === 401 || answer.status === 403) throw new ProbeStepError('auth', `${said(answer, redactor)}: ${what}`);
    if (answer.status >= 500) throw new ProbeStepError('transport', said(answer, redactor));
    const token = field(answer.body, 'access_token');
    if (!isOk(answer.status) || typeof token !== 'string' || token === '') {
      throw new ProbeStepError('auth', `${said(answer, redactor)} without an access_token`);
    }
    this.token = token;
    const user = field(answer.body, 'user');
    const id = field(user, 'id');
    this.userId = typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : userIdFromToken(token);
    this.userIdIsHint = this.userId !== null && (typeof id !== 'string' || id === '') && typeof id !== 'number';
    return true;
  }

  private async createThread(signal: AbortSignal): Promise<string> {
    const answer = await this.post(join(this.opts.apiUrl, '/api/threads'), {}, this.bearer(), signal);
    this.expectOk(answer);
    const threadId = field(answer.body, 'thread_id') ?? field(answer.body, 'id');
    if (typeof threadId !== 'string' || threadId === '') {
      throw new ProbeStepError('transport', `${said(answer, this.opts.redactor)} without a thread_id`);
    }
    return threadId;
  }

  /** Ticket (when the socket is authenticated by one) and the socket; `prefix` names a reconnect's steps. */
  private async connect(prefix: string): Promise<number | null> {
    let target: SocketTarget | null;
    if (this.opts.wsAuth === 'ticket') {
      target = await this.step(`${prefix}get ticket`, (signal) => this.ticketTarget(signal));
    } else {
      target = { url: join(wsBase(this.opts.apiUrl), '/ws'), protocols: [`jwt.${this.token ?? ''}`] };
    }
    if (target === null) return null;
    const opened = target;
    return this.step(`${prefix}open socket`, (signal) => this.openSocket(opened, signal));
  }

  private async ticketTarget(signal: AbortSignal): Promise<SocketTarget> {
    const answer = await this.post(join(this.opts.apiUrl, '/api/websocket/ticket'), {}, this.bearer(), signal);
    this.expectOk(answer);
    const ticket = field(answer.body, 'ticket');
    if (typeof ticket !== 'string' || ticket === '') throw new ProbeStepError('transport', `${said(answer, this.opts.redactor)} without a ticket`);
    return { url: `${join(wsBase(this.opts.apiUrl), '/ws')}?ticket=${encodeURIComponent(ticket)}`, protocols: [] };
  }

  private async openSocket(target: SocketTarget, signal: AbortSignal): Promise<number> {
    const socket = this.traffic.connect(target.url, target.protocols, this.dispatcher);
    await this.traffic.waitFor(() => !this.traffic.isConnecting(socket), this.opts.stepTimeoutMs, signal);
    if (this.traffic.isOpen(socket)) return socket;
    const url = this.traffic.sockets[socket]?.url ?? '';
    throw new ProbeStepError('transport', `the WebSocket upgrade of ${url} failed: ${this.traffic.describe(socket)}`);
  }

  private async firstFrame(socket: number, signal: AbortSignal): Promise<true> {
    await this.traffic.waitFor(() => this.traffic.receivedOn(socket) > 0 || !this.traffic.isOpen(socket), this.opts.stepTimeoutMs, signal);
    if (this.traffic.receivedOn(socket) > 0) return true;
    throw new ProbeStepError('transport', `${this.traffic.describe(socket)} before its first frame`);
  }

  private send(socket: number, threadId: string): true {
    if (!this.traffic.isOpen(socket)) throw new ProbeStepError('transport', `${this.traffic.describe(socket)} before the message could be sent`);
    const text = JSON.stringify({ type: 'start_agent', payload: { user_request: this.opts.message, thread_id: threadId } });
    this.sentAt = this.clock.now();
    this.traffic.send(socket, text);
    return true;
  }

  // ---- the wait for the run, and reconnects -------------------------------------------------------

  /** The run finished (final agent_completed, or the chat socket broke for good), or nothing more can arrive. */
  private runOver(): boolean {
    if (this.finishWatcher.finished(this.sentAt, () => this.evidence(), this.clock.now())) return true;
    return this.reconnecting === null && this.traffic.allClosed();
  }

  private completed(): boolean {
    return judge(this.evidence(), this.opts.contract).timings.completeMs !== null;
  }

  /** An answer came with or after the final agent_completed: no later one replaces it. */
  private answerSettled(): boolean {
    return runAnswers(this.evidence(), this.opts.contract).settled;
  }

  /** A close during the run with Going Away / Service Restart: reconnect once, as the page does. */
  private onSocketClosed(record: SocketRecord): void {
    if (this.sentAt === null || this.stop.signal.aborted || record.closeCode === undefined) return;
    if (!RECONNECT_CLOSE_CODES.has(record.closeCode)) return; // the watcher sees it: the transport check names it
    if (this.finishWatcher.finished(this.sentAt, () => this.evidence(), this.clock.now())) return;
    const close = describeClose(record.closeCode, record.closeReason);
    if (this.reconnectsLeft <= 0) {
      this.fail('reconnect', 'transport', `socket ${record.socket} closed ${close} during the run after the probe had used its ${MAX_RECONNECTS} reconnect(s); nothing left to receive the run on`);
      return;
    }
    this.reconnectsLeft -= 1;
    this.reconnecting = this.connect('reconnect: ')
      .then(() => undefined)
      .catch((err: unknown) => this.fail('reconnect', 'probe', errorMessage(err)))
      .finally(() => {
        this.reconnecting = null;
        this.traffic.changed();
      });
  }

  private async shutDown(): Promise<void> {
    this.stop.abort();
    try {
      await this.reconnecting; // its steps listen to `stop`: this is immediate
      this.traffic.seal();
      await this.traffic.closeAll(CLOSE_WAIT_MS);
    } catch (err) {
      this.fail('close', 'probe', errorMessage(err));
    } finally {
      this.traffic.seal();
      await this.dispatcher.destroy().catch(() => undefined);
    }
  }

  // ---- building blocks -------------------------------------------------------------------------------

  /**
   * Runs one step bounded by stepTimeoutMs. A failure is recorded (its ProbeStepError class, `transport` for
   * a timeout, `probe` for anything else) and the step returns null; nothing is thrown.
   */
  private async step<T>(name: string, body: (signal: AbortSignal) => Promise<T>, timeoutMessage?: string): Promise<T | null> {
    if (this.stop.signal.aborted) return null;
    const ms = this.opts.stepTimeoutMs;
    const control = new AbortController();
    const onStop = () => control.abort(STOPPED);
    this.stop.signal.addEventListener('abort', onStop);
    const timer = setTimeout(() => control.abort(new ProbeStepError('transport', timeoutMessage ?? `no answer within ${ms} ms`)), ms);
    const aborted = new Promise<never>((_resolve, reject) => control.signal.addEventListener('abort', () => reject(control.signal.reason as unknown)));
    try {
      return await Promise.race([body(control.signal), aborted]);
    } catch (err) {
      if (err !== STOPPED) this.fail(name, err instanceof ProbeStepError ? err.failureClass : 'probe', errorMessage(err));
      return null;
    } finally {
      clearTimeout(timer);
      this.stop.signal.removeEventListener('abort', onStop);
    }
  }

  private fail(step: string, cls: FailureClass, message: string): void {
    const line = (message.split('\n')[0] ?? '').trim();
    const full = line.startsWith(`${step}:`) ? line : `${step}: ${line}`;
    this.failures.push({ step, class: cls, message: this.opts.redactor.redact(full) });
    this.traffic.changed();
  }

  /** POST with a JSON body; a network error (refused, reset, aborted) is a transport failure. */
  private async post(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<HttpAnswer> {
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal,
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: kept as text, for the message.
      }
      this.learnSecrets(parsed);
      return { url, status: res.statusCode, body: parsed };
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new ProbeStepError('transport', `POST ${url} failed: ${errorMessage(err)}`);
    }
  }

  /** Tokens and tickets go to the redactor the moment they are read, before anything can record them. */
  private learnSecrets(body: unknown): void {
    learnCredentialFields(body, this.opts.redactor);
  }

  /** 401/403: auth; anything else but 2xx: transport. */
  private expectOk(answer: HttpAnswer): void {
    if (answer.status === 401 || answer.status === 403) throw new ProbeStepError('auth', `${said(answer, this.opts.redactor)}: the token was refused`);
    if (!isOk(answer.status)) throw new ProbeStepError('transport', said(answer, this.opts.redactor));
  }

  private bearer(): Record<string, string> {
    return { authorization: `Bearer ${this.token ?? ''}` };
  }

  private evidence(): FramedEvidence {
    return {
      nonce: this.opts.nonce,
      message: this.opts.message,
      userId: this.userId,
      userIdIsHint: this.userIdIsHint,
      sentAt: this.sentAt,
      frames: this.traffic.frames,
      log: this.log,
      sockets: this.traffic.sockets,
      httpSends: [],
      page: null,
      stepFailures: this.failures,
      budgets: this.opts.budgets,
      ...(this.opts.expectAnswer !== undefined ? { expectAnswer: this.opts.expectAnswer } : {}),
      surface: 'protocol',
    };
  }

  private judgeSafely(evidence: Evidence): Verdict {
    try {
      return this.opts.redactor.redactValue(judge(evidence, this.opts.contract));
    } catch (err) {
      return couldNotJudge(this.opts.redactor.redact(`judge: ${errorMessage(err)}`), this.opts.contract);
    }
  }
}

// ---- small helpers ---------------------------------------------------------------------------------

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** The API host as a WebSocket origin: http -> ws, https -> wss. */
function wsBase(apiUrl: string): string {
  return apiUrl.replace(/^http(s?):/i, 'ws$1:');
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** `POST url answered 401 ("Invalid credentials")`: the status and the server's own error text, redacted. */
function said(answer: HttpAnswer, redactor: Redactor): string {
  const error = field(answer.body, 'error') ?? field(answer.body, 'detail') ?? field(answer.body, 'message');
  const text = typeof error === 'string' ? error : typeof answer.body === 'string' ? answer.body.slice(0, 120) : '';
  return redactor.redact(`POST ${answer.url} answered ${answer.status}${text.trim() ? ` (${JSON.stringify(text.trim())})` : ''}`);
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message && !err.message.includes(cause.message) ? ` (${cause.message})` : '';
    return `${err.message}${detail}`;
  }
  return String(err);
}

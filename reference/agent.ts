// The agent: turns a user's message into a run (healthy steps, edited by the current fault) and plays it
// to the sockets of the user who owns the thread, with realistic pauses scaled by the server's speed.
import { performance } from 'node:perf_hooks';
import { answerFor, healthyRun, newId, TOOL_NAME, type Frame, type RunContext, type Step } from './events';
import type { Crowd, Fault, RunRecord } from './faults';
import type { ReferenceState, RunLog } from './state';

/** How the runner reaches the sockets; implemented by sockets.ts. Routing is by user, as on the platform. */
export interface Delivery {
  /** Sends one text (JSON or not) to every open socket of the user. */
  sendToUser(userId: string, text: string): void;
  closeUser(userId: string, code: number, reason: string): void;
  terminateUser(userId: string): void;
  /** Calls `ready` once the user has an open, greeted socket (at once when one is open now). Returns a cancel. */
  whenUserOnline(userId: string, ready: () => void): () => void;
  /** The users with an open agent socket, the most recently connected last. */
  onlineUsers(): string[];
}

/** A burst's frames go out in ticks this long: fine enough for 20,000 frames a second, coarse enough for timers. */
const BURST_TICK_MS = 10;

export interface RunRequest {
  message: string;
  threadId: string;
  userId: string;
}

/** A run being played: its context, and the fault, crowd and generation of its start (a run under way keeps them). */
interface Playing {
  ctx: RunContext;
  fault: Fault;
  record: RunRecord;
  crowd: Crowd;
  generation: number;
}

export class AgentRunner {
  /** Cancels of everything pending: timers and waits for a socket. */
  private pending = new Set<() => void>();

  constructor(
    private readonly state: ReferenceState,
    private readonly delivery: Delivery,
  ) {}

  /** Starts a run and returns its id; the frames follow asynchronously, in order. */
  start(req: RunRequest): string {
    // The fault is read once, at the start: switching faults mid-run does not change a run under way.
    const { fault, platform, runLog } = this.state;
    const crowd = this.crowdOf(runLog);
    const fresh: RunContext = {
      ...req,
      runId: newId('run'),
      answer: answerFor(req.message),
      toolName: TOOL_NAME,
      answerIn: this.state.settings().answerIn,
      delayMs: this.state.delayMs,
      flood: this.state.flood,
    };
    const ctx = fault.onRunStart ? fault.onRunStart(fresh, crowd) : fresh;
    const record: RunRecord = { runId: ctx.runId, userId: ctx.userId, threadId: ctx.threadId, startedAt: crowd.now() };
    runLog.add(record);
    this.state.record(ctx.threadId, { role: 'user', content: ctx.message, run_id: ctx.runId });
    const healthy = healthyRun(ctx);
    const edited = fault.editRun ? fault.editRun(healthy, ctx, crowd) : healthy;
    const steps = platform.editRun ? platform.editRun(edited, ctx, crowd) : edited;
    this.play(steps, 0, { ctx, fault, record, crowd, generation: this.state.generation });
    return ctx.runId;
  }

  /** What the faults see of the other runs and of who is online. */
  private crowdOf(log: RunLog): Crowd {
    return {
      runs: log.runs,
      users: log.users,
      online: () => this.delivery.onlineUsers(),
      now: () => performance.now(),
      memo: (key, init) => log.memo(key, init),
    };
  }

  /** Stops every run under way (reset, close). */
  cancelAll(): void {
    for (const cancel of this.pending) cancel();
    this.pending.clear();
  }

  /** Runs `fn` after `ms` (its own macrotask even at 0), unless cancelled first. */
  private later(ms: number, fn: () => void): void {
    const cancel = () => {
      this.pending.delete(cancel);
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    };
    const run = () => {
      cancel();
      fn();
    };
    const timer = ms > 0 ? setTimeout(run, ms) : setImmediate(run);
    this.pending.add(cancel);
  }

  /** A pause as played: scaled by speed and jittered; holds are neither. */
  private waitOf(step: Step): number {
    const { speed, jitter } = this.state.options;
    const factor = jitter > 0 ? 1 + jitter * (2 * Math.random() - 1) : 1;
    return (step.pauseMs ?? 0) * speed * factor + (step.holdMs ?? 0);
  }

  private play(steps: Step[], i: number, run: Playing): void {
    const step = steps[i];
    if (!step) return this.ended(run);
    // Even at speed 0 each step is its own macrotask, so the frames arrive as separate, ordered messages.
    this.later(this.waitOf(step), () => {
      if (run.generation !== this.state.generation) return;
      const next = () => this.play(steps, i + 1, run);
      if ('waitForSocket' in step) return this.waitForSocket(run, step.waitForSocket.timeoutMs, next);
      if ('burst' in step) return this.burst(run, step.burst, 0, next);
      this.perform(step, run);
      next();
    });
  }

  private ended(run: Playing): void {
    run.record.endedAt ??= run.crowd.now();
  }

  /** Sends a frame's text to whoever the fault says (default the thread's owner), each listed user once per listing. */
  private deliver(run: Playing, step: Step, text: string, times = 1): void {
    const owner = this.ownerOf(run.ctx);
    const to = run.fault.deliver ? run.fault.deliver({ step, owner, run: run.record }, run.crowd) : [owner];
    for (let n = 0; n < times; n++) for (const userId of to) this.delivery.sendToUser(userId, text);
  }

  /**
   * Sends a burst's frames tick by tick (every BURST_TICK_MS), as many each tick as the rate says should be out
   * by then: a tick that runs late catches up, so timer drift never lowers the rate. Then goes on.
   */
  private burst(run: Playing, b: { count: number; perSecond: number; frame: (i: number) => Frame }, from: number, next: () => void, startedAt = performance.now()): void {
    const owner = this.ownerOf(run.ctx);
    const due = Math.round(((performance.now() - startedAt + BURST_TICK_MS) * b.perSecond) / 1000);
    const to = Math.min(b.count, Math.max(from + 1, due));
    for (let i = from; i < to; i++) {
      const frame = b.frame(i);
      // The common case (no fault routes frames) stays a plain loop: a flood sends 100,000 of them.
      if (run.fault.deliver) this.deliver(run, { send: frame }, JSON.stringify(frame));
      else this.delivery.sendToUser(owner, JSON.stringify(frame));
    }
    if (to >= b.count) return next();
    this.later(BURST_TICK_MS, () => this.burst(run, b, to, next, startedAt));
  }

  /** Goes on once the thread's owner has an open socket; gives the rest of the run up after `timeoutMs`. */
  private waitForSocket(run: Playing, timeoutMs: number, next: () => void): void {
    let stopWaiting = (): void => undefined;
    const giveUp = () => {
      stopWaiting();
      this.pending.delete(giveUp);
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      giveUp();
      this.ended(run);
    }, timeoutMs);
    this.pending.add(giveUp);
    stopWaiting = this.delivery.whenUserOnline(this.ownerOf(run.ctx), () => {
      giveUp();
      // Its own macrotask: after whatever the new socket was sent on connect.
      this.later(0, next);
    });
  }

  /** Whoever owns the thread now (normally the sender), like the platform's bridge routes. */
  private ownerOf(ctx: RunContext): string {
    return this.state.threads.get(ctx.threadId) ?? ctx.userId;
  }

  private perform(step: Step, run: Playing): void {
    const owner = this.ownerOf(run.ctx);
    if ('send' in step) {
      const frame = 'timestamp' in step.send ? { ...step.send, timestamp: new Date().toISOString() } : step.send;
      this.deliver(run, step, JSON.stringify(frame), step.times ?? 1);
    } else if ('raw' in step) {
      this.deliver(run, step, step.raw);
    } else if ('close' in step) {
      this.delivery.closeUser(owner, step.close.code, step.close.reason);
    } else if ('terminate' in step) {
      this.delivery.terminateUser(owner);
    } else if ('persist' in step) {
      this.state.recordAnswer(step.persist);
    }
  }
}

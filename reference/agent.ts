// The agent: turns a user's message into a run (healthy steps, edited by the current fault) and plays it
// to the sockets of the user who owns the thread, with realistic pauses scaled by the server's speed.
import { answerFor, healthyRun, newId, TOOL_NAME, type Frame, type RunContext, type Step } from './events';
import type { ReferenceState } from './state';

/** How the runner reaches the sockets; implemented by sockets.ts. Routing is by user, as on the platform. */
export interface Delivery {
  sendToUser(userId: string, frame: Frame): void;
  closeUser(userId: string, code: number, reason: string): void;
  terminateUser(userId: string): void;
}

export interface RunRequest {
  message: string;
  threadId: string;
  userId: string;
}

export class AgentRunner {
  private timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();

  constructor(
    private readonly state: ReferenceState,
    private readonly delivery: Delivery,
  ) {}

  /** Starts a run and returns its id; the frames follow asynchronously, in order. */
  start(req: RunRequest): string {
    const ctx: RunContext = {
      ...req,
      runId: newId('run'),
      answer: answerFor(req.message),
      toolName: TOOL_NAME,
      answerIn: this.state.settings().answerIn,
      delayMs: this.state.delayMs,
    };
    // The fault is read once, at the start: switching faults mid-run does not change a run under way.
    const fault = this.state.fault;
    const healthy = healthyRun(ctx);
    const steps = fault.editRun ? fault.editRun(healthy, ctx) : healthy;
    this.play(steps, 0, ctx, this.state.generation);
    return ctx.runId;
  }

  /** Stops every run under way (reset, close). */
  cancelAll(): void {
    for (const t of this.timers) {
      clearTimeout(t as NodeJS.Timeout);
      clearImmediate(t as NodeJS.Immediate);
    }
    this.timers.clear();
  }

  private play(steps: Step[], i: number, ctx: RunContext, generation: number): void {
    const step = steps[i];
    if (!step) return;
    const wait = (step.pauseMs ?? 0) * this.state.options.speed + (step.holdMs ?? 0);
    const fire = () => {
      this.timers.delete(handle);
      if (generation !== this.state.generation) return;
      this.perform(step, ctx);
      this.play(steps, i + 1, ctx, generation);
    };
    // Even at speed 0 each step is its own macrotask, so the frames arrive as separate, ordered messages.
    const handle = wait > 0 ? setTimeout(fire, wait) : setImmediate(fire);
    this.timers.add(handle);
  }

  private perform(step: Step, ctx: RunContext): void {
    // Route to whoever owns the thread now (normally the sender), like the platform's bridge does.
    const owner = this.state.threads.get(ctx.threadId) ?? ctx.userId;
    if ('send' in step) {
      const frame = 'timestamp' in step.send ? { ...step.send, timestamp: new Date().toISOString() } : step.send;
      this.delivery.sendToUser(owner, frame);
    } else if ('close' in step) {
      this.delivery.closeUser(owner, step.close.code, step.close.reason);
    } else {
      this.delivery.terminateUser(owner);
    }
  }
}

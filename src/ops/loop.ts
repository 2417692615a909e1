// Loop mode: a run now, then one every `everyMs`, scheduled by croner, never two at once. A tick that comes
// while a run is still going is skipped (and said so): the next run starts at the first tick after it ends.
// SIGTERM, SIGINT or the caller's AbortSignal stop the loop after the run in flight; a second signal gets
// Node's default (the process ends), because the handlers are removed as soon as the first one arrives.
// Nothing is kept per run: a loop that runs for months holds the same memory as one that ran once.

import { Cron } from 'croner';
import { formatDuration } from '../config/duration';

export interface LoopOptions {
  everyMs: number;
  runOnce: () => Promise<void>;
  log: (line: string) => void;
  /** Stop after this many runs (tests). */
  maxRuns?: number;
  signal?: AbortSignal;
}

export interface LoopOutcome {
  runs: number;
  stoppedBy: 'signal' | 'max-runs';
}

export const LOOP_STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Every second; croner's `interval` spaces the runs (whole seconds, counted from the start of the last run). */
const EVERY_SECOND = '* * * * * *';

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack?.split('\n').slice(0, 3).join(' | ') ?? `${err.name}: ${err.message}`;
  return String(err);
}

function clock(date: Date | null): string {
  return date ? date.toISOString() : 'never';
}

export async function runLoop(opts: LoopOptions): Promise<LoopOutcome> {
  if (!Number.isFinite(opts.everyMs) || opts.everyMs <= 0) {
    throw new RangeError(`loop: everyMs must be a positive number of milliseconds, got ${opts.everyMs}`);
  }
  if (opts.maxRuns !== undefined && (!Number.isInteger(opts.maxRuns) || opts.maxRuns < 1)) {
    throw new RangeError(`loop: maxRuns must be a whole number of at least 1, got ${opts.maxRuns}`);
  }
  const log = (line: string): void => {
    try {
      opts.log(line);
    } catch {
      // A broken logger never stops the loop.
    }
  };
  const seconds = Math.max(1, Math.ceil(opts.everyMs / 1000));
  if (seconds * 1000 !== opts.everyMs) {
    log(
      `loop: every ${formatDuration(opts.everyMs)} rounded up to ${formatDuration(seconds * 1000)} (the schedule counts whole seconds)`,
    );
  }
  if (opts.signal?.aborted) {
    log('loop: stopped before the first run (already aborted)');
    return { runs: 0, stoppedBy: 'signal' };
  }

  let runs = 0;
  /** The run in flight; settles (never rejects) when it ends. */
  let current: Promise<void> | null = null;
  /** Ticks skipped during the run in flight. */
  let skipped = 0;
  let stoppedBy: LoopOutcome['stoppedBy'] | null = null;
  let job: Cron | null = null;
  let finish!: (outcome: LoopOutcome) => void;
  const done = new Promise<LoopOutcome>((resolve) => (finish = resolve));

  const onSignal = (signal: NodeJS.Signals): void => stop('signal', signal);
  const onAbort = (): void => stop('signal', 'aborted');
  const detach = (): void => {
    for (const s of LOOP_STOP_SIGNALS) process.off(s, onSignal);
    opts.signal?.removeEventListener('abort', onAbort);
  };

  function stop(reason: LoopOutcome['stoppedBy'], why: string): void {
    if (stoppedBy) return;
    stoppedBy = reason;
    job?.stop();
    detach();
    const end = (): void => finish({ runs, stoppedBy: reason });
    if (current) {
      const again = reason === 'signal' && LOOP_STOP_SIGNALS.every((s) => process.listenerCount(s) === 0);
      log(`loop: ${why}: stopping after run ${runs} ends${again ? ' (a second signal ends the process now)' : ''}`);
      void current.then(end);
    } else {
      if (reason === 'signal') log(`loop: ${why}: stopping (no run in flight)`);
      end();
    }
  }

  function blocked(): void {
    skipped += 1;
    if (skipped === 1) log(`loop: run ${runs} is still going at the next tick: no new run until it ends`);
  }

  function tick(): Promise<void> | undefined {
    if (stoppedBy) return undefined;
    if (current) {
      blocked();
      return undefined;
    }
    runs += 1;
    const n = runs;
    skipped = 0;
    const started = performance.now();
    let release!: () => void;
    const run = new Promise<void>((resolve) => (release = resolve));
    current = run;
    void (async () => {
      try {
        await opts.runOnce();
      } catch (err) {
        log(`loop: run ${n} failed: ${describe(err)}; the loop goes on`);
      } finally {
        const over =
          skipped > 0 ? `, longer than the interval (${skipped} tick${skipped === 1 ? '' : 's'} skipped)` : '';
        current = null;
        release();
        const last = opts.maxRuns !== undefined && n >= opts.maxRuns;
        const next = last || stoppedBy ? '' : `; next run at ${clock(job?.nextRun() ?? null)}`;
        log(`loop: run ${n} took ${formatDuration(performance.now() - started)}${over}${next}`);
        if (last) stop('max-runs', `${n} runs done`);
      }
    })();
    return run;
  }

  // The first run starts now; croner takes over one interval later, on a whole second, because its pattern
  // counts whole seconds and would otherwise put the second scheduled run less than an interval after the first.
  job = new Cron(
    EVERY_SECOND,
    {
      interval: seconds,
      startAt: new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000),
      protect: () => blocked(),
      catch: (err) => log(`loop: scheduler: ${describe(err)}`),
    },
    () => tick(),
  );
  for (const s of LOOP_STOP_SIGNALS) process.on(s, onSignal);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  void tick();
  return done;
}

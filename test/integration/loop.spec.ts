// Loop mode with its real scheduler (croner) and real seconds: every wait is on an event (a run starting, a
// log line, the loop resolving), bounded, never a sleep. Each test takes the one to three seconds its runs need.

import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { LOOP_STOP_SIGNALS, runLoop } from '../../src/ops/loop';

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'loop-child.ts');
/** Bound of each wait: a few ticks of a 1 s loop, with room for a loaded machine. */
const WAIT_MS = 15_000;

/** Lines, as a log or a child's stdout, with a bounded wait for the first one that matches. */
class Lines {
  readonly all: string[] = [];
  private readonly events = new EventEmitter();

  push = (line: string): void => {
    this.all.push(line);
    this.events.emit('line', line);
  };

  waitFor(pattern: RegExp, step: string): Promise<string> {
    const seen = this.all.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.events.off('line', onLine);
        reject(new Error(`${step}: no line matching ${pattern} within ${WAIT_MS} ms; lines:\n${this.all.join('\n')}`));
      }, WAIT_MS);
      const onLine = (line: string): void => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.events.off('line', onLine);
        resolvePromise(line);
      };
      this.events.on('line', onLine);
    });
  }
}

/** A promise and its resolve, to let a test decide when a run ends. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolvePromise!: () => void;
  const promise = new Promise<void>((r) => (resolvePromise = r));
  return { promise, resolve: resolvePromise };
}

/** How many listeners the stop signals have: the loop must leave them as it found them. */
function signalListeners(): number[] {
  return LOOP_STOP_SIGNALS.map((s) => process.listenerCount(s));
}

/** Counts runs in flight, and the most there ever were at once. */
function overlapMeter() {
  const meter = { inFlight: 0, most: 0, starts: [] as number[] };
  return {
    meter,
    enter(): void {
      meter.inFlight += 1;
      meter.most = Math.max(meter.most, meter.inFlight);
      meter.starts.push(Date.now());
    },
    leave(): void {
      meter.inFlight -= 1;
    },
  };
}

test('a run now, then one every second, never two at once; maxRuns ends it', async () => {
  const before = signalListeners();
  const log = new Lines();
  const { meter, enter, leave } = overlapMeter();
  const outcome = await runLoop({
    everyMs: 1000,
    maxRuns: 3,
    log: log.push,
    runOnce: async () => {
      enter();
      await new Promise<void>((r) => setImmediate(r));
      leave();
    },
  });
  expect(outcome).toEqual({ runs: 3, stoppedBy: 'max-runs' });
  expect(meter).toMatchObject({ inFlight: 0, most: 1 });
  expect(meter.starts).toHaveLength(3);
  // A whole interval between two starts (the scheduler counts whole seconds, so a first gap may be longer).
  for (let i = 1; i < meter.starts.length; i += 1) {
    expect(meter.starts[i]! - meter.starts[i - 1]!).toBeGreaterThanOrEqual(950);
  }
  expect(log.all.filter((l) => /^loop: run \d took /.test(l))).toHaveLength(3);
  expect(log.all.filter((l) => /next run at \d{4}-/.test(l))).toHaveLength(2);
  expect(signalListeners()).toEqual(before);
});

test('a run longer than the interval: the ticks during it are skipped and said so, never two runs at once', async () => {
  const log = new Lines();
  const { meter, enter, leave } = overlapMeter();
  let calls = 0;
  const outcome = await runLoop({
    everyMs: 1000,
    maxRuns: 2,
    log: log.push,
    runOnce: async () => {
      enter();
      calls += 1;
      // The first run lasts until the loop has seen a tick come while it was still going.
      if (calls === 1) await log.waitFor(/^loop: run 1 is still going at the next tick/, 'a tick during run 1');
      leave();
    },
  });
  expect(outcome).toEqual({ runs: 2, stoppedBy: 'max-runs' });
  expect(meter).toMatchObject({ inFlight: 0, most: 1 });
  expect(log.all.find((l) => l.startsWith('loop: run 1 took '))).toMatch(
    /^loop: run 1 took \S+, longer than the interval \(\d+ ticks? skipped\); next run at /,
  );
});

test('stopped through its AbortSignal during a run: that run completes, no other starts, the loop resolves', async () => {
  const before = signalListeners();
  const log = new Lines();
  const controller = new AbortController();
  const started = deferred();
  const gate = deferred();
  const order: string[] = [];
  const loop = runLoop({
    everyMs: 1000,
    log: log.push,
    signal: controller.signal,
    runOnce: async () => {
      order.push('run started');
      started.resolve();
      await gate.promise;
      order.push('run finished');
    },
  }).then((outcome) => {
    order.push('loop resolved');
    return outcome;
  });

  await started.promise;
  controller.abort();
  await log.waitFor(/^loop: aborted: stopping after run 1 ends$/, 'the stop noticed');
  // The signal handlers are gone as soon as the stop is asked for; the run is still going.
  expect(signalListeners()).toEqual(before);
  expect(order).toEqual(['run started']);
  gate.resolve();
  expect(await loop).toEqual({ runs: 1, stoppedBy: 'signal' });
  expect(order).toEqual(['run started', 'run finished', 'loop resolved']);
});

test('stopped between runs: resolves at once, after the runs that completed', async () => {
  const controller = new AbortController();
  const log = new Lines();
  let calls = 0;
  const loop = runLoop({
    everyMs: 1000,
    log: log.push,
    signal: controller.signal,
    runOnce: async () => {
      calls += 1;
    },
  });
  await log.waitFor(/^loop: run 1 took /, 'run 1 ended');
  controller.abort();
  expect(await loop).toEqual({ runs: 1, stoppedBy: 'signal' });
  expect(calls).toBe(1);
  expect(log.all.at(-1)).toBe('loop: aborted: stopping (no run in flight)');
});

test('a runOnce that throws (or rejects) is logged, and the loop goes on', async () => {
  const log = new Lines();
  let calls = 0;
  const outcome = await runLoop({
    everyMs: 1000,
    maxRuns: 3,
    log: log.push,
    runOnce: () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      if (calls === 2) return Promise.reject(new TypeError('bang'));
      return Promise.resolve();
    },
  });
  expect(outcome).toEqual({ runs: 3, stoppedBy: 'max-runs' });
  expect(log.all.filter((l) => l.includes(' failed: '))).toEqual([
    expect.stringMatching(/^loop: run 1 failed: Error: boom \| .*; the loop goes on$/),
    expect.stringMatching(/^loop: run 2 failed: TypeError: bang \| .*; the loop goes on$/),
  ]);
});

test('an AbortSignal already aborted: no run at all', async () => {
  let calls = 0;
  const log = new Lines();
  const outcome = await runLoop({
    everyMs: 1000,
    log: log.push,
    signal: AbortSignal.abort(),
    runOnce: async () => {
      calls += 1;
    },
  });
  expect(outcome).toEqual({ runs: 0, stoppedBy: 'signal' });
  expect(calls).toBe(0);
});

test('bad options are refused before anything runs', async () => {
  const runOnce = async () => undefined;
  await expect(runLoop({ everyMs: 0, runOnce, log: () => undefined })).rejects.toThrow(
    'loop: everyMs must be a positive number of milliseconds, got 0',
  );
  await expect(runLoop({ everyMs: 1000, maxRuns: 0, runOnce, log: () => undefined })).rejects.toThrow(
    'loop: maxRuns must be a whole number of at least 1, got 0',
  );
});

test('SIGTERM during a run, in a process of its own: the run finishes, a line says so, exit 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new Lines();
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) out.push(line);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) =>
    child.on('exit', (code, signal) => resolvePromise({ code, signal })),
  );
  try {
    await out.waitFor(/^child: run 1 started$/, 'the child started its first run');
    child.kill('SIGTERM');
    await out.waitFor(/^loop: SIGTERM: stopping after run 1 ends/, 'the child noticed SIGTERM');
    child.stdin.write('finish\n');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the child did not exit within ${WAIT_MS} ms:\n${out.all.join('\n')}`)),
          WAIT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    expect({ ...ended, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    // A tick may have come while run 1 was going; those lines aside, the whole story in order.
    const story = out.all.filter((l) => !/still going/.test(l)).map((l) => l.replace(/ took .*/, ' took …'));
    expect(story).toEqual([
      'child: run 1 started',
      'loop: SIGTERM: stopping after run 1 ends (a second signal ends the process now)',
      'child: run 1 finished',
      'loop: run 1 took …',
      'child: loop ended {"runs":1,"stoppedBy":"signal"}',
    ]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

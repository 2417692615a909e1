// A loop in a process of its own, for loop.spec.ts: every run waits for a `finish` line on stdin, so the test
// decides when a run ends. It prints what happens; it never calls process.exit, so it exits 0 only when
// nothing (no timer of the scheduler, no signal handler) is left once runLoop has resolved.

import { createInterface } from 'node:readline';
import { runLoop } from '../../src/ops/loop';

const input = createInterface({ input: process.stdin });
let finishRun: (() => void) | null = null;
input.on('line', (line) => {
  if (line.trim() === 'finish' && finishRun) {
    finishRun();
    finishRun = null;
  }
});

let started = 0;
void runLoop({
  everyMs: 1000,
  log: (line) => console.log(line),
  runOnce: async () => {
    const n = ++started;
    console.log(`child: run ${n} started`);
    await new Promise<void>((resolve) => (finishRun = resolve));
    console.log(`child: run ${n} finished`);
  },
}).then((outcome) => {
  console.log(`child: loop ended ${JSON.stringify(outcome)}`);
  input.close();
  process.stdin.destroy();
});

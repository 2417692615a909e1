// One monotonic clock per probe run: every timestamp in the evidence is ms since the run started, so that
// wall-clock jumps (NTP, suspend) can never reorder or stretch events.

import { performance } from 'node:perf_hooks';

export class Clock {
  private readonly origin = performance.now();
  /** Wall-clock time of the origin, for reports only. */
  readonly startedAt = new Date();

  now(): number {
    return Math.round((performance.now() - this.origin) * 10) / 10;
  }
}

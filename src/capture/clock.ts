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

  /**
   * A wall-clock time (epoch ms, e.g. when the browser received a frame) on this clock, never later than
   * now: a browser's clock that runs ahead must not put an event in the future.
   */
  fromWallMs(wallMs: number): number {
    return Math.min(this.now(), Math.round((wallMs - this.startedAt.getTime()) * 10) / 10);
  }
}

// The one way the probe waits on the page's traffic: re-check a condition on every new frame or socket
// change (and every `recheckMs`, for conditions that also depend on time), bounded by a timeout. It resolves
// false on timeout instead of throwing, because for the probe a wait that ran out is evidence for the judge,
// not a crash. A condition that throws is the probe's own bug: the wait rejects with it rather than hiding it.

import type { Recorder } from './recorder';

export function waitForTraffic(recorder: Recorder, condition: () => boolean, timeoutMs: number, recheckMs?: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const check = () => {
      try {
        if (condition()) finish(() => resolve(true));
      } catch (err) {
        finish(() => reject(err));
      }
    };
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      clearInterval(ticker);
      unsubscribe();
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
    const ticker = recheckMs === undefined ? undefined : setInterval(check, recheckMs);
    const unsubscribe = recorder.onChange(check);
    check();
  });
}

// The one way the probe waits on the page's traffic: re-check a condition on every new frame or socket
// change, bounded by a timeout. It resolves false on timeout instead of throwing, because for the probe a
// wait that ran out is evidence for the judge, not a crash. A condition that throws is the probe's own
// bug: the wait rejects with it rather than hiding it.

import type { Recorder } from './recorder';

export function waitForTraffic(recorder: Recorder, condition: () => boolean, timeoutMs: number): Promise<boolean> {
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
      unsubscribe();
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
    const unsubscribe = recorder.onChange(check);
    check();
  });
}

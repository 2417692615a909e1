// The alert window as people write it (`PROBE_ALERT_WINDOW=3/15m`): X failed runs within a duration.
// Read with the rest of the configuration, so it lives here; ops/alerts applies it.
import { parseDuration } from './duration';

export const WINDOW_FORM = 'X failures within a duration, written X/duration like 3/15m, 5/1h, 10/30m';

/** `3/15m` -> 3 failures within 15 minutes. Throws naming the text. */
export function parseAlertWindow(text: string): { failures: number; withinMs: number } {
  const fail = (why: string): never => {
    throw new Error(`invalid alert window ${JSON.stringify(text)}: ${why}; use ${WINDOW_FORM}`);
  };
  if (typeof text !== 'string') return fail('not a string');
  const parts = text.trim().split('/');
  if (parts.length !== 2) return fail('expected one "/"');
  const [count = '', duration = ''] = parts.map((p) => p.trim());
  if (!/^\d+$/.test(count) || Number(count) < 1)
    return fail(`"${count}" is not a whole number of failures of at least 1`);
  let withinMs = 0;
  try {
    withinMs = parseDuration(duration);
  } catch {
    return fail(`"${duration}" is not a duration (30s, 15m, 1h)`);
  }
  if (withinMs <= 0) return fail('the duration must be longer than 0');
  return { failures: Number(count), withinMs };
}

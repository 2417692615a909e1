// Failed requests to the target's hosts. A chat whose ticket request answered 500 never opens its socket,
// while a presence or notification socket of the same page chatters on: without this check such a run
// looks like a silent agent (a timeout), when the cause is one failed request (transport).
import { check } from './check';
import type { Run } from '../attribution';
import type { Check, HttpFailureRecord } from '../types';

const EXPECTED = "no failed request to the target's hosts kept the run from starting";
const MAX_LISTED = 5;

export function requestsCheck(failures: HttpFailureRecord[], run: Run): Check {
  if (failures.length === 0) return check('requests', 'pass', 'transport', EXPECTED, 'no failed request');
  const seen = describeFailures(failures);
  // A run that started anyway was not stopped by them: a warning (see requestWarnings), not the verdict.
  if (run.anchor !== null) return check('requests', 'pass', 'transport', EXPECTED, `the run started; failed: ${seen}`);
  return check('requests', 'fail', 'transport', EXPECTED, `no run started, and ${seen}`, 'requests');
}

export function requestWarnings(failures: HttpFailureRecord[], run: Run): string[] {
  return run.anchor === null || failures.length === 0 ? [] : [`failed requests to the target: ${describeFailures(failures)}`];
}

/** `POST /api/websocket/ticket answered 500 (http://127.0.0.1:4000)`, the first few, and how many more. */
export function describeFailures(failures: HttpFailureRecord[]): string {
  const listed = failures.slice(0, MAX_LISTED).map(describeFailure);
  const more = failures.length > MAX_LISTED ? ` (+${failures.length - MAX_LISTED} more)` : '';
  return `${listed.join('; ')}${more}`;
}

function describeFailure(f: HttpFailureRecord): string {
  let path = f.url;
  let origin = '';
  try {
    const url = new URL(f.url);
    path = url.pathname;
    origin = ` (${url.origin})`;
  } catch {
    // Not a URL after redaction: shown as recorded.
  }
  const outcome = f.status !== undefined ? `answered ${f.status}` : `failed: ${f.error ?? 'no answer'}`;
  return `${f.method} ${path} ${outcome}${origin}`;
}

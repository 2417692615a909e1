// The verdict of a run of several sessions: one check per session (its own verdict, judged by the contract
// on its own evidence) and the cross-talk check between them, summarized as the judge summarizes one run's
// checks, so that the worst session's class (by the judge's class priority) or cross-talk's `isolation`
// decides. A session the probe could not judge makes the run `error`, never `pass`.
import { crossTalkCheck, type SessionTrace } from './checks/cross-talk';
import { check } from './checks/check';
import { decidingFailure, summarize } from './judge';
import type { Check, EventTiming, Verdict } from './types';

export interface Combined {
  verdict: Verdict;
  /** The session whose evidence explains the verdict (its deciding check's, or cross-talk's first receiver); null when it passed. */
  decidingSession: number | null;
}

export function combineSessions(verdicts: readonly Verdict[], traces: readonly SessionTrace[]): Combined {
  const crossTalk = crossTalkCheck(traces);
  const sessionChecks = verdicts.map((v, i) => sessionCheck(v, i + 1, verdicts.length));
  // Cross-talk first: of one class (isolation), the check that names both sessions decides.
  const checks = [crossTalk.check, ...sessionChecks];
  const summary = summarize(checks);
  const top = decidingFailure(checks);
  const bySession = top === undefined ? -1 : sessionChecks.indexOf(top);
  const deciding = bySession >= 0 ? bySession + 1 : top === crossTalk.check ? (crossTalk.receivers[0] ?? null) : null;
  // A session the probe could not judge: the run could not be judged either.
  const status = bySession >= 0 && verdicts[bySession]!.status === 'error' ? 'error' : summary.status;
  const verdict: Verdict = {
    ...summary,
    status,
    message: messageOf(summary.message, summary.status, verdicts, bySession + 1),
    checks,
    events: slowestEvents(verdicts),
    runId: null,
    threadId: null,
    answer: { frames: null, page: null },
    timings: {
      firstEventMs: slowest(verdicts.map((v) => v.timings.firstEventMs)),
      completeMs: slowest(verdicts.map((v) => v.timings.completeMs)),
      answerVisibleMs: slowest(verdicts.map((v) => v.timings.answerVisibleMs ?? null)),
    },
    warnings: verdicts.flatMap((v, i) => v.warnings.map((w) => `session ${i + 1}: ${w}`)),
    retries: verdicts.flatMap((v, i) => v.retries.map((r) => ({ ...r, message: `session ${i + 1}: ${r.message}` }))),
  };
  return { verdict, decidingSession: deciding };
}

/** One line that names every session involved: the deciding one first, then the others that did not pass. */
function messageOf(decided: string, status: Verdict['status'], verdicts: readonly Verdict[], decidingCheckOf: number): string {
  if (status === 'pass') return `all ${verdicts.length} sessions passed; no cross-talk`;
  const others = verdicts
    .map((v, i) => ({ v, session: i + 1 }))
    .filter(({ v, session }) => v.status !== 'pass' && session !== decidingCheckOf)
    .map(({ v, session }) => `session ${session} (${v.status}${v.class ? `, ${v.class}` : ''})`);
  return others.length === 0 ? decided : `${decided}; also not passing: ${others.join(', ')}`;
}

function sessionCheck(v: Verdict, session: number, of: number): Check {
  const status = v.status === 'pass' ? 'pass' : v.status === 'degraded' ? 'warn' : 'fail';
  return check(`session-${session}`, status, v.class ?? 'probe', `session ${session} of ${of} passes the golden path`, `${v.status}: ${v.message}`);
}

/** Per event type, the slowest session's first time (a user waited that long) and the count over all. */
function slowestEvents(verdicts: readonly Verdict[]): EventTiming[] {
  const types = [...new Set(verdicts.flatMap((v) => v.events.map((e) => e.type)))];
  return types.map((type) => {
    const of = verdicts.map((v) => v.events.find((e) => e.type === type));
    return { type, firstSeenMs: slowest(of.map((e) => e?.firstSeenMs ?? null)), count: of.reduce((n, e) => n + (e?.count ?? 0), 0) };
  });
}

/** The largest time; null when any session never saw it (a user who never got it waited forever). */
function slowest(times: ReadonlyArray<number | null>): number | null {
  return times.some((t) => t === null) ? null : Math.max(...(times as number[]));
}

// The verdict of a run made of parts, each judged by the contract on its own evidence: the sessions of a run
// (PROBE_USERS), the turns of a conversation (PROBE_TURNS). One check per part (its own verdict) and the
// checks across parts (cross-talk between sessions; follow-ups, turn runs and the reload between turns) are
// summarized as the judge summarizes one run's checks, so that the worst part's class (by the judge's class
// priority) or a check across them decides. A part the probe could not judge makes the whole `error`.
import { check } from './checks/check';
import { crossTalkCheck, type SessionTrace } from './checks/cross-talk';
import { decidingCheck, decidingFailure, summarize } from './judge';
import type { Check, EventTiming, Verdict } from './types';

export interface Combined {
  verdict: Verdict;
  /** The part whose evidence explains the verdict (1-based: its deciding check's, or the across check's); null when it passed. */
  deciding: number | null;
}

/** A check across the parts, and the part it puts the failure on (cross-talk's first receiver, the later turn). */
export interface AcrossCheck {
  check: Check;
  part: number | null;
}

/** `session` or `turn`: how messages name the parts. */
export type PartKind = 'session' | 'turn';

export function combine(verdicts: readonly Verdict[], across: readonly AcrossCheck[], kind: PartKind): Combined {
  const partChecks = verdicts.map((v, i) => partCheck(v, kind, i + 1, verdicts.length));
  // The across checks first: of one class, the check that names two parts decides.
  const checks = [...across.map((a) => a.check), ...partChecks];
  const summary = summarize(checks);
  const top = decidingFailure(checks);
  const byPart = top === undefined ? -1 : partChecks.indexOf(top);
  const deciding = byPart >= 0 ? byPart + 1 : (across.find((a) => a.check === top)?.part ?? null);
  // A part the probe could not judge: the whole could not be judged either.
  const status = byPart >= 0 && verdicts[byPart]!.status === 'error' ? 'error' : summary.status;
  const verdict: Verdict = {
    ...summary,
    status,
    message: messageOf(summary.message, summary.status, verdicts, byPart + 1, kind),
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
    warnings: verdicts.flatMap((v, i) => v.warnings.map((w) => `${kind} ${i + 1}: ${w}`)),
    retries: verdicts.flatMap((v, i) => v.retries.map((r) => ({ ...r, message: `${kind} ${i + 1}: ${r.message}` }))),
  };
  return { verdict, deciding };
}

/** Several sessions at once: each on its own, and cross-talk between them. */
export function combineSessions(verdicts: readonly Verdict[], traces: readonly SessionTrace[]): Combined {
  const crossTalk = crossTalkCheck(traces);
  return combine(verdicts, [{ check: crossTalk.check, part: crossTalk.receivers[0] ?? null }], 'session');
}

/**
 * One verdict with checks added (a one-turn conversation's reload check): the same verdict, summarized again,
 * so that a conversation of one turn reads as that turn did.
 */
export function withChecks(verdict: Verdict, extra: readonly Check[]): Verdict {
  if (extra.length === 0) return verdict;
  const checks = [...verdict.checks, ...extra];
  const summary = summarize(checks);
  // The judge's own `error` (the probe lost sight, its bug) stays: checks added after cannot make it a verdict.
  return verdict.status === 'error' ? { ...verdict, checks } : { ...verdict, ...summary, checks };
}

/** One line that names every part involved: the deciding one first, then the others that did not pass. */
function messageOf(decided: string, status: Verdict['status'], verdicts: readonly Verdict[], decidingPart: number, kind: PartKind): string {
  if (status === 'pass') return `all ${verdicts.length} ${kind}s passed; ${kind === 'session' ? 'no cross-talk' : 'in one thread, each its own run'}`;
  const others = verdicts
    .map((v, i) => ({ v, part: i + 1 }))
    .filter(({ v, part }) => v.status !== 'pass' && part !== decidingPart)
    .map(({ v, part }) => `${kind} ${part} (${v.status}${v.class ? `, ${v.class}` : ''})`);
  return others.length === 0 ? decided : `${decided}; also not passing: ${others.join(', ')}`;
}

/**
 * A part's verdict as one check. A part that did not pass carries its own deciding check (its name, expected,
 * seen, evidence), so that the run's failure names the part and the check: `turn-2: expected answer-agrees: ...`.
 */
function partCheck(v: Verdict, kind: PartKind, part: number, of: number): Check {
  const status = v.status === 'pass' ? 'pass' : v.status === 'degraded' ? 'warn' : 'fail';
  const decided = v.status === 'pass' ? undefined : decidingCheck(v);
  if (decided === undefined) return check(`${kind}-${part}`, status, v.class ?? 'probe', `${kind} ${part} of ${of} passes the golden path`, `${v.status}: ${v.message}`);
  return check(`${kind}-${part}`, status, v.class ?? decided.class, `${decided.name}: ${decided.expected}`, decided.seen, decided.evidence);
}

/** Per event type, the slowest part's first time (a user waited that long) and the count over all. */
function slowestEvents(verdicts: readonly Verdict[]): EventTiming[] {
  const types = [...new Set(verdicts.flatMap((v) => v.events.map((e) => e.type)))];
  return types.map((type) => {
    const of = verdicts.map((v) => v.events.find((e) => e.type === type));
    return { type, firstSeenMs: slowest(of.map((e) => e?.firstSeenMs ?? null)), count: of.reduce((n, e) => n + (e?.count ?? 0), 0) };
  });
}

/** The largest time; null when any part never saw it (a user who never got it waited forever). */
function slowest(times: ReadonlyArray<number | null>): number | null {
  return times.some((t) => t === null) ? null : Math.max(...(times as number[]));
}

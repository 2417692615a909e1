// The one-screen console summary the CLI prints after a run: the verdict, the checks that did not pass
// (expected vs seen), each required event with its time, and, on a failure, the end of the timeline.

import { BUILT_IN_JOURNEY, journeyLabel, journeyOf } from '../config/journey';
import { decidingCheck } from '../contract/judge';
import type { Verdict } from '../contract/types';
import type { RunResult, SessionEntry, TurnEntry } from './result';
import { targetLine } from './target-name';

const TIMELINE_ROWS_ON_FAILURE = 20;

/** `files`: what the run's folder holds besides summary.md (writtenFiles), so that the console names no file that was never written. */
export function renderConsole(r: RunResult, runDir: string, files: string[]): string {
  const v = r.verdict;
  const out: string[] = [targetLine(r.target)];
  // Several sessions, several turns: a line each, then the decision.
  for (const x of r.sessions ?? []) out.push(sessionLine(x));
  for (const t of r.turns ?? []) out.push(turnLine(t));
  out.push(...verdictLines(v, journeyOf(r)));
  // A run that never sent has no event to list: five "never" lines would only hide why it stopped.
  const parts = r.sessions ? 'session' : r.turns ? 'turn' : undefined;
  if (r.sentAt === null) out.push('  events: none: the probe never sent its message (the failure above says why)');
  else out.push(`  events (ms after send${parts ? `; the slowest ${parts}'s, counted over all` : ''}):`);
  if (r.sentAt !== null) for (const e of v.events) out.push(`    ${e.type.padEnd(18)} ${e.firstSeenMs === null ? 'never' : `${e.firstSeenMs} ms`}${e.count > 1 ? ` (×${e.count})` : ''}`);
  // Sub-agents complete too: the run's own end is the final agent_completed, the one the budget is about.
  if (v.timings.completeMs !== null) out.push(`    ${'final completed'.padEnd(18)} ${v.timings.completeMs} ms`);
  // The wait a person feels: until the run's final answer was visible in the page.
  if (v.timings.answerVisibleMs != null) out.push(`    ${'answer visible'.padEnd(18)} ${v.timings.answerVisibleMs} ms`);
  // The backend's side of the run: its trace (each session's with several).
  if (r.traceId !== undefined) out.push(`  trace: ${r.traceUrl ?? r.traceId}${r.sessions ? ` (session ${r.decidingSession}'s)` : ''}`);
  for (const w of v.warnings) out.push(`  warning: ${w}`);
  if (v.status === 'fail' || v.status === 'error') {
    if (r.decidingSession !== undefined) out.push(`  the timeline below is session ${r.decidingSession}'s (frames-${r.decidingSession}.ndjson)`);
    const rows = r.timeline.slice(-TIMELINE_ROWS_ON_FAILURE);
    if (rows.length) {
      out.push(`  timeline (last ${rows.length} of ${r.timeline.length}; ms since send, dir, socket, type, payload):`);
      for (const t of rows) out.push(`    ${String(t.ms).padStart(7)} ${t.dir.padEnd(5)} #${t.socket} ${t.type.padEnd(24)} ${t.payload.slice(0, 60)}`);
    }
  }
  out.push(`  report: ${runDir}/summary.md${files.length > 0 ? `  (${files.join(', ')})` : ''}`);
  return out.join('\n');
}

/**
 * The verdict, the check that decided it in full (expected vs seen), and the ones that failed as its consequence
 * by name: the console's heart, and the error of the Playwright test of a run that did not pass.
 */
export function verdictLines(v: Verdict, journey: string = BUILT_IN_JOURNEY): string[] {
  const out = [`${journeyLabel(journey)}: ${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}`];
  const notPassed = v.checks.filter((c) => c.status !== 'pass');
  const primary = decidingCheck(v);
  if (primary) {
    out.push(`  ${primary.status === 'fail' ? '✗' : '!'} ${primary.name} (${primary.class})`);
    out.push(`      expected: ${primary.expected}`);
    out.push(`      seen:     ${primary.seen}${primary.evidence ? `  [${primary.evidence}]` : ''}`);
  }
  const others = notPassed.filter((c) => c !== primary);
  if (others.length) out.push(`  also ${others.map((c) => `${c.status === 'fail' ? '✗' : '!'} ${c.name}`).join(', ')} (details in summary.md)`);
  return out;
}

/** `turn 2: PASS  all 17 checks passed; final 1503 ms, answer visible 1560 ms`. */
export function turnLine(t: TurnEntry): string {
  return `turn ${t.turn}: ${outcome(t.verdict)}`;
}

/** `PASS  all 17 checks passed; final 1503 ms, answer visible 1560 ms`: a part's verdict and its times. */
function outcome(v: Verdict): string {
  const final = v.timings.completeMs === null ? 'no final' : `final ${v.timings.completeMs} ms`;
  const answer = v.timings.answerVisibleMs == null ? '' : `, answer visible ${v.timings.answerVisibleMs} ms`;
  return `${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}; ${final}${answer}`;
}

/** `session 2 (user u-2): FAIL [isolation] isolation: ...; final 1503 ms; trace 4bf9...`. */
export function sessionLine(x: SessionEntry): string {
  const trace = x.traceId === undefined ? '' : `; trace ${x.traceId}`;
  return `session ${x.session} (user ${x.userId ?? 'unknown'}): ${outcome(x.verdict)}${trace}`;
}

// The one-screen console summary the CLI prints after a run: the verdict, the checks that did not pass
// (expected vs seen), each required event with its time, and, on a failure, the end of the timeline.

import type { Verdict } from '../contract/types';
import type { RunResult, SessionEntry } from './result';
import { targetLine } from './target-name';

const TIMELINE_ROWS_ON_FAILURE = 20;

/** `files`: what the run's folder holds besides summary.md (writtenFiles), so that the console names no file that was never written. */
export function renderConsole(r: RunResult, runDir: string, files: string[]): string {
  const v = r.verdict;
  const out: string[] = [targetLine(r.target)];
  // Several sessions: a line each, then the decision.
  for (const x of r.sessions ?? []) out.push(sessionLine(x));
  out.push(...verdictLines(v));
  // A run that never sent has no event to list: five "never" lines would only hide why it stopped.
  if (r.sentAt === null) out.push('  events: none: the probe never sent its message (the failure above says why)');
  else out.push('  events (ms after send):');
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
export function verdictLines(v: Verdict): string[] {
  const out = [`golden path: ${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}`];
  const notPassed = v.checks.filter((c) => c.status !== 'pass');
  const primary = notPassed.find((c) => c.status === 'fail' && c.class === v.class) ?? notPassed[0];
  if (primary) {
    out.push(`  ${primary.status === 'fail' ? '✗' : '!'} ${primary.name} (${primary.class})`);
    out.push(`      expected: ${primary.expected}`);
    out.push(`      seen:     ${primary.seen}${primary.evidence ? `  [${primary.evidence}]` : ''}`);
  }
  const others = notPassed.filter((c) => c !== primary);
  if (others.length) out.push(`  also ${others.map((c) => `${c.status === 'fail' ? '✗' : '!'} ${c.name}`).join(', ')} (details in summary.md)`);
  return out;
}

/** `session 2 (user u-2): FAIL [isolation] isolation: ...; final 1503 ms`. */
export function sessionLine(x: SessionEntry): string {
  const v = x.verdict;
  const final = v.timings.completeMs === null ? 'no final' : `final ${v.timings.completeMs} ms`;
  const answer = v.timings.answerVisibleMs == null ? '' : `, answer visible ${v.timings.answerVisibleMs} ms`;
  const trace = x.traceId === undefined ? '' : `; trace ${x.traceId}`;
  return `session ${x.session} (user ${x.userId ?? 'unknown'}): ${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}; ${final}${answer}${trace}`;
}

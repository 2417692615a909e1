// The one-screen console summary the CLI prints after a run: the verdict, the checks that did not pass
// (expected vs seen), each required event with its time, and, on a failure, the end of the timeline.

import type { RunResult, SessionEntry } from './result';

const TIMELINE_ROWS_ON_FAILURE = 20;

export function renderConsole(r: RunResult, runDir: string): string {
  const v = r.verdict;
  const out: string[] = [];
  // Several sessions: a line each, then the decision.
  for (const x of r.sessions ?? []) out.push(sessionLine(x));
  out.push(`golden path: ${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}`);
  // The check that decided the verdict in full; the ones that failed as its consequence by name only.
  const notPassed = v.checks.filter((c) => c.status !== 'pass');
  const primary = notPassed.find((c) => c.status === 'fail' && c.class === v.class) ?? notPassed[0];
  if (primary) {
    out.push(`  ${primary.status === 'fail' ? '✗' : '!'} ${primary.name} (${primary.class})`);
    out.push(`      expected: ${primary.expected}`);
    out.push(`      seen:     ${primary.seen}${primary.evidence ? `  [${primary.evidence}]` : ''}`);
  }
  const others = notPassed.filter((c) => c !== primary);
  if (others.length) out.push(`  also ${others.map((c) => `${c.status === 'fail' ? '✗' : '!'} ${c.name}`).join(', ')} (details in summary.md)`);
  out.push('  events (ms after send):');
  for (const e of v.events) out.push(`    ${e.type.padEnd(18)} ${e.firstSeenMs === null ? 'never' : `${e.firstSeenMs} ms`}${e.count > 1 ? ` (×${e.count})` : ''}`);
  // Sub-agents complete too: the run's own end is the final agent_completed, the one the budget is about.
  if (v.timings.completeMs !== null) out.push(`    ${'final completed'.padEnd(18)} ${v.timings.completeMs} ms`);
  // The wait a person feels: until the run's final answer was visible in the page.
  if (v.timings.answerVisibleMs != null) out.push(`    ${'answer visible'.padEnd(18)} ${v.timings.answerVisibleMs} ms`);
  for (const w of v.warnings) out.push(`  warning: ${w}`);
  if (v.status === 'fail' || v.status === 'error') {
    if (r.decidingSession !== undefined) out.push(`  the timeline below is session ${r.decidingSession}'s (frames-${r.decidingSession}.ndjson)`);
    const rows = r.timeline.slice(-TIMELINE_ROWS_ON_FAILURE);
    if (rows.length) {
      out.push(`  timeline (last ${rows.length} of ${r.timeline.length}; ms since send, dir, socket, type, payload):`);
      for (const t of rows) out.push(`    ${String(t.ms).padStart(7)} ${t.dir.padEnd(5)} #${t.socket} ${t.type.padEnd(24)} ${t.payload.slice(0, 60)}`);
    }
  }
  const frames = r.sessions ? `frames-1..${r.sessions.length}.ndjson` : 'frames.ndjson';
  out.push(`  report: ${runDir}/summary.md  (result.json, ${frames}, html/index.html, junit.xml, allure-results/)`);
  return out.join('\n');
}

/** `session 2 (user u-2): FAIL [isolation] isolation: ...; final 1503 ms`. */
export function sessionLine(x: SessionEntry): string {
  const v = x.verdict;
  const final = v.timings.completeMs === null ? 'no final' : `final ${v.timings.completeMs} ms`;
  const answer = v.timings.answerVisibleMs == null ? '' : `, answer visible ${v.timings.answerVisibleMs} ms`;
  return `session ${x.session} (user ${x.userId ?? 'unknown'}): ${v.status.toUpperCase()}${v.class ? ` [${v.class}]` : ''}  ${v.message}; ${final}${answer}`;
}

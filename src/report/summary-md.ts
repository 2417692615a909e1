// summary.md: what a reviewer reads first. A pure render of the run's result.

import { defaultContract, requiredEvents } from '../contract/contract';
import type { RunResult } from './result';

export function renderSummary(r: RunResult): string {
  const v = r.verdict;
  const lines: string[] = [
    `# Golden path: ${v.status.toUpperCase()}${v.class ? ` (${v.class})` : ''}`,
    '',
    v.message,
    '',
    `- Target: ${r.target.appUrl}${r.target.embedded ? ' (embedded reference staging)' : ''}, login \`${r.target.login}\``,
    `- Started: ${r.startedAt}, took ${Math.round(r.durationMs)} ms`,
    `- Run: ${v.runId ?? 'not attributed'}, thread ${v.threadId ?? 'unknown'}, user ${r.userId ?? 'unknown'}`,
    `- Message: ${escapeCell(r.message)}`,
    `- Answer in frames: ${v.answer.frames === null ? '(none)' : escapeCell(v.answer.frames)}`,
    `- Answer in page: ${v.answer.page === null ? '(none)' : escapeCell(v.answer.page)}${v.answer.matched ? ` (visible: ${v.answer.matched})` : ' (no answer of the run visible)'}`,
    '',
    '## Checks',
    '',
    '| check | status | class | expected | seen |',
    '| --- | --- | --- | --- | --- |',
    ...v.checks.map((c) => `| ${c.name} | ${c.status} | ${c.class} | ${escapeCell(c.expected)} | ${escapeCell(c.seen)} |`),
    '',
    '## Events',
    '',
    `Required, in this order of first appearance: ${requiredEvents(defaultContract).join(' → ')}.`,
    '',
    '| event | first seen (ms after send) | count |',
    '| --- | --- | --- |',
    ...v.events.map((e) => `| ${e.type} | ${e.firstSeenMs ?? 'never'} | ${e.count} |`),
    `| final agent_completed (the run's end) | ${v.timings.completeMs ?? 'never'} | |`,
    '',
    '## Steps',
    '',
    '| step | status | ms | error |',
    '| --- | --- | --- | --- |',
    ...r.steps.map((s) => `| ${s.name} | ${s.status} | ${Math.round(s.durationMs)} | ${escapeCell(s.error ?? '')} |`),
    ...r.waits.map((w) => `| wait: ${w.name} | ${w.met ? 'met' : `not met within ${w.timeoutMs} ms`} | ${Math.round(w.tookMs)} | |`),
  ];
  if (v.warnings.length) lines.push('', '## Warnings', '', ...v.warnings.map((w) => `- ${escapeCell(w)}`));
  lines.push(
    '',
    '## Timeline',
    '',
    'ms since the send; `in` = received by the browser, `out` = sent by it.',
    '',
    '| ms | dir | socket | type | payload |',
    '| --- | --- | --- | --- | --- |',
    ...r.timeline.map((t) => `| ${t.ms} | ${t.dir} | ${t.socket} | ${escapeCell(t.type)} | ${escapeCell(t.payload)} |`),
    '',
    'Evidence: `frames.ndjson` (every frame), `result.json` (this run as data), `html/index.html` (Playwright report).',
    '',
  );
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

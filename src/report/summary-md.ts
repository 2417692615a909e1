// summary.md: what a reviewer reads first. A pure render of the run's result.

import { journeyLabel, journeyOf } from '../config/journey';
import { defaultContract, requiredEvents } from '../contract/contract';
import type { RunResult, StepRecord } from './result';
import { targetName } from './target-name';

const FRAMES_OF_ONE = '`frames.ndjson` (every frame)';
const FRAMES_OF_SESSIONS = '`frames-<n>.ndjson` (every frame of session n)';

export function renderSummary(r: RunResult): string {
  const v = r.verdict;
  const label = journeyLabel(journeyOf(r));
  const lines: string[] = [
    `# ${label[0]!.toUpperCase()}${label.slice(1)}: ${v.status.toUpperCase()}${v.class ? ` (${v.class})` : ''}`,
    '',
    v.message,
    '',
    `- Target: ${targetName(r.target)}, login \`${r.target.login}\``,
    `- Started: ${r.startedAt}, took ${Math.round(r.durationMs)} ms`,
    `- Run: ${v.runId ?? 'not attributed'}, thread ${v.threadId ?? 'unknown'}, user ${r.userId ?? 'unknown'}`,
    ...(r.traceId === undefined ? [] : [`- Trace: ${r.traceUrl ? `[${r.traceId}](${r.traceUrl})` : `\`${r.traceId}\``}${r.sessions ? ` (session ${r.decidingSession}'s; each session's in the table below)` : ''}`]),
    `- Message: ${escapeCell(r.message)}`,
    `- Answer in frames: ${v.answer.frames === null ? '(none)' : escapeCell(v.answer.frames)}`,
    `- Answer in page: ${v.answer.page === null ? '(none)' : escapeCell(v.answer.page)}${v.answer.matched ? ` (visible: ${v.answer.matched})` : ' (no answer of the run visible)'}`,
    '',
    ...sessionsTable(r),
    ...turnsTable(r),
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
    `| answer visible in the page (the wait a person feels) | ${v.timings.answerVisibleMs ?? 'never'} | |`,
    '',
    '## Steps',
    '',
    ...(r.decidingSession === undefined ? [] : [`Session ${r.decidingSession}'s (it decided the verdict; every session's are in result.json).`, '']),
    '| step | status | ms | error |',
    '| --- | --- | --- | --- |',
    ...r.steps.map((s) => `| ${s.name} | ${STEP_STATUS[s.status]} | ${Math.round(s.durationMs)} | ${escapeCell(s.error ?? (s.unmet ?? []).map((w) => `not met: ${w}`).join('; '))} |`),
    ...r.waits.map((w) => `| wait: ${w.name} | ${w.met ? '✓ met' : `⚠ not met within ${Math.round(w.timeoutMs)} ms`} | ${Math.round(w.tookMs)} | |`),
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
    `Evidence: ${r.sessions ? FRAMES_OF_SESSIONS : FRAMES_OF_ONE}, \`result.json\` (this run as data), \`html/index.html\` (Playwright report).`,
    '',
  );
  return lines.join('\n');
}

/** With several sessions: each one's verdict, user and times, side by side. */
function sessionsTable(r: RunResult): string[] {
  if (!r.sessions) return [];
  return [
    `## Sessions (${r.sessions.length} at once${r.sendSpreadMs === undefined ? '' : `, sends within ${r.sendSpreadMs} ms`})`,
    '',
    '| session | user | status | class | first event ms | final ms | answer visible ms | frames | trace | message |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.sessions.map((x) => {
      const v = x.verdict;
      return `| ${x.session} | ${x.userId ?? 'unknown'} | ${v.status} | ${v.class ?? ''} | ${v.timings.firstEventMs ?? 'never'} | ${v.timings.completeMs ?? 'never'} | ${v.timings.answerVisibleMs ?? 'never'} | ${x.frames} | ${x.traceId ?? ''} | ${escapeCell(v.message)} |`;
    }),
    '',
  ];
}

/** A conversation of several turns: each turn's verdict, run and times (of the deciding session, with several). */
function turnsTable(r: RunResult): string[] {
  if (!r.turns) return [];
  const whose = r.decidingSession === undefined ? '' : ` of session ${r.decidingSession}`;
  return [
    `## Turns${whose} (${r.turns.length} in one conversation; turn ${r.decidingTurn ?? r.turns.length} decided)`,
    '',
    '| turn | status | class | run | thread | sent (ms into the run) | first event ms | final ms | answer visible ms | message |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.turns.map((t) => {
      const v = t.verdict;
      const sent = t.sentAt === null ? 'never' : String(Math.round(t.sentAt));
      return `| ${t.turn} | ${v.status} | ${v.class ?? ''} | ${v.runId ?? 'none'} | ${v.threadId ?? 'unknown'} | ${sent} | ${v.timings.firstEventMs ?? 'never'} | ${v.timings.completeMs ?? 'never'} | ${v.timings.answerVisibleMs ?? 'never'} | ${escapeCell(v.message)} |`;
    }),
    '',
    `The timeline below is in ms since turn ${r.decidingTurn ?? r.turns.length}'s send; each turn's steps are named \`turn N: ...\`.`,
    '',
  ];
}

/** A step as the console marks it: passed, failed, or ended with a wait that ran out (neither). */
const STEP_STATUS: Record<StepRecord['status'], string> = { passed: '✓ passed', failed: '✗ failed', unmet: '⚠ a wait ran out' };

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

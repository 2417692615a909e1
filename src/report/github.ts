// GitHub Actions, where a gate's readers look: the job summary (Markdown appended to GITHUB_STEP_SUMMARY)
// and a workflow command (`::error` for a run that failed or could not judge, `::warning` for a degraded
// one) that GitHub shows as an annotation. Pure renders; the CLI appends and prints them. The result is
// already redacted; a workflow command is one line, escaped as GitHub's toolkit escapes it.

import { journeyLabel, journeyOf } from '../config/journey';
import { decidingCheck } from '../contract/judge';
import type { Check } from '../contract/types';
import type { RunResult } from './result';
import { targetName } from './target-name';

const MESSAGE_CHARS = 400;

/** A run of the gate, as `validate` knows it. */
export interface GateRunSummary {
  index: number;
  status: string;
  class: string | null;
  message: string;
  durationMs: number;
  result?: RunResult;
}

/** The Markdown of one run: verdict, the checks that did not pass (expected vs seen), event times, trace, sessions, turns. */
export function runSummary(r: RunResult, runDir: string): string {
  const v = r.verdict;
  const label = journeyLabel(journeyOf(r));
  const lines = [`### ${label[0]!.toUpperCase()}${label.slice(1)}: ${v.status.toUpperCase()}${v.class ? ` (${v.class})` : ''} on ${targetName(r.target)}`, '', cell(v.message), ''];
  lines.push(...traceLine(r), `- Report: \`${runDir}/summary.md\``, '');
  lines.push(...checksTable(v.checks));
  if (r.sentAt !== null) {
    lines.push('| event (ms after the send) | first seen | count |', '| --- | ---: | ---: |');
    for (const e of v.events) lines.push(`| ${e.type} | ${e.firstSeenMs ?? 'never'} | ${e.count} |`);
    lines.push(`| final agent_completed | ${v.timings.completeMs ?? 'never'} | |`, `| answer visible in the page | ${v.timings.answerVisibleMs ?? 'never'} | |`, '');
  }
  if (r.sessions) {
    lines.push('| session | user | status | class | final ms | answer visible ms | trace | message |', '| ---: | --- | --- | --- | ---: | ---: | --- | --- |');
    for (const x of r.sessions)
      lines.push(`| ${x.session} | ${x.userId ?? 'unknown'} | ${x.verdict.status} | ${x.verdict.class ?? ''} | ${x.verdict.timings.completeMs ?? 'never'} | ${x.verdict.timings.answerVisibleMs ?? 'never'} | ${traceCell(x)} | ${cell(x.verdict.message)} |`);
    lines.push('');
  }
  if (r.turns) {
    lines.push(`| turn${r.sessions ? ` (session ${r.decidingSession})` : ''} | status | class | run | final ms | answer visible ms | message |`, '| ---: | --- | --- | --- | ---: | ---: | --- |');
    for (const t of r.turns)
      lines.push(`| ${t.turn} | ${t.verdict.status} | ${t.verdict.class ?? ''} | ${t.verdict.runId ?? 'none'} | ${t.verdict.timings.completeMs ?? 'never'} | ${t.verdict.timings.answerVisibleMs ?? 'never'} | ${cell(t.verdict.message)} |`);
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

/** The gate's Markdown: its verdict, a row per run (with its trace), then the first failing run in full. */
export function gateSummary(message: string, ok: boolean, runs: GateRunSummary[]): string {
  const lines = [`## Pre-release gate: ${ok ? 'PASSED' : 'FAILED'}`, '', cell(message), ''];
  if (runs.length > 0) {
    lines.push('| run | status | class | took | trace | message |', '| ---: | --- | --- | ---: | --- | --- |');
    for (const g of runs) lines.push(`| ${g.index} | ${g.status} | ${(g.result ? g.result.verdict.class : g.class) ?? ''} | ${(g.durationMs / 1000).toFixed(1)} s | ${g.result ? traceCell(g.result) : ''} | ${cell(g.message)} |`);
    lines.push('');
  }
  const failed = runs.find((g) => g.status !== 'pass' && g.status !== 'degraded' && g.result);
  if (failed?.result) lines.push(`First run that did not pass: run ${failed.index}`, '', runSummary(failed.result, '(its run folder)'));
  return lines.join('\n') + '\n';
}

/**
 * `::error title=...::class: check: message` for a failed run (or one that could not judge), `::warning` for
 * a degraded one; nothing for a pass. One line.
 */
export function workflowCommand(r: RunResult): string | undefined {
  const v = r.verdict;
  if (v.status === 'pass') return undefined;
  const level = v.status === 'degraded' ? 'warning' : 'error';
  const check = decidingCheck(v);
  const title = `${journeyLabel(journeyOf(r))} ${v.status.toUpperCase()}${v.class ? ` (${v.class})` : ''} on ${targetName(r.target)}`;
  const trace = r.traceUrl ?? r.traceId;
  const text = [v.class, check?.name, v.message].filter(Boolean).join(': ') + (trace ? ` (trace ${trace})` : '');
  return `::${level} title=${escapeProperty(title)}::${escapeData(oneLine(text))}`;
}

/** The gate as one workflow command: `::error` when it failed. */
export function gateCommand(message: string, ok: boolean): string | undefined {
  return ok ? undefined : `::error title=${escapeProperty('pre-release gate FAILED')}::${escapeData(oneLine(message))}`;
}

function checksTable(checks: Check[]): string[] {
  const notPassed = checks.filter((c) => c.status !== 'pass');
  if (notPassed.length === 0) return [];
  return ['| check that did not pass | status | class | expected | seen |', '| --- | --- | --- | --- | --- |', ...notPassed.map((c) => `| ${c.name} | ${c.status} | ${c.class} | ${cell(c.expected)} | ${cell(c.seen)} |`), ''];
}

function traceLine(r: { traceId?: string; traceUrl?: string }): string[] {
  return r.traceId === undefined ? [] : [`- Trace: ${traceCell(r)}`];
}

function traceCell(r: { traceId?: string; traceUrl?: string }): string {
  if (r.traceId === undefined) return '';
  return r.traceUrl ? `[${r.traceId}](${r.traceUrl})` : `\`${r.traceId}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS - 1)}…` : line;
}

/** As @actions/core escapes a command's message. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** As @actions/core escapes a command's property value. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

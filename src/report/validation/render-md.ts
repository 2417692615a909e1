// report.md: the twin of report.html for a pull request, a ticket or a terminal. The same sections and
// tables; the timeline picture is the separate file `timeline.svg` next to it. Pure.

import type { BeforeAfterRow, LocationFigures, ReportModel, RunRow, WindowStats } from './model';
import { decidingCheck } from './model';
import { delta, directionWord, headline, hrefOf, METHOD, metricValue, ms, pct, time, verdictSentence } from './format';

export const TIMELINE_SVG_FILE = 'timeline.svg';

export function renderMarkdown(model: ReportModel): string {
  const a = model.after;
  const lines: string[] = [
    `# ${cell(model.title)}: ${a.verdict}`,
    '',
    `**${a.verdict}**: ${cell(headline(a))} ${cell(verdictSentence(a))}`,
    '',
  ];
  if (a.total) lines.push(`- Runs: from ${time(a.from)} to ${time(a.to)}`);
  if (model.targets.length)
    lines.push(`- Target: ${model.targets.map((t) => `\`${t.replace(/`/g, "'")}\``).join(', ')}`);
  if (model.journeys.length) lines.push(`- Journey: ${model.journeys.map((j) => `\`${j}\``).join(', ')}`);
  if (model.before)
    lines.push(
      `- Baseline: ${model.before.verdict}, ${model.before.total} runs from ${time(model.before.from)} to ${time(model.before.to)}`,
    );
  lines.push(`- Generated: ${time(model.generatedAt)}`);

  if (model.before && model.beforeAfter) {
    lines.push('', '## Before vs after', '', '| metric | before | after | change |', '| --- | ---: | ---: | ---: |');
    lines.push(
      ...model.beforeAfter.map(
        (r) => `| ${cell(r.metric)} | ${metricValue(r, r.before)} | ${metricValue(r, r.after)} | ${change(r)} |`,
      ),
    );
  }

  if (model.locations.length) {
    const withBefore = model.locations.some((l) => l.before !== null);
    const figures = (f: LocationFigures | null) => (f === null ? '- | - | -' : `${f.runs} | ${pct(f.successRate)} | ${ms(f.completeP50)}`);
    lines.push('', '## Locations', '', `| location | runs | success | final p50 |${withBefore ? ' runs before | success before | final p50 before |' : ''}`);
    lines.push(`| --- | ---: | ---: | ---: |${withBefore ? ' ---: | ---: | ---: |' : ''}`);
    for (const l of model.locations) lines.push(`| ${cell(l.location)} | ${figures(l.after)} |${withBefore ? ` ${figures(l.before)} |` : ''}`);
  }

  lines.push('', '## Runs', '', 'The verdict of each run, oldest first, with its evidence.', '');
  lines.push(...(a.runs.length ? runsTable(a.runs) : ['No runs in the window.']));
  if (model.before && model.before.runs.length) {
    lines.push('', `Baseline runs (before):`, '', ...runsTable(model.before.runs));
  }

  lines.push(
    '',
    '## Checks',
    '',
    `Across the ${a.total} run${a.total === 1 ? '' : 's'}; "not judged": the run stopped before the check could be made.`,
    '',
  );
  lines.push(
    '| check | fails as | pass | warn | fail | not judged | last time it did not pass |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  );
  lines.push(
    ...a.checks.map(
      (c) =>
        `| ${cell(c.name)} | ${c.class} | ${c.pass} | ${c.warn} | ${c.fail ? `**${c.fail}**` : '0'} | ${c.notJudged || ''} | ${c.last ? `run #${c.last.run} (${c.last.status}): ${cell(c.last.seen)}` : ''} |`,
    ),
  );

  lines.push('', '## Event times', '', 'ms after the send, across the runs that saw the event.', '');
  lines.push('| event | seen in | p50 | p95 | min | max |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  lines.push(...eventRows(a));

  const [first, ...others] = model.timelines;
  if (first) {
    lines.push(
      '',
      '## Timeline',
      '',
      `${cell(first.caption)}`,
      '',
      `![Timeline of run #${first.run.index}: ${first.run.status}](${TIMELINE_SVG_FILE})`,
    );
    const check = decidingCheck(first.result);
    if (check) {
      lines.push(
        '',
        `- ${check.status === 'fail' ? 'Failing check' : 'Warning'}: \`${check.name}\` (${check.class})`,
        `- Expected: ${cell(check.expected)}`,
        `- Seen: ${cell(check.seen)}`,
      );
      if (check.evidence) lines.push(`- Evidence: ${cell(check.evidence)}`);
    }
    if (others.length) lines.push('', `Also pictured in report.html: ${others.map((o) => cell(o.caption)).join(' ')}`);
  }
  lines.push('', '---', '', cell(METHOD), '');
  return lines.join('\n');
}

/** The run's trace: its link when PROBE_TRACE_URL made one, else its id. */
function traceLink(r: RunRow): string[] {
  if (r.trace === null) return [];
  return [r.trace.url ? `[trace ${r.trace.id}](${r.trace.url})` : `trace \`${r.trace.id}\``];
}

function runsTable(runs: RunRow[]): string[] {
  return [
    '| # | started | took | status | class | send → final | send → answer visible | message | evidence |',
    '| ---: | --- | ---: | --- | --- | ---: | ---: | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.index} | ${time(r.startedAt)} | ${ms(r.durationMs)} | ${r.status === 'pass' ? 'pass' : `**${r.status}**`} | ${r.class ?? ''} | ${ms(r.completeMs)} | ${ms(r.answerVisibleMs)} | ` +
        `${cell(r.message)} | ${[...r.links.map((l) => `[${l.label}](${hrefOf(l.href)})`), ...traceLink(r)].join(' · ')} |`,
    ),
  ];
}

function eventRows(w: WindowStats): string[] {
  return w.events.map(
    (e) =>
      `| ${cell(e.name)} | ${e.missing ? `**${e.n}/${e.n + e.missing}**` : `${e.n}/${e.n}`} | ${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.min)} | ${ms(e.max)} |`,
  );
}

function change(r: BeforeAfterRow): string {
  const word = directionWord(r);
  return word ? `${delta(r)} (${word})` : delta(r);
}

/**
 * Text from servers in a table cell or a line: no line breaks, no pipes, and no raw HTML (a Markdown viewer
 * renders it), with Markdown's link and emphasis characters left readable.
 */
export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

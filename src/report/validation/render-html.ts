// report.html: the validation report as one self-contained page (inline CSS and SVG; no script, no font,
// no URL outside the run folders it links to). Pure. Every piece of text is escaped: messages, answers and
// close reasons come from the servers under test.

import { escapeMarkup } from '../escape';
import type { BeforeAfterRow, CheckRow, EventRow, LocationFigures, LocationRow, ReportModel, RunRow, TimelinePick, WindowStats } from './model';
import { decidingCheck } from './model';
import { delta, directionWord, headline, hrefOf, METHOD, metricValue, ms, pct, time, verdictSentence } from './format';
import { FAILURE_COLOR, timelineSvg } from './timeline-svg';
import type { RunResult } from '../result';

export function renderHtml(model: ReportModel): string {
  const a = model.after;
  const sections = [
    headlineSection(model),
    model.before && model.beforeAfter ? beforeAfterSection(model.before, a, model.beforeAfter) : '',
    locationsSection(model.locations),
    runsSection(a, model.before),
    checksSection(a),
    eventsSection(a),
    timelineSection(model.timelines),
    `<footer><p>${esc(METHOD)}</p><p>Each run's evidence is in its folder: <code>summary.md</code> (verdict, checks, timeline), <code>result.json</code> (the run as data), <code>frames.ndjson</code> (every WebSocket frame), <code>html/index.html</code> (Playwright's report with the failure screenshot).</p></footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network at all: the page is read from disk, attached to tickets, opened offline.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(`${model.title}: ${a.verdict}`)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    `<body data-verdict="${esc(a.verdict)}">`,
    '<main>',
    ...sections.filter((s) => s !== ''),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---- sections --------------------------------------------------------------------------------------

function headlineSection(model: ReportModel): string {
  const a = model.after;
  const window = a.total === 0 ? '' : `Runs from ${esc(time(a.from))} to ${esc(time(a.to))}. `;
  const targets = model.targets.length
    ? `Target: ${model.targets.map((t) => `<code>${esc(t)}</code>`).join(', ')}. `
    : '';
  const journeys = model.journeys.length ? `Journey: ${model.journeys.map((j) => `<code>${esc(j)}</code>`).join(', ')}. ` : '';
  const baseline = model.before
    ? ` Compared with a baseline of ${model.before.total} run${model.before.total === 1 ? '' : 's'} (${esc(time(model.before.from))} to ${esc(time(model.before.to))}).`
    : '';
  const nav = [
    model.beforeAfter ? ['before-after', 'Before vs after'] : null,
    ['runs', 'Runs'],
    ['checks', 'Checks'],
    ['events', 'Event times'],
    model.timelines.length ? ['timeline', 'Timeline'] : null,
  ]
    .filter((x): x is string[] => x !== null)
    .map(([id, label]) => `<a href="#${id}">${label}</a>`)
    .join(' · ');
  return `<header data-testid="headline">
<div class="badge v-${slug(a.verdict)}" data-testid="window-verdict">${esc(a.verdict)}</div>
<div>
<h1>${esc(model.title)}</h1>
<p class="lede" data-testid="headline-text">${esc(headline(a))} ${esc(verdictSentence(a))}</p>
<p class="meta">${window}${targets}${journeys}Generated ${esc(time(model.generatedAt))}.${baseline}</p>
<nav>${nav}</nav>
</div>
</header>`;
}

function beforeAfterSection(before: WindowStats, after: WindowStats, rows: BeforeAfterRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr data-metric="${esc(r.metric)}" data-direction="${esc(r.direction)}"><th scope="row">${esc(r.metric)}</th>` +
        `<td class="num">${esc(metricValue(r, r.before))}</td><td class="num">${esc(metricValue(r, r.after))}</td>` +
        `<td class="num d-${slug(r.direction)}">${esc(delta(r))}${r.direction === 'n/a' ? '' : ` <span class="dir">${arrow(r)} ${esc(directionWord(r))}</span>`}</td></tr>`,
    )
    .join('\n');
  return `<section id="before-after">
<h2>Before vs after</h2>
<p>Before: ${esc(windowLine(before))} After: ${esc(windowLine(after))}</p>
<table data-testid="before-after">
<thead><tr><th scope="col">metric</th><th scope="col" class="num">before</th><th scope="col" class="num">after</th><th scope="col" class="num">change</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

/** A fleet's locations side by side, each beside its own baseline. */
function locationsSection(rows: LocationRow[]): string {
  if (rows.length === 0) return '';
  const figures = (f: LocationFigures | null) =>
    f === null ? '<td class="num">-</td><td class="num">-</td><td class="num">-</td>' : `<td class="num">${f.runs}</td><td class="num">${esc(pct(f.successRate))}</td><td class="num">${esc(ms(f.completeP50))}</td>`;
  const withBefore = rows.some((r) => r.before !== null);
  const body = rows.map((r) => `<tr data-location="${esc(r.location)}"><th scope="row">${esc(r.location)}</th>${figures(r.after)}${withBefore ? figures(r.before) : ''}</tr>`).join('\n');
  const head = (when: string) => `<th scope="col" class="num">runs${when}</th><th scope="col" class="num">success${when}</th><th scope="col" class="num">final p50${when}</th>`;
  return `<section id="locations">
<h2>Locations</h2>
<table data-testid="locations-table">
<thead><tr><th scope="col">location</th>${head('')}${withBefore ? head(' before') : ''}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

function windowLine(w: WindowStats): string {
  return `${w.verdict}, ${w.total} run${w.total === 1 ? '' : 's'}${w.total ? ` from ${time(w.from)} to ${time(w.to)}` : ''}.`;
}

function runsSection(after: WindowStats, before: WindowStats | null): string {
  const baseline = before
    ? `<details><summary>The ${before.total} baseline run${before.total === 1 ? '' : 's'} (before)</summary>\n${runsTable(before.runs, 'baseline-runs-table')}\n</details>`
    : '';
  return `<section id="runs">
<h2>Runs</h2>
<p>The verdict of each run, oldest first, with its evidence.</p>
${after.runs.length ? runsTable(after.runs, 'runs-table') : '<p class="empty" data-testid="runs-table">No runs in the window.</p>'}
${baseline}
</section>`;
}

/** The run's trace: a link when PROBE_TRACE_URL made one, else its id. */
function traceCell(r: RunRow): string[] {
  if (r.trace === null) return [];
  const label = `trace ${esc(r.trace.id)}`;
  return [r.trace.url ? `<a href="${esc(r.trace.url)}" data-evidence="trace">${label}</a>` : `<code data-evidence="trace">${label}</code>`];
}

function runsTable(runs: RunRow[], testId: string): string {
  const body = runs
    .map(
      (r) =>
        `<tr data-status="${esc(r.status)}" data-run="${r.index}"><td class="num">${r.index}</td><td class="nowrap">${esc(time(r.startedAt))}</td>` +
        `<td class="num">${esc(ms(r.durationMs))}</td><td><span class="status s-${slug(r.status)}">${esc(r.status.toUpperCase())}</span></td>` +
        `<td>${r.class ? `<code>${esc(r.class)}</code>` : ''}</td>` +
        `<td class="num">${esc(ms(r.completeMs))}</td>` +
        `<td class="num">${esc(ms(r.answerVisibleMs))}</td>` +
        `<td class="msg">${esc(r.message)}</td>` +
        `<td class="links">${[...r.links.map((l) => `<a href="${esc(hrefOf(l.href))}" data-evidence="${esc(l.kind)}">${esc(l.label)}</a>`), ...traceCell(r)].join('<br>')}</td></tr>`,
    )
    .join('\n');
  return `<table data-testid="${testId}">
<thead><tr><th scope="col" class="num">#</th><th scope="col">started</th><th scope="col" class="num">took</th><th scope="col">status</th><th scope="col">class</th><th scope="col" class="num">send → final</th><th scope="col" class="num">send → answer visible</th><th scope="col">message</th><th scope="col">evidence</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function checksSection(w: WindowStats): string {
  const body = w.checks
    .map((c) => {
      const state = c.fail > 0 ? 'fail' : c.warn > 0 ? 'warn' : 'pass';
      return (
        `<tr data-check="${esc(c.name)}" data-state="${state}"><th scope="row"><code>${esc(c.name)}</code></th><td><code>${esc(c.class)}</code></td>` +
        `<td class="num">${c.pass}</td><td class="num${c.warn ? ' warn' : ''}">${c.warn}</td><td class="num${c.fail ? ' fail' : ''}">${c.fail}</td>` +
        `<td class="num">${c.notJudged || ''}</td><td class="msg">${lastSeen(c)}</td></tr>`
      );
    })
    .join('\n');
  return `<section id="checks">
<h2>Checks</h2>
<p>How often each check of the contract passed across the ${w.total} run${w.total === 1 ? '' : 's'}; "not judged": the run stopped before the check could be made.</p>
<table data-testid="checks-table">
<thead><tr><th scope="col">check</th><th scope="col">fails as</th><th scope="col" class="num">pass</th><th scope="col" class="num">warn</th><th scope="col" class="num">fail</th><th scope="col" class="num">not judged</th><th scope="col">last time it did not pass</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

function lastSeen(c: CheckRow): string {
  if (c.last === null) return '';
  return `run #${c.last.run} (${esc(c.last.status)}): ${esc(c.last.seen)}`;
}

function eventsSection(w: WindowStats): string {
  const scaleMax = Math.max(1, ...w.events.flatMap((e) => e.values.map((v) => v.ms)));
  const failing = new Set(w.runs.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.index));
  const body = w.events
    .map(
      (e) =>
        `<tr data-event="${esc(e.name)}"${e.required ? ' class="required"' : ''}><th scope="row"><code>${esc(e.name)}</code></th>` +
        `<td class="num${e.missing ? ' fail' : ''}">${e.n}/${e.n + e.missing}</td>` +
        `<td class="num">${esc(ms(e.p50))}</td><td class="num">${esc(ms(e.p95))}</td><td class="num">${esc(ms(e.min))}</td><td class="num">${esc(ms(e.max))}</td>` +
        `<td>${strip(e, scaleMax, failing)}</td></tr>`,
    )
    .join('\n');
  return `<section id="events">
<h2>Event times</h2>
<p>Each event's time after the send, across the runs that saw it. The strip shows one dot per run on a common scale of 0 to ${esc(ms(scaleMax))} (red: a run that failed), the median as a black bar and p95 as an orange bar.</p>
<table data-testid="events-table">
<thead><tr><th scope="col">event</th><th scope="col" class="num">seen in</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">min</th><th scope="col" class="num">max</th><th scope="col">distribution</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

const STRIP_W = 240;
const STRIP_H = 22;

/** One event's times as a strip: a dot per run, the p50 and p95 as bars. */
function strip(e: EventRow, scaleMax: number, failing: Set<number>): string {
  if (e.n === 0) return '<span class="never">never seen</span>';
  const x = (v: number) => (4 + (v / scaleMax) * (STRIP_W - 8)).toFixed(1);
  const dots = e.values
    .map(
      (v) =>
        `<circle cx="${x(v.ms)}" cy="11" r="3.5" fill="${failing.has(v.run) ? FAILURE_COLOR : '#57606A'}" fill-opacity="0.75"><title>run #${v.run}: ${esc(ms(v.ms))}</title></circle>`,
    )
    .join('');
  const bar = (v: number | null, color: string, label: string) =>
    v === null
      ? ''
      : `<rect x="${(Number(x(v)) - 1.5).toFixed(1)}" y="2" width="3" height="18" fill="${color}"><title>${label} ${esc(ms(v))}</title></rect>`;
  return (
    `<svg class="strip" role="img" viewBox="0 0 ${STRIP_W} ${STRIP_H}" width="${STRIP_W}" height="${STRIP_H}"><title>${esc(`${e.name}: p50 ${ms(e.p50)}, p95 ${ms(e.p95)}, ${e.n} runs`)}</title>` +
    `<line x1="4" y1="11" x2="${STRIP_W - 4}" y2="11" stroke="#D0D7DE"/>${bar(e.p95, '#E69F00', 'p95')}${bar(e.p50, '#1F2328', 'p50')}${dots}</svg>`
  );
}

function timelineSection(picks: TimelinePick[]): string {
  if (picks.length === 0) return '';
  const figures = picks.map((p) => {
    const check = decidingCheck(p.result);
    const detail =
      check === null
        ? ''
        : `<dl class="check"><dt>${esc(check.status === 'fail' ? 'failing check' : 'warning')}</dt><dd><code>${esc(check.name)}</code> (${esc(check.class)})</dd>` +
          `<dt>expected</dt><dd>${esc(check.expected)}</dd><dt>seen</dt><dd>${esc(check.seen)}</dd>${check.evidence ? `<dt>evidence</dt><dd>${esc(check.evidence)}</dd>` : ''}</dl>`;
    const links = p.run.links.map((l) => `<a href="${esc(hrefOf(l.href))}">${esc(l.label)}</a>`).join(' · ');
    return `<figure data-role="${esc(p.role)}" data-run="${p.run.index}">
<figcaption><strong>${esc(p.caption)}</strong>${links ? ` Evidence: ${links}.` : ''}</figcaption>
${lanes(p.result)}
${detail}
</figure>`;
  });
  return `<section id="timeline" data-testid="timeline">
<h2>Timeline</h2>
<p>Every frame of the run in ms since the send, one lane per socket: the five required events by shape and colour, closes with their code, and the moment of the failing check in red. Hover a marker for the frame.</p>
${figures.join('\n')}
</section>`;
}

// ---- helpers ---------------------------------------------------------------------------------------

/** The run's timeline; with several sessions, each session's side by side, one figure each. */
function lanes(result: RunResult): string {
  if (!result.sessions) return `<div class="svg">${timelineSvg(result)}</div>`;
  const each = result.sessions.map((x) => {
    const v = x.verdict;
    const title = `session ${x.session}: ${v.status}${v.class ? ` (${v.class})` : ''}, user ${x.userId ?? 'unknown'}`;
    return `<div class="svg" data-session="${x.session}"><h4>${esc(title)}</h4>${timelineSvg({ ...result, ...x })}</div>`;
  });
  return `<div class="sessions">${each.join('')}</div>`;
}

function arrow(r: BeforeAfterRow): string {
  if (r.delta === null || r.delta === 0) return '=';
  return r.delta > 0 ? '▲' : '▼';
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Escapes text for HTML content and attribute values alike. */
export const esc = escapeMarkup;

const CSS = `
:root { color-scheme: light; --ink: #1F2328; --muted: #57606A; --line: #D0D7DE; --pass: #1A7F37; --warn: #9A6700; --fail: ${FAILURE_COLOR}; --bg2: #F6F8FA; }
* { box-sizing: border-box; }
body { margin: 0; background: #FFFFFF; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px; }
header { display: flex; gap: 20px; align-items: flex-start; padding-bottom: 16px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 6px; }
p { margin: 4px 0 10px; }
.lede { font-size: 16px; }
.meta, footer, section > p { color: var(--muted); }
nav a { color: #0969DA; text-decoration: none; }
.badge { flex: none; min-width: 112px; padding: 14px 16px; border-radius: 8px; color: #FFFFFF; font-size: 24px; font-weight: 700; text-align: center; letter-spacing: .04em; }
.v-pass { background: var(--pass); } .v-degraded { background: var(--warn); } .v-fail { background: var(--fail); } .v-no-runs { background: var(--muted); }
table { width: 100%; border-collapse: collapse; margin: 6px 0 8px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--bg2); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
tbody th { font-weight: 500; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.msg { font-size: 13px; overflow-wrap: anywhere; }
.links { font-size: 12px; white-space: nowrap; }
.links a, figcaption a { color: #0969DA; }
td code, th code { white-space: nowrap; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg2); padding: 1px 4px; border-radius: 4px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; color: #FFFFFF; }
.s-pass { background: var(--pass); } .s-degraded { background: var(--warn); } .s-fail { background: var(--fail); } .s-error { background: #6E40C9; }
tr[data-status="fail"] td, tr[data-status="error"] td { background: #FFF5F5; }
td.fail { color: var(--fail); font-weight: 700; } td.warn { color: var(--warn); font-weight: 700; }
tr[data-state="fail"] th code { color: var(--fail); }
.d-better { color: var(--pass); font-weight: 600; } .d-worse { color: var(--fail); font-weight: 600; }
.dir { font-size: 12px; }
.never { color: var(--fail); font-size: 12px; }
.strip { display: block; }
figure { margin: 14px 0 22px; padding: 12px; border: 1px solid var(--line); border-radius: 8px; }
figcaption { margin-bottom: 8px; }
.svg svg { display: block; width: 100%; height: auto; }
.sessions { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px; }
.sessions h4 { margin: 4px 0; font-size: 13px; }
dl.check { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 10px 0 0; font-size: 13px; }
dl.check dt { color: var(--muted); } dl.check dd { margin: 0; overflow-wrap: anywhere; }
details { margin-top: 10px; } summary { cursor: pointer; color: var(--muted); }
footer { margin-top: 32px; padding-top: 12px; border-top: 1px solid var(--line); font-size: 12px; }
@media print { main { max-width: none; } details { display: none; } }
`;

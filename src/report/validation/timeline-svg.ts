// One run as a picture: a horizontal axis in ms since the send, one lane per socket, a marker per frame
// (the five required events in their own shapes and colours, other frames as grey ticks), closes with
// their code, and the moment of the failing check in red. Pure and deterministic: the same result gives
// the same bytes, so the picture can be diffed and tested.

import { escapeMarkup } from '../escape';
import type { RunResult } from '../result';
import type { TimelineRow } from '../timeline';
import { decidingCheck } from './model';

export interface TimelineSvgOptions {
  /** Width in px of the picture (its viewBox); it scales down with the page. Default 960. */
  width?: number;
}

type Shape = 'circle' | 'diamond' | 'triangle-up' | 'triangle-down' | 'square';

/** The five required events: shape and colour (Okabe-Ito, readable by colour-blind readers, and told apart by shape too). */
export const EVENT_STYLES: ReadonlyArray<{ type: string; shape: Shape; color: string }> = [
  { type: 'agent_started', shape: 'circle', color: '#0072B2' },
  { type: 'agent_thinking', shape: 'diamond', color: '#CC79A7' },
  { type: 'tool_executing', shape: 'triangle-up', color: '#E69F00' },
  { type: 'tool_completed', shape: 'triangle-down', color: '#009E73' },
  { type: 'agent_completed', shape: 'square', color: '#5E3C99' },
];

export const FAILURE_COLOR = '#D62728';
const GREY = '#8A8F98';
const INK = '#1F2328';
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

const PAD_LEFT = 104;
const PAD_RIGHT = 24;
const TOP = 34;
const LANE_H = 70;
/** Where a lane's line sits inside its band: room above for three rows of labels. */
const LANE_LINE = 50;
const LABEL_ROW_H = 12;
const LABEL_ROWS = 3;
const CHAR_W = 6.2; // estimated width of a character at 11px, for laying labels out
const MIN_WIDTH = 480;

interface Moment {
  ms: number;
  check: string;
  /** How the moment was found, said in the label when it is only the end of the run. */
  approximate: boolean;
}

export function timelineSvg(result: RunResult, opts: TimelineSvgOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.round(opts.width ?? 960));
  const rows = result.timeline;
  const origin = result.sentAt ?? 0;
  const sockets = laneSockets(result);
  const failure = failureMoment(result);

  // The x domain: from the first frame (or the send) to the last frame, the failure, and at least 1 ms.
  const times = [0, ...rows.map((r) => r.ms), ...(failure ? [failure.ms] : [])];
  const lo = Math.min(...times);
  const hi = Math.max(...times, lo + 1);
  const span = hi - lo;
  const [d0, d1] = [lo - span * 0.03, hi + span * 0.05];
  const plotW = width - PAD_LEFT - PAD_RIGHT;
  const x = (ms: number) => PAD_LEFT + ((ms - d0) / (d1 - d0)) * plotW;

  const lanesBottom = TOP + sockets.length * LANE_H;
  const axisY = lanesBottom + 4;
  const legend = legendItems(result, failure !== null);
  const legendLayout = layoutLegend(legend, width);
  const legendTop = axisY + 46;
  const height = legendTop + legendLayout.height + 8;

  const out: string[] = [];
  const statusText = `${result.verdict.status.toUpperCase()}${result.verdict.class ? ` (${result.verdict.class})` : ''}`;
  const sinceWhat =
    result.sentAt === null ? 'ms since the run started (the message was never sent)' : 'ms since the send';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
      `font-family="${FONT}" font-size="11" data-testid="timeline-svg">`,
  );
  out.push(
    `<title>${xml(`Timeline of the run started ${result.startedAt}: ${statusText}; ${sinceWhat}, one lane per socket`)}</title>`,
  );
  out.push(`<desc>${xml(describe(result, failure))}</desc>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#FFFFFF"/>`);

  // Grid and axis.
  const ticks = niceTicks(d0, d1, Math.max(3, Math.floor(plotW / 90)));
  for (const t of ticks) {
    const tx = n(x(t));
    out.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${axisY}" stroke="#EEF0F3"/>`);
    out.push(`<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 5}" stroke="${INK}"/>`);
    out.push(`<text x="${tx}" y="${axisY + 17}" text-anchor="middle" fill="${INK}">${xml(formatTick(t))}</text>`);
  }
  out.push(`<line x1="${PAD_LEFT}" y1="${axisY}" x2="${width - PAD_RIGHT}" y2="${axisY}" stroke="${INK}"/>`);
  out.push(
    `<text x="${PAD_LEFT + plotW / 2}" y="${axisY + 34}" text-anchor="middle" fill="${INK}">${xml(sinceWhat)}</text>`,
  );

  // The send.
  if (result.sentAt !== null) {
    const sx = n(x(0));
    out.push(`<line x1="${sx}" y1="${TOP - 14}" x2="${sx}" y2="${axisY}" stroke="${INK}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${sx}" y="${TOP - 18}" text-anchor="middle" font-weight="600" fill="${INK}">send</text>`);
  }

  // Lanes.
  sockets.forEach((socket, laneIndex) => {
    const top = TOP + laneIndex * LANE_H;
    const y = top + LANE_LINE;
    const record = result.sockets.find((s) => s.socket === socket);
    if (laneIndex % 2 === 1)
      out.push(`<rect x="${PAD_LEFT}" y="${top}" width="${plotW}" height="${LANE_H}" fill="#F7F8FA"/>`);
    out.push(`<g data-socket="${socket}">`);
    if (record) out.push(`<title>${xml(`socket ${socket}: ${record.url}`)}</title>`);
    out.push(`<text x="8" y="${y + 4}" font-weight="600" fill="${INK}">socket ${socket}</text>`);
    // The socket's life: solid while open, dotted where the page had no socket (before it opened, after it closed).
    const opened = record ? Math.max(d0, record.openedAt - origin) : d0;
    const closed = record?.closedAt !== undefined ? Math.min(d1, record.closedAt - origin) : d1;
    out.push(
      `<line x1="${PAD_LEFT}" y1="${y}" x2="${width - PAD_RIGHT}" y2="${y}" stroke="#C9CED6" stroke-dasharray="2 3"/>`,
    );
    if (closed > opened)
      out.push(
        `<line x1="${n(x(opened))}" y1="${y}" x2="${n(x(closed))}" y2="${y}" stroke="#9AA1AC" stroke-width="2"/>`,
      );

    const laneRows = rows.filter((r) => r.socket === socket);
    const labels: Array<{ x: number; text: string; color: string; bold: boolean }> = [];
    // Other frames first, so that the required events are drawn over them.
    for (const r of laneRows) {
      if (r.dir === 'close' || styleOf(r) !== undefined) continue;
      const mx = n(x(r.ms));
      if (r.dir === 'out') {
        out.push(
          `<path d="M${mx} ${n(y - 16)} l5 8 h-10 z" fill="#FFFFFF" stroke="${INK}" stroke-width="1.2"><title>${xml(rowTitle(r))}</title></path>`,
        );
      } else {
        out.push(
          `<line x1="${mx}" y1="${y - 6}" x2="${mx}" y2="${y + 6}" stroke="${GREY}" stroke-width="1.5"><title>${xml(rowTitle(r))}</title></line>`,
        );
      }
    }
    const labelled = new Set<string>();
    const finalIndex = laneRows.findIndex((r) => r.dir === 'in' && r.type === 'agent_completed');
    laneRows.forEach((r, i) => {
      const style = styleOf(r);
      if (r.dir === 'close' || style === undefined) return;
      const isFinal = i === finalIndex;
      out.push(marker(style.shape, x(r.ms), y, style.color, isFinal, rowTitle(r)));
      // Label the first of each type on the lane; for agent_completed, the run's final one.
      const key = style.type;
      const wanted = key === 'agent_completed' && finalIndex >= 0 ? isFinal : !labelled.has(key);
      if (wanted) {
        labelled.add(key);
        labels.push({
          x: x(r.ms),
          text: `${key}${isFinal ? ' (final)' : ''} ${formatMs(r.ms)}`,
          color: style.color,
          bold: false,
        });
      }
    });
    for (const r of laneRows) {
      if (r.dir !== 'close') continue;
      const cx = n(x(r.ms));
      const crossX = n(x(r.ms) - 4);
      const code = closeCode(r);
      out.push(
        `<g data-close="${code ?? ''}"><line x1="${cx}" y1="${y - 13}" x2="${cx}" y2="${y + 13}" stroke="${INK}" stroke-width="3"/>` +
          `<path d="M${crossX} ${y + 9} l8 8 m0 -8 l-8 8" stroke="${INK}" stroke-width="1.6"/>` +
          `<title>${xml(rowTitle(r))}</title></g>`,
      );
      labels.push({ x: x(r.ms), text: `close ${code ?? '?'} ${formatMs(r.ms)}`, color: INK, bold: true });
    }
    for (const l of placeLabels(labels, width - PAD_RIGHT)) {
      out.push(
        `<text x="${n(l.tx)}" y="${y - 12 - l.row * LABEL_ROW_H}" text-anchor="${l.anchor}" fill="${l.color}"${l.bold ? ' font-weight="700"' : ''}>${xml(l.text)}</text>`,
      );
    }
    out.push('</g>');
  });
  if (sockets.length === 0 || rows.length === 0) {
    out.push(
      `<text x="${PAD_LEFT + plotW / 2}" y="${TOP + LANE_LINE - 14}" text-anchor="middle" fill="${INK}">no frames recorded</text>`,
    );
  }

  // The failing check's moment, over everything else.
  if (failure) {
    const fx = n(x(failure.ms));
    const text = `✗ ${failure.check} failed ${failure.approximate ? `(by the end of the run, ${formatMs(failure.ms)})` : `at ${formatMs(failure.ms)}`}`;
    const anchor = x(failure.ms) > PAD_LEFT + plotW * 0.6 ? 'end' : 'start';
    out.push(
      `<g data-failure="${xml(failure.check)}">` +
        `<rect x="${n(x(failure.ms) - 5)}" y="${TOP - 6}" width="10" height="${axisY - TOP + 6}" fill="${FAILURE_COLOR}" fill-opacity="0.14"/>` +
        `<line x1="${fx}" y1="${TOP - 6}" x2="${fx}" y2="${axisY}" stroke="${FAILURE_COLOR}" stroke-width="2"/>` +
        `<text x="${n(x(failure.ms) + (anchor === 'start' ? 8 : -8))}" y="${TOP - 18}" text-anchor="${anchor}" font-weight="700" fill="${FAILURE_COLOR}">${xml(text)}</text>` +
        '</g>',
    );
  }

  // Legend.
  out.push(`<g transform="translate(0 ${legendTop})">`);
  for (const item of legendLayout.placed) {
    out.push(legendSymbol(item.kind, item.x + 7, item.y + 6, item.color));
    out.push(`<text x="${n(item.x + 18)}" y="${item.y + 10}" fill="${INK}">${xml(item.label)}</text>`);
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// ---- what is drawn ---------------------------------------------------------------------------------

/** The sockets to draw: the page's sockets and any socket a frame names, in order. */
function laneSockets(result: RunResult): number[] {
  const set = new Set<number>([...result.sockets.map((s) => s.socket), ...result.timeline.map((r) => r.socket)]);
  return [...set].sort((a, b) => a - b);
}

/** The required event a timeline row is, if any: its type without the `(agent name)` the timeline adds. */
function styleOf(r: TimelineRow): (typeof EVENT_STYLES)[number] | undefined {
  if (r.dir !== 'in') return undefined;
  const base = r.type.replace(/ \(.*\)$/, '');
  return EVENT_STYLES.find((s) => s.type === base);
}

function closeCode(r: TimelineRow): number | null {
  const m = /^close (\d+)/.exec(r.type);
  return m ? Number(m[1]) : null;
}

function rowTitle(r: TimelineRow): string {
  const what =
    r.dir === 'close'
      ? `${r.type}${r.payload ? ` "${r.payload}"` : ''}`
      : `${r.dir === 'out' ? 'sent' : 'received'} ${r.type}`;
  return `${formatMs(r.ms)} socket ${r.socket}: ${what}`;
}

/**
 * Where the failing check that decided the verdict points: the close of the socket its evidence names, the
 * frame it names (the last, when it lists several), an `at +123ms` in what it saw; else the end of the run.
 */
export function failureMoment(result: RunResult): Moment | null {
  if (result.verdict.status !== 'fail' && result.verdict.status !== 'error') return null;
  const check = decidingCheck(result);
  if (check === null || check.status !== 'fail') return null;
  const evidence = check.evidence ?? '';
  const socket = /\bsocket (\d+)/.exec(evidence);
  if (socket) {
    const close = result.timeline.find((r) => r.dir === 'close' && r.socket === Number(socket[1]));
    if (close) return { ms: close.ms, check: check.name, approximate: false };
  }
  const frames = /\bframes? ([\d, ]+)/.exec(evidence);
  if (frames) {
    const indexes = (frames[1] ?? '')
      .split(',')
      .map((s) => Number(s.trim()))
      .filter((v) => Number.isInteger(v));
    const frameRows = result.timeline.filter((r) => r.dir !== 'close');
    const row = frameRows[indexes[indexes.length - 1] ?? -1];
    if (row) return { ms: row.ms, check: check.name, approximate: false };
  }
  const at = /\bat ([+-]?\d+(?:\.\d+)?)ms/.exec(check.seen);
  if (at) return { ms: Math.round(Number(at[1])), check: check.name, approximate: false };
  const last = result.timeline[result.timeline.length - 1];
  const end = Math.round(result.durationMs - (result.sentAt ?? 0));
  return { ms: Math.max(last?.ms ?? 0, end), check: check.name, approximate: true };
}

function describe(result: RunResult, failure: Moment | null): string {
  const parts = result.verdict.events.map(
    (e) => `${e.type} ${e.firstSeenMs === null ? 'never' : formatMs(Math.round(e.firstSeenMs))}`,
  );
  for (const r of result.timeline)
    if (r.dir === 'close') parts.push(`socket ${r.socket} ${r.type} at ${formatMs(r.ms)}`);
  if (failure) parts.push(`failing check ${failure.check} at ${formatMs(failure.ms)}`);
  return `${result.verdict.message}. ${parts.join('; ')}.`;
}

function marker(shape: Shape, cx: number, cy: number, color: string, emphasis: boolean, title: string): string {
  const s = emphasis ? 8 : 6.5;
  const stroke = emphasis ? ` stroke="${INK}" stroke-width="2"` : ' stroke="#FFFFFF" stroke-width="1"';
  const t = `<title>${xml(title)}</title>`;
  return `${shapeElement(shape, cx, cy, s, `fill="${color}"${stroke}`, t)}`;
}

function shapeElement(shape: Shape, cx: number, cy: number, s: number, attrs: string, inner = ''): string {
  const close = (tag: string) => (inner ? `>${inner}</${tag}>` : '/>');
  switch (shape) {
    case 'circle':
      return `<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(s)}" ${attrs}${close('circle')}`;
    case 'square':
      return `<rect x="${n(cx - s * 0.9)}" y="${n(cy - s * 0.9)}" width="${n(s * 1.8)}" height="${n(s * 1.8)}" ${attrs}${close('rect')}`;
    case 'diamond':
      return `<path d="M${n(cx)} ${n(cy - s * 1.2)} L${n(cx + s * 1.2)} ${n(cy)} L${n(cx)} ${n(cy + s * 1.2)} L${n(cx - s * 1.2)} ${n(cy)} Z" ${attrs}${close('path')}`;
    case 'triangle-up':
      return `<path d="M${n(cx)} ${n(cy - s * 1.15)} L${n(cx + s * 1.1)} ${n(cy + s * 0.85)} L${n(cx - s * 1.1)} ${n(cy + s * 0.85)} Z" ${attrs}${close('path')}`;
    case 'triangle-down':
      return `<path d="M${n(cx)} ${n(cy + s * 1.15)} L${n(cx + s * 1.1)} ${n(cy - s * 0.85)} L${n(cx - s * 1.1)} ${n(cy - s * 0.85)} Z" ${attrs}${close('path')}`;
  }
}

// ---- labels and legend -----------------------------------------------------------------------------

interface PlacedLabel {
  tx: number;
  row: number;
  anchor: 'start' | 'end';
  text: string;
  color: string;
  bold: boolean;
}

/** Greedy: each label (left to right) takes the lowest of three rows where it does not overlap the one before. */
function placeLabels(
  labels: Array<{ x: number; text: string; color: string; bold: boolean }>,
  rightEdge: number,
): PlacedLabel[] {
  const ends = new Array<number>(LABEL_ROWS).fill(-Infinity);
  const placed: PlacedLabel[] = [];
  for (const l of [...labels].sort((a, b) => a.x - b.x || a.text.localeCompare(b.text))) {
    const w = l.text.length * CHAR_W;
    const anchor: 'start' | 'end' = l.x - 3 + w > rightEdge ? 'end' : 'start';
    const [start, end] = anchor === 'start' ? [l.x - 3, l.x - 3 + w] : [l.x + 3 - w, l.x + 3];
    let row = ends.findIndex((e) => e + 6 <= start);
    if (row < 0) row = ends.indexOf(Math.min(...ends));
    ends[row] = end;
    placed.push({
      tx: anchor === 'start' ? l.x - 3 : l.x + 3,
      row,
      anchor,
      text: l.text,
      color: l.color,
      bold: l.bold,
    });
  }
  return placed;
}

type LegendKind = Shape | 'tick' | 'out' | 'close' | 'failure' | 'final';

interface LegendItem {
  kind: LegendKind;
  label: string;
  color: string;
}

function legendItems(result: RunResult, failure: boolean): LegendItem[] {
  const items: LegendItem[] = EVENT_STYLES.map((s) => ({ kind: s.shape, label: s.type, color: s.color }));
  items.push({ kind: 'final', label: 'final agent_completed', color: EVENT_STYLES[4]?.color ?? INK });
  items.push({ kind: 'out', label: 'sent by the page', color: INK });
  items.push({ kind: 'tick', label: 'other frame received', color: GREY });
  if (result.timeline.some((r) => r.dir === 'close'))
    items.push({ kind: 'close', label: 'socket closed (code)', color: INK });
  if (failure) items.push({ kind: 'failure', label: 'failing check', color: FAILURE_COLOR });
  return items;
}

function layoutLegend(
  items: LegendItem[],
  width: number,
): { placed: Array<LegendItem & { x: number; y: number }>; height: number } {
  const placed: Array<LegendItem & { x: number; y: number }> = [];
  let [cx, cy] = [PAD_LEFT, 0];
  for (const item of items) {
    const w = 18 + item.label.length * CHAR_W + 18;
    if (cx + w > width - PAD_RIGHT && cx > PAD_LEFT) [cx, cy] = [PAD_LEFT, cy + 18];
    placed.push({ ...item, x: cx, y: cy });
    cx += w;
  }
  return { placed, height: cy + 16 };
}

function legendSymbol(kind: LegendKind, cx: number, cy: number, color: string): string {
  switch (kind) {
    case 'tick':
      return `<line x1="${n(cx)}" y1="${cy - 6}" x2="${n(cx)}" y2="${cy + 6}" stroke="${color}" stroke-width="1.5"/>`;
    case 'out':
      return `<path d="M${n(cx)} ${cy - 5} l5 8 h-10 z" fill="#FFFFFF" stroke="${color}" stroke-width="1.2"/>`;
    case 'close':
      return `<line x1="${n(cx)}" y1="${cy - 7}" x2="${n(cx)}" y2="${cy + 7}" stroke="${color}" stroke-width="3"/>`;
    case 'failure':
      return `<rect x="${n(cx - 5)}" y="${cy - 7}" width="10" height="14" fill="${color}" fill-opacity="0.14"/><line x1="${n(cx)}" y1="${cy - 7}" x2="${n(cx)}" y2="${cy + 7}" stroke="${color}" stroke-width="2"/>`;
    case 'final':
      return shapeElement('square', cx, cy, 6, `fill="${color}" stroke="${INK}" stroke-width="2"`);
    default:
      return shapeElement(kind, cx, cy, 5.5, `fill="${color}"`);
  }
}

// ---- numbers and text ------------------------------------------------------------------------------

/** Round steps (1, 2, 5 × 10^k) covering [lo, hi] with about `target` ticks. */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) || 1;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

function formatTick(ms: number): string {
  return `${ms}`;
}

export function formatMs(ms: number): string {
  const r = Math.round(ms);
  return `${r >= 0 ? '+' : ''}${r} ms`;
}

function n(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

export const xml = escapeMarkup;

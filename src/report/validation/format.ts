// Numbers and words shared by the HTML and Markdown renderers, so that both say the same thing the same way.

import type { BeforeAfterRow, WindowStats } from './model';

/** `1,234 ms`, or `—` when there is no value. */
export function ms(v: number | null): string {
  return v === null ? '—' : `${group(Math.round(v))} ms`;
}

/** `83.3%`, `100%`, or `—`. */
export function pct(rate: number | null): string {
  if (rate === null) return '—';
  const v = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)}%`;
}

function group(v: number): string {
  const sign = v < 0 ? '−' : '';
  return (
    sign +
    Math.abs(v)
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  );
}

/** A value of a before/after row in its unit. */
export function metricValue(row: BeforeAfterRow, v: number | null): string {
  if (v === null) return '—';
  if (row.unit === 'rate') return pct(v);
  if (row.unit === 'ms') return ms(v);
  return String(v);
}

/** `+25 pp`, `−812 ms`, `−3`, `±0`; `—` without both sides. */
export function delta(row: BeforeAfterRow): string {
  if (row.delta === null) return '—';
  if (row.delta === 0) return '±0';
  const sign = row.delta > 0 ? '+' : '−';
  const abs = Math.abs(row.delta);
  if (row.unit === 'rate') return `${sign}${Number.isInteger(abs) ? abs.toFixed(0) : abs.toFixed(1)} pp`;
  if (row.unit === 'ms') return `${sign}${group(abs)} ms`;
  return `${sign}${abs}`;
}

export function directionWord(row: BeforeAfterRow): string {
  return row.direction === 'n/a' ? '' : row.direction;
}

/** `2026-11-26 05:13:08Z` from an ISO time: what a reader scans in a table. Other text is returned as is. */
export function time(iso: string | null): string {
  if (iso === null) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/** `6 runs, 4 passed, 1 degraded, 1 failed; success rate 83.3% (pass or degraded)`. */
export function headline(w: WindowStats): string {
  if (w.total === 0) return 'No runs in the window: nothing was proven.';
  const parts = [`${w.total} run${w.total === 1 ? '' : 's'}`, `${w.passed} passed`];
  if (w.degraded) parts.push(`${w.degraded} degraded`);
  parts.push(`${w.failed} failed`);
  if (w.errored) parts.push(`${w.errored} could not be judged`);
  return `${parts.join(', ')}; success rate ${pct(w.successRate)} (pass or degraded).`;
}

/** What the window's verdict means, in a sentence. */
export function verdictSentence(w: WindowStats): string {
  switch (w.verdict) {
    case 'PASS':
      return 'Every run passed.';
    case 'DEGRADED':
      return 'No run failed, but some exceeded a warning budget.';
    case 'FAIL':
      return `${w.failed + w.errored} of ${w.total} runs did not pass.`;
    case 'NO RUNS':
      return 'No evidence is never a pass.';
  }
}

/** A path made safe for an href: each segment URL-encoded, `/` kept. */
export function hrefOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The footnote both renderers carry: how the numbers were made. */
export const METHOD =
  'Times are ms after the send, one value per run: the first time the run saw the event (final agent_completed: ' +
  'the run\'s completion; answer visible: when its final answer showed in the page). p50/p95 are nearest-rank percentiles over the runs that saw it; "seen in" counts those runs. ' +
  'Success rate counts pass and degraded runs; the window passes only when every run passed.';

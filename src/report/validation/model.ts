// The post-remediation validation report as data: a window of runs (the "after"), optionally a baseline
// window (the "before"), reduced to what a reviewer reads in a minute. Pure: no I/O, no clock; the
// renderers (render-html.ts, render-md.ts) and the writer (write.ts) are separate.

import { posix, relative, sep } from 'node:path';
import { defaultContract, requiredEvents } from '../../contract/contract';
import { decidingCheck as decidingCheckOf } from '../../contract/judge';
import type { Check, FailureClass, Status } from '../../contract/types';
import { FRAMES_FILE, framesFileOf, RESULT_FILE, SUMMARY_FILE, type RunResult } from '../result';
import { journeyOf } from '../../config/journey';
import { targetName } from '../target-name';

/** The evidence files a run folder may hold, by what a reader calls them. */
export type EvidenceKind = 'summary' | 'result' | 'frames' | 'html';

export const EVIDENCE_FILES: Readonly<Record<EvidenceKind, string>> = {
  summary: SUMMARY_FILE,
  result: RESULT_FILE,
  frames: FRAMES_FILE,
  html: 'html/index.html',
};

/** The file of an evidence kind for this run: with several sessions, the frames of the deciding session. */
export function evidenceFileOf(kind: EvidenceKind, result: RunResult): string {
  return kind === 'frames' && result.decidingSession !== undefined ? framesFileOf(result.decidingSession, result.users ?? 1) : EVIDENCE_FILES[kind];
}

export interface ReportRun {
  result: RunResult;
  /** Where result.json, summary.md, frames.ndjson and html/index.html are. */
  runDir: string;
  /**
   * Which evidence files the folder holds (loadRuns fills it in). Absent: all four are linked, unchecked.
   * The model is pure, so it never looks at the disk itself.
   */
  evidence?: EvidenceKind[];
}

export interface ValidationReportInput {
  title: string;
  /** ISO time the report was made; shown, never computed here. */
  generatedAt: string;
  /** The "after" window, oldest first. */
  runs: ReportRun[];
  /** The "before" window, oldest first. */
  baseline?: ReportRun[];
  /** The folder the report is written in: evidence links are made relative to it. */
  links: 'relative-to' | string;
}

/** PASS only when every run passed; a window without runs proves nothing and says so. */
export type WindowVerdict = 'PASS' | 'DEGRADED' | 'FAIL' | 'NO RUNS';

export interface EvidenceLink {
  kind: EvidenceKind;
  label: string;
  /** Relative to the report's folder, `/`-separated, not URL-encoded. */
  href: string;
}

export interface RunRow {
  /** 1-based position in its window, oldest first: what the tables call `#3`. */
  index: number;
  startedAt: string;
  durationMs: number;
  status: Status;
  class: FailureClass | null;
  message: string;
  /** The check that decided a run that did not pass (failing check of the verdict's class, else the first warning). */
  decidingCheck: string | null;
  firstEventMs: number | null;
  completeMs: number | null;
  /** When the final answer became visible in the page (the wait a person feels). */
  answerVisibleMs: number | null;
  target: string;
  version: string | null;
  links: EvidenceLink[];
  /** The trace its requests carried, and its link (PROBE_TRACE_URL); null before traces or with propagation off. */
  trace: { id: string; url?: string } | null;
}

export interface CheckRow {
  name: string;
  /** The class this check reports when it fails. */
  class: FailureClass;
  pass: number;
  warn: number;
  fail: number;
  /** Runs whose verdict does not contain this check (the run stopped before it could be judged, or a protocol run). */
  notJudged: number;
  /** The most recent run where it failed (else warned): its number and what was seen. */
  last: { run: number; status: 'warn' | 'fail'; seen: string; expected: string } | null;
}

/** Times of one event across the runs of a window, in whole ms after the send. */
export interface Distribution {
  /** Runs where it was seen (the sample size). */
  n: number;
  /** Runs of the window where it was never seen. */
  missing: number;
  p50: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
  /** One value per run that saw it, in run order: the dots of the distribution strip. */
  values: Array<{ run: number; ms: number }>;
}

export interface EventRow extends Distribution {
  /**
   * The event type, `final agent_completed` for the run's completion time (verdict.timings.completeMs), or
   * `answer visible` for when its answer showed in the page (verdict.timings.answerVisibleMs).
   */
  name: string;
  required: boolean;
}

export interface WindowStats {
  runs: RunRow[];
  total: number;
  passed: number;
  degraded: number;
  failed: number;
  /** Runs that could not be judged (`error`: configuration, browser, the probe's own bug). */
  errored: number;
  /** (pass + degraded) / total, 0..1; null without runs. */
  successRate: number | null;
  verdict: WindowVerdict;
  /** startedAt of the first and last run. */
  from: string | null;
  to: string | null;
  checks: CheckRow[];
  events: EventRow[];
  /** Runs that failed or errored, by class, most frequent first. */
  failuresByClass: Array<{ class: FailureClass; count: number }>;
}

export type Direction = 'better' | 'worse' | 'same' | 'n/a';

export interface BeforeAfterRow {
  metric: string;
  /** What the metric is measured in, for formatting: a share of runs, ms, or a count. */
  unit: 'rate' | 'ms' | 'count';
  before: number | null;
  after: number | null;
  /** after - before (rates in percentage points); null when either side is missing. */
  delta: number | null;
  direction: Direction;
}

export interface TimelinePick {
  role: 'representative' | 'latest' | 'baseline';
  /** Why this run is shown, in a sentence. */
  caption: string;
  run: RunRow;
  result: RunResult;
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  after: WindowStats;
  before: WindowStats | null;
  beforeAfter: BeforeAfterRow[] | null;
  /** The last failing (or errored) run of the window when there is one, else its last run; null without runs. */
  representative: TimelinePick | null;
  /** The pictures to show: the representative first, then the latest run when it differs, then the baseline's. */
  timelines: TimelinePick[];
  /** Targets the window's runs probed (normally one). */
  targets: string[];
  /** The journeys the window's runs were (normally one: `golden-path`, or a team's). */
  journeys: string[];
  /** Each location the window's runs ran in (PROBE_LOCATION), beside the same location's baseline; empty when none is known. */
  locations: LocationRow[];
}

/** One location of a fleet: its runs after, and before when there is a baseline. */
export interface LocationRow {
  location: string;
  after: LocationFigures;
  before: LocationFigures | null;
}

export interface LocationFigures {
  runs: number;
  /** (pass + degraded) / runs; null without runs. */
  successRate: number | null;
  /** p50 of the final agent_completed, ms after the send; null when no run completed. */
  completeP50: number | null;
}

const FINAL_COMPLETED = 'final agent_completed';
const ANSWER_VISIBLE = 'answer visible';

export function buildReportModel(input: ValidationReportInput): ReportModel {
  const after = windowStats(input.runs, input.links);
  // Before vs after compares the same locations: a baseline location the fleet no longer runs in is left out.
  const afterLocations = new Set(input.runs.map((r) => r.result.location));
  const sameLocations = input.baseline?.filter((r) => r.result.location === undefined || afterLocations.has(r.result.location));
  const before = sameLocations === undefined ? null : windowStats(sameLocations, input.links);
  const representative = pickRepresentative(input.runs, after.runs, 'representative');
  const timelines: TimelinePick[] = [];
  if (representative) {
    timelines.push(representative);
    const lastIndex = input.runs.length - 1;
    const last = input.runs[lastIndex];
    const lastRow = after.runs[lastIndex];
    if (last && lastRow && lastRow.index !== representative.run.index) {
      timelines.push({
        role: 'latest',
        caption: `The latest run (#${lastRow.index}), ${describeStatus(lastRow)}, for comparison.`,
        run: lastRow,
        result: last.result,
      });
    }
  }
  if (input.baseline && before) {
    const pick = pickRepresentative(input.baseline, before.runs, 'baseline');
    if (pick) timelines.push(pick);
  }
  return {
    title: input.title,
    generatedAt: input.generatedAt,
    after,
    before,
    beforeAfter: before === null ? null : compare(before, after),
    representative,
    timelines,
    targets: [...new Set(after.runs.map((r) => r.target))],
    journeys: [...new Set(input.runs.map((r) => journeyOf(r.result)))],
    locations: locationRows(input.runs, sameLocations, input.links),
  };
}

function locationRows(runs: ReportRun[], baseline: ReportRun[] | undefined, linksDir: string): LocationRow[] {
  const names = [...new Set(runs.map((r) => r.result.location).filter((l): l is string => l !== undefined))].sort();
  // A location's figures are those of a window of its runs alone.
  const figures = (of: ReportRun[]): LocationFigures => {
    const w = windowStats(of, linksDir);
    return { runs: w.total, successRate: w.successRate, completeP50: w.events.find((e) => e.name === FINAL_COMPLETED)?.p50 ?? null };
  };
  return names.map((location) => {
    const mine = (w: ReportRun[]) => w.filter((r) => r.result.location === location);
    return { location, after: figures(mine(runs)), before: baseline === undefined ? null : figures(mine(baseline)) };
  });
}

// ---- one window ------------------------------------------------------------------------------------

function windowStats(runs: ReportRun[], linksDir: string): WindowStats {
  const rows = runs.map((r, i) => runRow(r, i + 1, linksDir));
  const count = (s: Status) => rows.filter((r) => r.status === s).length;
  const [passed, degraded, failed, errored] = [count('pass'), count('degraded'), count('fail'), count('error')];
  const total = rows.length;
  const verdict: WindowVerdict =
    total === 0 ? 'NO RUNS' : failed + errored > 0 ? 'FAIL' : degraded > 0 ? 'DEGRADED' : 'PASS';
  const byClass = new Map<FailureClass, number>();
  for (const r of rows) {
    if ((r.status === 'fail' || r.status === 'error') && r.class !== null)
      byClass.set(r.class, (byClass.get(r.class) ?? 0) + 1);
  }
  return {
    runs: rows,
    total,
    passed,
    degraded,
    failed,
    errored,
    successRate: total === 0 ? null : (passed + degraded) / total,
    verdict,
    from: rows[0]?.startedAt ?? null,
    to: rows[rows.length - 1]?.startedAt ?? null,
    checks: checkRows(runs),
    events: eventRows(runs),
    failuresByClass: [...byClass]
      .map(([cls, n]) => ({ class: cls, count: n }))
      .sort((a, b) => b.count - a.count || a.class.localeCompare(b.class)),
  };
}

function runRow(run: ReportRun, index: number, linksDir: string): RunRow {
  const r = run.result;
  const v = r.verdict;
  const kinds = run.evidence ?? (Object.keys(EVIDENCE_FILES) as EvidenceKind[]);
  return {
    index,
    startedAt: r.startedAt,
    durationMs: Math.round(r.durationMs),
    status: v.status,
    class: v.class,
    message: v.message,
    decidingCheck: decidingCheck(r)?.name ?? null,
    firstEventMs: v.timings.firstEventMs,
    completeMs: v.timings.completeMs,
    answerVisibleMs: v.timings.answerVisibleMs ?? null,
    target: targetName(r.target),
    version: r.target.version ?? null,
    links: (Object.keys(EVIDENCE_FILES) as EvidenceKind[])
      .filter((k) => kinds.includes(k))
      .map((kind) => ({
        kind,
        label: kind === 'html' ? 'html report' : evidenceFileOf(kind, r),
        href: linkTo(linksDir, run.runDir, evidenceFileOf(kind, r)),
      })),
    trace: r.traceId === undefined ? null : { id: r.traceId, ...(r.traceUrl === undefined ? {} : { url: r.traceUrl }) },
  };
}

/** The check a reader looks at first: the failing check of the verdict's class, else the first that did not pass. */
export function decidingCheck(r: RunResult): Check | null {
  return decidingCheckOf(r.verdict) ?? null;
}

function linkTo(fromDir: string, runDir: string, file: string): string {
  const rel = relative(fromDir, runDir).split(sep).join('/');
  return posix.join(rel === '' ? '.' : rel, file);
}

/**
 * Checks the judge adds only when they fail: message-sent is there only when the probe never sent. A run
 * that sent its message has no such check, and passed it: counting it as "not judged" would read as if
 * messages were never sent.
 */
const ONLY_WHEN_FAILING: Record<string, (run: ReportRun) => boolean> = { 'message-sent': (run) => run.result.sentAt !== null };

function checkRows(runs: ReportRun[]): CheckRow[] {
  // Every check name any run reported, in the order the judge lists them (first appearance wins).
  const rows = new Map<string, CheckRow>();
  for (const run of runs) {
    for (const c of run.result.verdict.checks) {
      if (!rows.has(c.name))
        rows.set(c.name, { name: c.name, class: c.class, pass: 0, warn: 0, fail: 0, notJudged: 0, last: null });
    }
  }
  runs.forEach((run, i) => {
    for (const row of rows.values()) {
      const c = run.result.verdict.checks.find((x) => x.name === row.name);
      if (c === undefined) {
        if (ONLY_WHEN_FAILING[row.name]?.(run)) row.pass++;
        else row.notJudged++;
        continue;
      }
      row[c.status]++;
      if (c.status !== 'pass' && (c.status === 'fail' || row.last?.status !== 'fail')) {
        row.last = { run: i + 1, status: c.status, seen: c.seen, expected: c.expected };
      }
    }
  });
  return [...rows.values()];
}

function eventRows(runs: ReportRun[]): EventRow[] {
  const required = requiredEvents(defaultContract);
  const seenTypes: string[] = [];
  for (const run of runs)
    for (const e of run.result.verdict.events) if (!seenTypes.includes(e.type)) seenTypes.push(e.type);
  const types = [...required, ...seenTypes.filter((t) => !required.includes(t))];
  const rows: EventRow[] = types.map((type) => ({
    name: type,
    required: required.includes(type),
    ...distribution(runs.map((run) => run.result.verdict.events.find((e) => e.type === type)?.firstSeenMs ?? null)),
  }));
  // The number a reviewer wants most: how long the whole run took, send to the final agent_completed.
  const finalRow: EventRow = {
    name: FINAL_COMPLETED,
    required: true,
    ...distribution(runs.map((run) => run.result.verdict.timings.completeMs)),
  };
  // And the wait a person feels: until the answer showed in the page.
  const answerRow: EventRow = {
    name: ANSWER_VISIBLE,
    required: true,
    ...distribution(runs.map((run) => run.result.verdict.timings.answerVisibleMs ?? null)),
  };
  // Runs of several turns: each turn's own, so that a slow follow-up is not averaged away (a run without that turn: not seen).
  const turns = Math.max(0, ...runs.map((run) => run.result.turns?.length ?? 0));
  const turnRows: EventRow[] = Array.from({ length: turns }, (_, i) => i + 1).flatMap((n) => {
    const timings = (run: ReportRun) => run.result.turns?.find((t) => t.turn === n)?.verdict.timings;
    return [
      { name: `turn ${n}: ${FINAL_COMPLETED}`, required: false, ...distribution(runs.map((run) => timings(run)?.completeMs ?? null)) },
      { name: `turn ${n}: ${ANSWER_VISIBLE}`, required: false, ...distribution(runs.map((run) => timings(run)?.answerVisibleMs ?? null)) },
    ];
  });
  rows.splice(required.length, 0, finalRow, answerRow, ...turnRows);
  return rows;
}

/** n, the nearest-rank percentiles, min and max of per-run values (null: not seen in that run). */
export function distribution(perRun: Array<number | null>): Distribution {
  const values = perRun.flatMap((ms, i) => (ms === null ? [] : [{ run: i + 1, ms: Math.round(ms) }]));
  const sorted = values.map((v) => v.ms).sort((a, b) => a - b);
  return {
    n: sorted.length,
    missing: perRun.length - sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    values,
  };
}

/** Nearest-rank percentile of ascending values: the smallest value with at least p% of the values at or below it. */
export function percentile(sortedAsc: number[], p: number): number | null {
  if (sortedAsc.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[Math.min(rank, sortedAsc.length) - 1] ?? null;
}

function pickRepresentative(
  runs: ReportRun[],
  rows: RunRow[],
  role: 'representative' | 'baseline',
): TimelinePick | null {
  let index = -1;
  for (let i = runs.length - 1; i >= 0 && index < 0; i--) {
    const s = rows[i]?.status;
    if (s === 'fail' || s === 'error') index = i;
  }
  const failing = index >= 0;
  if (!failing) index = runs.length - 1;
  const run = runs[index];
  const row = rows[index];
  if (run === undefined || row === undefined) return null;
  const which = role === 'baseline' ? 'baseline' : 'window';
  const caption = failing
    ? `${role === 'baseline' ? 'Before: the' : 'The'} last failing run of the ${which} (#${row.index}), ${describeStatus(row)}.`
    : `${role === 'baseline' ? 'Before: the' : 'The'} last run of the ${which} (#${row.index}), ${describeStatus(row)}; no run of the ${which} failed.`;
  return { role, caption, run: row, result: run.result };
}

function describeStatus(row: RunRow): string {
  return `${row.status.toUpperCase()}${row.class ? ` (${row.class})` : ''}, started ${row.startedAt}`;
}

// ---- before vs after -------------------------------------------------------------------------------

function compare(before: WindowStats, after: WindowStats): BeforeAfterRow[] {
  const rows: BeforeAfterRow[] = [
    row('runs', 'count', before.total, after.total, 0),
    row('success rate (pass or degraded)', 'rate', before.successRate, after.successRate, 1),
  ];
  for (const name of [...requiredEvents(defaultContract), FINAL_COMPLETED, ANSWER_VISIBLE]) {
    const b = before.events.find((e) => e.name === name);
    const a = after.events.find((e) => e.name === name);
    rows.push(row(`${name} p50`, 'ms', b?.p50 ?? null, a?.p50 ?? null, -1));
    rows.push(row(`${name} p95`, 'ms', b?.p95 ?? null, a?.p95 ?? null, -1));
  }
  const classes = [...new Set([...before.failuresByClass, ...after.failuresByClass].map((f) => f.class))].sort();
  const failedRuns = (w: WindowStats) => w.failed + w.errored;
  rows.push(row('failed runs', 'count', failedRuns(before), failedRuns(after), -1));
  for (const cls of classes) {
    const n = (w: WindowStats) => w.failuresByClass.find((f) => f.class === cls)?.count ?? 0;
    rows.push(row(`failures: ${cls}`, 'count', n(before), n(after), -1));
  }
  return rows;
}

/** `better` is the sign of the delta that is an improvement: 1 higher is better, -1 lower is better, 0 neutral. */
function row(
  metric: string,
  unit: BeforeAfterRow['unit'],
  before: number | null,
  after: number | null,
  better: 1 | -1 | 0,
): BeforeAfterRow {
  if (before === null || after === null) return { metric, unit, before, after, delta: null, direction: 'n/a' };
  // Rates compare in whole tenths of a percentage point, so that float noise never reads as a change.
  const delta = unit === 'rate' ? Math.round((after - before) * 1000) / 10 : after - before;
  const direction: Direction =
    better === 0 || delta === 0 ? (delta === 0 ? 'same' : 'n/a') : Math.sign(delta) === better ? 'better' : 'worse';
  return { metric, unit, before, after, delta, direction };
}

// The I/O of the validation report: reading runs from a report folder, writing report.html, report.md and
// timeline.svg. Everything that decides what the report says is in the pure model and renderers.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RESULT_FILE, type RunResult } from '../result';
import { journeyOf } from '../../config/journey';
import { targetName } from '../target-name';
import {
  buildReportModel,
  EVIDENCE_FILES,
  evidenceFileOf,
  type EvidenceKind,
  type ReportRun,
  type ValidationReportInput,
} from './model';
import { renderHtml } from './render-html';
import { renderMarkdown, TIMELINE_SVG_FILE } from './render-md';
import { timelineSvg, xml } from './timeline-svg';

export const REPORT_HTML_FILE = 'report.html';
export const REPORT_MD_FILE = 'report.md';

export interface LoadSelection {
  /** Runs that started at or after this time. */
  since?: Date;
  /** Runs that started before this time (exclusive, so that a before and an after window never share a run). */
  until?: Date;
  /** Only the newest N runs of what is left. */
  last?: number;
  /** Only the runs of this target (targetName: an app URL, or the embedded reference). */
  target?: string;
  /** Only the runs of this journey (`golden-path`, or one of PROBE_JOURNEYS). */
  journey?: string;
}

/**
 * Writes report.html, report.md and timeline.svg (the representative run) into `dir`, creating it. Evidence
 * links are made relative to `dir`, where the report is: `input.links` is taken as that folder only when the
 * caller gives one other than `dir` on purpose (a report moved after writing); `'relative-to'` means `dir`.
 */
export async function writeValidationReport(
  dir: string,
  input: ValidationReportInput,
): Promise<{ html: string; markdown: string; svg: string }> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const links = input.links === 'relative-to' || input.links === '' ? out : resolve(input.links);
  const model = buildReportModel({ ...input, links });
  const paths = {
    html: join(out, REPORT_HTML_FILE),
    markdown: join(out, REPORT_MD_FILE),
    svg: join(out, TIMELINE_SVG_FILE),
  };
  const picture = model.representative
    ? timelineSvg(model.representative.result)
    : emptySvg('No runs in the window: no timeline.');
  await writeFile(paths.svg, picture);
  await writeFile(paths.markdown, renderMarkdown(model));
  await writeFile(paths.html, renderHtml(model));
  return paths;
}

/**
 * The runs under a report folder (`<reportDir>/<timestamp>/result.json`), oldest first by `startedAt`, within
 * the selection. `latest` (a link to the newest run) and hidden folders are skipped; so is any folder whose
 * result.json is missing or unreadable: `onSkip` hears which and why, nothing throws.
 */
export function loadRuns(
  reportDir: string,
  select: LoadSelection = {},
  onSkip?: (runDir: string, reason: string) => void,
): ReportRun[] {
  const root = resolve(reportDir);
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'latest' && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    onSkip?.(root, `cannot read the folder: ${(err as Error).message}`);
    return [];
  }
  const runs: Array<ReportRun & { started: number }> = [];
  for (const name of names) {
    const runDir = join(root, name);
    const file = join(runDir, RESULT_FILE);
    if (!existsSync(file)) {
      onSkip?.(runDir, `no ${RESULT_FILE}`);
      continue;
    }
    let result: RunResult;
    try {
      result = JSON.parse(readFileSync(file, 'utf8')) as RunResult;
    } catch (err) {
      onSkip?.(runDir, `${RESULT_FILE} is not readable JSON: ${(err as Error).message}`);
      continue;
    }
    const problem = shapeProblem(result);
    if (problem) {
      onSkip?.(runDir, `${RESULT_FILE} ${problem}`);
      continue;
    }
    const started = Date.parse(result.startedAt);
    if (select.since && started < select.since.getTime()) continue;
    if (select.until && started >= select.until.getTime()) continue;
    if (select.target !== undefined && targetName(result.target) !== select.target) continue;
    if (select.journey !== undefined && journeyOf(result) !== select.journey) continue;
    const evidence = (Object.keys(EVIDENCE_FILES) as EvidenceKind[]).filter((k) =>
      existsSync(join(runDir, evidenceFileOf(k, result))),
    );
    runs.push({ result, runDir, evidence, started });
  }
  runs.sort((a, b) => a.started - b.started || a.runDir.localeCompare(b.runDir));
  const kept =
    select.last !== undefined ? runs.slice(Math.max(0, runs.length - Math.max(0, Math.floor(select.last)))) : runs;
  return kept.map(({ result, runDir, evidence }) => ({ result, runDir, evidence }));
}

/** What makes a parsed result.json unusable here, or null. Only what the report reads is checked. */
function shapeProblem(r: unknown): string | null {
  if (typeof r !== 'object' || r === null) return 'is not an object';
  const o = r as Partial<RunResult>;
  if (o.schemaVersion !== 1) return `has schemaVersion ${JSON.stringify(o.schemaVersion)}, not 1`;
  if (typeof o.startedAt !== 'string' || Number.isNaN(Date.parse(o.startedAt))) return 'has no valid startedAt';
  const v = o.verdict;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.status !== 'string' ||
    !Array.isArray(v.checks) ||
    !Array.isArray(v.events) ||
    typeof v.timings !== 'object' ||
    v.timings === null
  ) {
    return 'has no verdict';
  }
  if (typeof o.durationMs !== 'number') return 'has no durationMs';
  if (!Array.isArray(o.timeline) || !Array.isArray(o.sockets)) return 'has no timeline or sockets';
  if (typeof o.target !== 'object' || o.target === null) return 'has no target';
  return null;
}

function emptySvg(text: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 480 60" width="480" height="60" font-family="system-ui, sans-serif" font-size="13">\n` +
    `<title>${xml(text)}</title>\n<rect width="480" height="60" fill="#FFFFFF"/>\n<text x="240" y="34" text-anchor="middle" fill="#57606A">${xml(text)}</text>\n</svg>\n`
  );
}

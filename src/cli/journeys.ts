// A team's journeys (PROBE_JOURNEYS): the tests of its folder, as Playwright itself lists them (`--list`),
// each then run as a run of its own, picked by `--test-list` (its file and its exact title, no pattern), so
// that every journey has its own result.json, reports, history row, alert state and metrics.
//
// A journey's spec imports `golden-path-probe/playwright` from wherever its folder is: the CLI hands the
// Playwright processes a NODE_PATH with this package (a link to it) and the modules it runs with, so one copy
// of @playwright/test serves the probe and the journeys.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { journeyName } from '../config/journey';

export interface Journey {
  /** Its name in every report, the history and the metrics (journeyName of its titles). */
  name: string;
  /** Its spec file, relative to the journeys' folder, and the test's titles (describe blocks first). */
  file: string;
  titles: string[];
}

/** How long listing the journeys may take (Playwright loads every spec file of the folder). */
const LIST_TIMEOUT_MS = 60_000;

/** Playwright's JSON report of `--list`, as much of it as the listing reads. */
interface ListedSuite {
  title: string;
  file?: string;
  specs?: Array<{ title: string; file: string }>;
  suites?: ListedSuite[];
}
interface ListReport {
  config?: { rootDir?: string };
  suites?: ListedSuite[];
  errors?: Array<{ message?: string }>;
}

/**
 * Lists the journeys of `dir` by running `playwright test --list`: their names, files and titles; or what is
 * wrong (a spec that does not load, no test, two journeys of one name), said so that it can be fixed.
 */
export async function listJourneys(dir: string, runner: (args: string[]) => Promise<{ stdout: string; ended: string }>): Promise<{ journeys: Journey[] } | { problem: string }> {
  const { stdout, ended } = await runner(['--list', '--reporter=json']);
  let report: ListReport;
  try {
    report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as ListReport;
  } catch {
    return { problem: `the journeys in ${dir} could not be listed (Playwright ended with ${ended}); its output above says why` };
  }
  // Playwright reports a folder without tests as an error of its own: that is the "no journey" below.
  const errors = (report.errors ?? []).map((e) => (e.message ?? '').split('\n')[0]!).filter((m) => m !== '' && !/No tests found/.test(m));
  if (errors.length > 0) return { problem: `the journeys in ${dir} do not load: ${errors.join('; ')}` };
  const root = report.config?.rootDir ?? dir;
  const journeys: Journey[] = [];
  const walk = (suite: ListedSuite, titles: string[]) => {
    for (const spec of suite.specs ?? []) {
      const all = [...titles, spec.title];
      journeys.push({ name: journeyName(all), file: relative(dir, join(root, spec.file)), titles: all });
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  // The top suites are the files: their titles are not the journey's.
  for (const file of report.suites ?? []) walk(file, []);
  if (journeys.length === 0)
    return { problem: `no journey in ${dir}: a journey is a test in a *.spec.ts (or *.test.ts) file that uses golden-path-probe/playwright (README: Your own journeys)` };
  const names = new Map<string, Journey[]>();
  for (const j of journeys) names.set(j.name, [...(names.get(j.name) ?? []), j]);
  const clashes = [...names].filter(([, same]) => same.length > 1);
  if (clashes.length > 0)
    return {
      problem: `two journeys would have one name, and their history would mix: ${clashes.map(([name, same]) => `${name} (${same.map((j) => `${j.file} › ${j.titles.join(' › ')}`).join(', ')})`).join('; ')}; give them titles of their own`,
    };
  return { journeys };
}

/** The file `--test-list` reads: the one journey's file and titles, exactly (Playwright's own format). */
export function writeTestList(file: string, journey: Journey): void {
  writeFileSync(file, `${[journey.file.split('\\').join('/'), ...journey.titles].join(' › ')}\n`);
}

/**
 * The NODE_PATH under which a journey anywhere finds `golden-path-probe/playwright` (a link to this package, in
 * a folder of its own, removed when the process ends) and the modules the probe runs with.
 */
export function journeysNodePath(projectRoot: string, existing: string | undefined): string {
  const folder = mkdtempSync(join(tmpdir(), 'golden-path-probe-modules-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  symlinkSync(projectRoot, join(folder, 'golden-path-probe'), 'dir');
  return [folder, join(projectRoot, 'node_modules'), ...(existing ? [existing] : [])].join(delimiter);
}

/** Runs Playwright's CLI with `args`, bounded, collecting its standard output (the listing's JSON). */
export function collectPlaywright(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; ended: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'test', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIST_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ stdout, ended: `an error: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, ended: signal ? `signal ${signal}${signal === 'SIGKILL' ? ` (not listed within ${LIST_TIMEOUT_MS} ms)` : ''}` : `code ${code}` });
    });
  });
}

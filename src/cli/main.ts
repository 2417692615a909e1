// The `golden-path-probe` command. Each command validates the configuration first (exit 2 when the probe
// could not judge), then: `run` checks the target's health over HTTP, runs the browser probe through
// Playwright with playwright.config.ts and exits by the verdict in result.json: 0 pass or degraded,
// 1 fail, 2 error. `diagnose` adds the browserless protocol probe and says where the golden path broke.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadDotenv } from '../config/dotenv';
import { BUILT_IN_JOURNEY, journeyLabel, journeyOf } from '../config/journey';
import { budgetsOf, journeysTestTimeoutMs, loadConfig, probeTestTimeoutMs, type ProbeConfig } from '../config/load';
import { formatDuration, parseDuration } from '../config/duration';
import type { GateRun, VersionCheck } from '../ops/validate';
import { RESULT_FILE, type RunResult } from '../report/result';
import { targetLine, targetName } from '../report/target-name';
import { markLatest, newRunDir, writtenFiles } from '../report/run-dir';
import { optionsHelp, parseArgs } from './flags';
import { COMMAND_HELP } from './help';
import type { Journey } from './journeys';
import { BROWSER_MISSING_EXIT, RUNNER_ENV } from './runner-env';

/* eslint-disable @typescript-eslint/no-require-imports -- loading on demand, see below */
// What only some commands or some runs need is loaded when they need it: `--help` and `run` do not pay for
// Playwright's API (about half a second: `run` leaves finding the browser to the Playwright runner, which
// loads it anyway), the history, the validation report or the protocol probe. `require`, not `import()`:
// tsx runs this file as CommonJS, where `import()` of a .ts file fails.
const lazy = {
  playwright: (): typeof import('@playwright/test') => require('@playwright/test'),
  login: (): typeof import('../auth/login') => require('../auth/login'),
  token: (): typeof import('../auth/token') => require('../auth/token'),
  browser: (): typeof import('../browser/resolve') => require('../browser/resolve'),
  afterRun: (): typeof import('../ops/after-run') => require('../ops/after-run'),
  history: (): typeof import('../ops/history') => require('../ops/history'),
  loop: (): typeof import('../ops/loop') => require('../ops/loop'),
  validate: (): typeof import('../ops/validate') => require('../ops/validate'),
  diagnose: (): typeof import('../protocol/diagnose') => require('../protocol/diagnose'),
  protocolProbe: (): typeof import('../protocol/protocol-probe') => require('../protocol/protocol-probe'),
  redact: (): typeof import('../redact') => require('../redact'),
  console: (): typeof import('../report/console') => require('../report/console'),
  validationReport: (): typeof import('../report/validation/write') => require('../report/validation/write'),
  earlyResult: (): typeof import('../run/early-result') => require('../run/early-result'),
  github: (): typeof import('../report/github') => require('../report/github'),
  preflightStep: (): typeof import('../run/preflight-step') => require('../run/preflight-step'),
  journeys: (): typeof import('./journeys') => require('./journeys'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** Beyond the probe's own bounds (Playwright's test timeout), the time Playwright itself may take to start and stop. */
const PLAYWRIGHT_OVERHEAD_MS = 120_000;
/** In a journey's run folder: which test the run is (Playwright's --test-list). */
const JOURNEY_FILE = 'journey.txt';

const USAGE = `Usage: golden-path-probe [command] [options]

Commands:
  run                 run the probe once (the default); exit 0 pass or degraded, 1 fail, 2 could not judge;
                      --journeys DIR runs your own journeys instead, a run each (README: Your own journeys)
  diagnose            run the browser probe and the browserless protocol probe, and say where the golden
                      path broke (backend or frontend); needs a target (PROBE_APP_URL)
  validate            the pre-release gate: --runs N [--require M] [--expect-version V --version-url URL
                      --version-field PATH] [--junit FILE]; exit 0 only when the version matches and M of N pass
  history             success rate, failures by class, p50/p95 of each event: [--since 24h] [--by location]
                      [--target URL] [--journey NAME]
  report              the post-remediation validation report (HTML + Markdown): [--since T | --last N]
                      [--baseline T1..T2] [--target URL] [--journey NAME] [--title "..."] [--out DIR]; T is a
                      time (ISO) or a duration ago (24h)
  COMMAND --help      that command's own help
  login --save FILE   log in with the configured strategy and save the browser's storage state to FILE,
                      for PROBE_STORAGE_STATE
  reference [flags]   start the embedded reference staging and print its URLs (reference --help)
  install-browser     find a Chromium, installing one where this machine allows
  help                this text

Options (flag > environment > .env > profile > default):
${optionsHelp()}
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help || args.command === 'help') {
    // Each command its own help; the settings (every flag and variable) with `--help` alone or `run --help`.
    console.log(COMMAND_HELP[args.command] ?? USAGE);
    return EXIT.pass;
  }
  if (args.problems.length) return usageError(args.problems);
  loadDotenv();
  // The child processes (Playwright) get the same settings: flags become variables over the environment.
  const env: NodeJS.ProcessEnv = { ...process.env, ...args.vars };
  switch (args.command) {
    case 'run':
      return withConfig(env, (config) => (config.everyMs ? loop(config, env, config.everyMs) : singleRun(config, env)));
    case 'validate':
      return withConfig(env, (config) => untilSignal((stop) => validateCommand(config, env, args.options, stop)));
    case 'history':
      return withConfig(env, (config) => historyCommand(config, args.options));
    case 'report':
      return withConfig(env, (config) => reportCommand(config, args.options));
    case 'diagnose':
      return withConfig(env, (config) => diagnoseCommand(config, env));
    case 'login': {
      const file = args.options['--save'];
      if (!file) return usageError(['login needs --save FILE']);
      return withConfig(env, (config) => saveLogin(config, file));
    }
    case 'install-browser': {
      const browser = lazy.browser().ensureBrowser(env.PROBE_BROWSER_PATH, (l) => console.log(l));
      if ('error' in browser) return fatal(browser.error);
      console.log(`Chromium: ${browser.executablePath ?? "Playwright's own"} (${browser.source})`);
      return EXIT.pass;
    }
    default:
      return usageError([`unknown command "${args.command}"`]);
  }
}

async function withConfig(env: NodeJS.ProcessEnv, body: (config: ProbeConfig) => Promise<number>): Promise<number> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    console.error('golden-path-probe: the configuration has problems; nothing was started:');
    for (const p of loaded.problems) console.error(`  - ${p}`);
    return EXIT.error;
  }
  return body(loaded.config);
}

interface RunOutcome {
  code: number;
  result?: RunResult;
  runDir: string;
}

/**
 * One run, stopped cleanly by SIGTERM or SIGINT: the Playwright child and its browser are stopped, the run's
 * result.json says `error` ("interrupted"), history and `latest` are written, and the exit is 2. (The loop
 * has its own handling: it finishes the run under way, then stops.)
 */
function singleRun(config: ProbeConfig, env: NodeJS.ProcessEnv): Promise<number> {
  return untilSignal(async (stop) => {
    const outcomes = await runJourneys(config, env, stop);
    // A job summary and a workflow command a run (each journey's).
    for (const o of outcomes) {
      if (o.result && inGitHubActions(env)) {
        const { runSummary, workflowCommand } = lazy.github();
        toGitHub(env, runSummary(o.result, o.runDir), workflowCommand(o.result));
      }
    }
    return stop.aborted ? EXIT.error : worstCode(outcomes);
  });
}

/** Of several runs (journeys), the exit code of the worst: could not judge (2) over fail (1) over pass (0). */
function worstCode(outcomes: RunOutcome[]): number {
  return Math.max(...outcomes.map((o) => o.code));
}

/**
 * The built-in golden path's run; or, with PROBE_JOURNEYS, a run for each journey of the folder, one after the
 * other, each with every report, its history row, alert state and metrics; then a line a journey.
 */
async function runJourneys(config: ProbeConfig, env: NodeJS.ProcessEnv, stop?: AbortSignal): Promise<RunOutcome[]> {
  if (config.journeys === null) return [await run(config, env, stop)];
  const journeysEnv = { ...env, NODE_PATH: journeysNodePath(env) };
  const { listJourneys, collectPlaywright } = lazy.journeys();
  const listed = await listJourneys(config.journeys, (args) =>
    collectPlaywright(require.resolve('@playwright/test/cli'), [...args, '--config', join(PROJECT_ROOT, 'playwright.config.ts')], { ...journeysEnv, [RUNNER_ENV.listing]: '1' }),
  );
  if ('problem' in listed) return [{ code: fatal(listed.problem), runDir: '' }];
  const outcomes: Array<RunOutcome & { journey: string }> = [];
  for (const journey of listed.journeys) {
    if (stop?.aborted) break;
    console.log(`golden-path-probe: journey ${journey.name} (${journey.file})`);
    const outcome = await run({ ...config, journey: journey.name }, { ...journeysEnv, [RUNNER_ENV.journey]: journey.name }, stop, journey);
    outcomes.push({ ...outcome, journey: journey.name });
  }
  if (outcomes.length > 1) {
    console.log(`golden-path-probe: ${outcomes.length} journeys:`);
    for (const o of outcomes) {
      const v = o.result?.verdict;
      console.log(`  ${journeyLabel(o.journey)}: ${(v?.status ?? 'error').toUpperCase()}${v?.class ? ` [${v.class}]` : ''}  ${o.runDir}`);
    }
  }
  return outcomes;
}

let nodePath: string | undefined;
/** The NODE_PATH of the journeys' Playwright processes (journeys.ts), made once a process. */
function journeysNodePath(env: NodeJS.ProcessEnv): string {
  nodePath ??= lazy.journeys().journeysNodePath(PROJECT_ROOT, env.NODE_PATH);
  return nodePath;
}

/** In GitHub Actions (or wherever GITHUB_STEP_SUMMARY is set): a job summary and a workflow command. */
function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true' || Boolean(env.GITHUB_STEP_SUMMARY);
}

/** Prints the workflow command (GitHub reads it from the output) and appends the Markdown to the job summary. */
function toGitHub(env: NodeJS.ProcessEnv, markdown: string, command: string | undefined): void {
  if (command) console.log(command);
  if (!env.GITHUB_STEP_SUMMARY) return;
  try {
    appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
  } catch (err) {
    console.error(`golden-path-probe: the job summary (GITHUB_STEP_SUMMARY) was not written: ${(err as Error).message}`);
  }
}

/** Runs `body` with a signal that SIGTERM or SIGINT aborts (its reason: the signal's name). */
async function untilSignal(body: (stop: AbortSignal) => Promise<number>): Promise<number> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    console.error(`golden-path-probe: ${signal}: stopping the run`);
    stop.abort(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await body(stop.signal);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function run(config: ProbeConfig, env: NodeJS.ProcessEnv, stop?: AbortSignal, journey?: Journey): Promise<RunOutcome> {
  let runDir: string;
  try {
    runDir = newRunDir(config.reportDir, new Date(), journey?.name);
  } catch (err) {
    return { code: fatal(`cannot create a run folder under PROBE_REPORT_DIR=${config.reportDir}: ${(err as Error).message}`), runDir: '' };
  }
  const startedAt = new Date();
  // What is probed comes first: a run of the embedded reference must never pass for a run of the staging.
  console.log(targetLine(config));
  // The history is opened, its schema migrated, before the browser starts: one that cannot be reached is said
  // now, with where it is; the run goes on and writes its files, and exits 2 (its record is lost).
  const historyDown = config.historyDb ? await lazy.afterRun().openHistoryProblem(config.historyDb, config.historySchema) : undefined;
  if (historyDown) console.error(`golden-path-probe: history: ${historyDown}; the run goes on, and exits 2`);
  // When the signal came: a verdict written after it is of a run the stop itself broke (its browser closed).
  let signalledAt = Infinity;
  stop?.addEventListener('abort', () => (signalledAt = Date.now()), { once: true });
  let outcome = await judgedRun(config, env, runDir, startedAt, stop, journey);
  if (stop?.aborted) {
    await lazy.earlyResult().writeInterrupted(config, runDir, stop.reason as NodeJS.Signals, startedAt, signalledAt);
    outcome = readOutcome(runDir, true);
  }
  // A run that could not even start (no browser, no result) has nothing to record.
  if (outcome.result) {
    const after = await lazy.afterRun().afterRun(historyDown ? { ...config, historyDb: null } : config, outcome.result, runDir, (line) => console.log(`  ${line}`));
    if (historyDown || after.historyProblem) outcome = { ...outcome, code: EXIT.error };
  }
  console.log(`  latest: ${markLatest(runDir)}`);
  return outcome;
}

/** Preflight, then the browser probe; the verdict from the run's result.json. */
async function judgedRun(config: ProbeConfig, env: NodeJS.ProcessEnv, runDir: string, startedAt: Date, stop?: AbortSignal, journey?: Journey): Promise<RunOutcome> {
  // The embedded reference is started later, by Playwright: there is nothing to check before.
  if (config.preflight && !config.embedded) {
    const { runPreflight, writePreflightFailure } = lazy.preflightStep();
    const checked = await runPreflight(config, runDir);
    if (!checked.ok) {
      await writePreflightFailure(config, runDir, checked, startedAt);
      return readOutcome(runDir, true);
    }
  }
  // The Playwright runner finds the browser (it loads Playwright anyway) and hands it to its worker. When it
  // finds none it stops at once, and the browser is installed here, outside the run's time bound.
  const childEnv: NodeJS.ProcessEnv = { ...env, PROBE_RUN_DIR: runDir, [RUNNER_ENV.underCli]: '1' };
  delete childEnv[RUNNER_ENV.browser];
  // A journey's turns are in its code: its bound is the most a journey may do.
  const limitMs = (journey ? journeysTestTimeoutMs(config) : probeTestTimeoutMs(config)) + PLAYWRIGHT_OVERHEAD_MS;
  // One journey a run: its file and exact title, in Playwright's own test-list format.
  const args: string[] = [];
  if (journey) {
    const list = join(runDir, JOURNEY_FILE);
    lazy.journeys().writeTestList(list, journey);
    args.push('--test-list', list);
  }
  let ended = await runPlaywright(childEnv, limitMs, stop, args);
  if (ended === `code ${BROWSER_MISSING_EXIT}` && !stop?.aborted) {
    const browser = lazy.browser().ensureBrowser(config.browserPath, (l) => console.error(l));
    if ('error' in browser) return { code: fatal(browser.error), runDir };
    ended = await runPlaywright({ ...childEnv, [RUNNER_ENV.browser]: JSON.stringify(browser) }, limitMs, stop, args);
  }
  if (stop?.aborted) return { code: EXIT.error, runDir };
  const outcome = readOutcome(runDir, false);
  if (!outcome.result) return { code: fatal(`the probe wrote no ${RESULT_FILE} (Playwright ended with ${ended}); its output above says why. Files: ${runDir}`), runDir };
  return outcome;
}

/** Reads the verdict and turns the status into the exit code. */
function readOutcome(runDir: string, printSummary: boolean): RunOutcome {
  let result: RunResult;
  try {
    result = JSON.parse(readFileSync(join(runDir, RESULT_FILE), 'utf8')) as RunResult;
  } catch {
    return { code: EXIT.error, runDir };
  }
  // Inside Playwright the progress reporter already printed the summary.
  if (printSummary) console.log(lazy.console().renderConsole(result, runDir, writtenFiles(runDir)));
  const status = result.verdict.status;
  const code = status === 'pass' || status === 'degraded' ? EXIT.pass : status === 'fail' ? EXIT.fail : EXIT.error;
  return { code, result, runDir };
}

/** Loop mode: a run now and every `everyMs`, never two at once, until SIGTERM or SIGINT. */
async function loop(config: ProbeConfig, env: NodeJS.ProcessEnv, everyMs: number): Promise<number> {
  console.log(`golden-path-probe: a run every ${formatDuration(everyMs)}; SIGTERM or Ctrl+C ends the loop after the current run`);
  const { runs } = await lazy.loop().runLoop({
    everyMs,
    runOnce: async () => {
      await runJourneys(config, env);
    },
    log: (line) => console.log(line),
  });
  console.log(`golden-path-probe: loop ended after ${runs} runs`);
  return EXIT.pass;
}

async function validateCommand(config: ProbeConfig, env: NodeJS.ProcessEnv, options: Record<string, string>, stop: AbortSignal): Promise<number> {
  const runs = Number(options['--runs'] ?? '5');
  const required = Number(options['--require'] ?? String(runs));
  const problems: string[] = [];
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) problems.push(`--runs must be a whole number from 1 to 100, got ${options['--runs']}`);
  if (!Number.isInteger(required) || required < 0 || required > runs) problems.push(`--require must be a whole number from 0 to --runs (${runs}), got ${options['--require']}`);
  const expected = options['--expect-version'];
  if (!expected && (options['--version-url'] || options['--version-field'])) problems.push('--version-url and --version-field go with --expect-version');
  if (problems.length) return usageError(problems);

  if (expected && config.embedded)
    return usageError(['--expect-version needs a target: the embedded reference staging has no release to check; set PROBE_APP_URL to the staging']);

  let version: VersionCheck | undefined;
  if (expected) {
    // Read once, before any run: a URL or field that is wrong is the gate's configuration, never a broken release.
    const url = (options['--version-url'] ?? '{api}/health').replace('{api}', config.apiUrl).replace('{app}', config.appUrl).replace('{auth}', config.authUrl);
    version = await lazy.validate().checkVersion(url, options['--version-field'] ?? 'version', expected, config.preflightTimeoutMs);
    if (version.unreadable) return fatal(`validate: the version could not be read: ${version.detail}; check --version-url and --version-field (no run was made)`);
    console.log(`validate: version: ${version.ok ? 'ok' : 'MISMATCH'}: ${version.detail}`);
  }
  const gateRuns: GateRun[] = [];
  const results: Array<RunResult | undefined> = [];
  // A target on the wrong version fails the gate at once: the runs would validate the wrong build.
  for (let i = 1; i <= runs && (version === undefined || version.ok) && !stop.aborted; i++) {
    const started = Date.now();
    // With journeys, a gate run is every journey once, and passes only when each does: the worst one speaks for it.
    const outcomes = await runJourneys(config, env, stop);
    const worst = outcomes.find((o) => o.code === worstCode(outcomes))!;
    const v = worst.result?.verdict;
    const journey = worst.result?.journey;
    const named = journey === undefined || journey === BUILT_IN_JOURNEY ? '' : `journey ${journey}: `;
    gateRuns.push({ index: i, status: v?.status ?? 'error', class: v ? v.class : 'probe', message: `${named}${v?.message ?? 'no result'}`, durationMs: Date.now() - started, runDir: worst.runDir });
    results.push(worst.result);
    console.log(`validate: run ${i}/${runs}: ${(v?.status ?? 'error').toUpperCase()}${v?.class ? ` [${v.class}]` : ''}${named ? ` (${named.slice(0, -2)})` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (stop.aborted) return fatal(`validate: interrupted by ${String(stop.reason)} after ${gateRuns.length} of ${runs} runs; no gate verdict`);
  const { gate, renderJunit } = lazy.validate();
  const result = gate(gateRuns, required, version);
  const junit = options['--junit'] ?? join(config.reportDir, 'validate-junit.xml');
  mkdirSync(dirname(resolve(junit)), { recursive: true });
  writeFileSync(junit, renderJunit(result, new Date().toISOString()));
  console.log(`${result.message} (${targetLine(config)})`);
  console.log(`  junit: ${junit}`);
  if (inGitHubActions(env)) {
    const { gateCommand, gateSummary } = lazy.github();
    toGitHub(env, gateSummary(result.message, result.ok, gateRuns.map((g, i) => ({ ...g, result: results[i] }))), gateCommand(result.message, result.ok));
  }
  return result.ok ? EXIT.pass : EXIT.fail;
}

async function historyCommand(config: ProbeConfig, options: Record<string, string>): Promise<number> {
  if (!config.historyDb) return fatal('there is no history: PROBE_HISTORY_DB is off');
  const since = options['--since'] ?? '24h';
  let from: number;
  try {
    from = timeOrAgo(since);
  } catch (err) {
    return usageError([`--since: ${(err as Error).message}`]);
  }
  const by = options['--by'];
  if (by !== undefined && by !== 'location') return usageError([`--by takes \`location\`, got ${JSON.stringify(by)}`]);
  const { History, historyStats, renderHistory, renderHistoryByLocation } = lazy.history();
  let history;
  try {
    history = await History.open(config.historyDb, config.historySchema);
  } catch (err) {
    return fatal(`history: ${(err as Error).message}`);
  }
  try {
    const given = options['--target'];
    const runs = (await history.since(from, undefined, options['--journey'])).filter((r) => given === undefined || r.target === given);
    const label = `since ${since}`;
    if (by === 'location') console.log(renderHistoryByLocation(runs, label));
    else {
      // Runs of several targets, or of several journeys, never mix: one table each.
      const series = [...new Set(runs.map((r) => `${r.target}\n${r.journey}`))].map((key) => key.split('\n') as [string, string]);
      const named = (target: string, journey: string) => `${label}, ${target}${journey === BUILT_IN_JOURNEY ? '' : `, journey ${journey}`}`;
      if (series.length === 0) console.log(renderHistory(historyStats(runs), label));
      for (const [target, journey] of series) console.log(renderHistory(historyStats(runs.filter((r) => r.target === target && r.journey === journey)), named(target, journey)));
    }
  } catch (err) {
    return fatal(`history: ${(err as Error).message}`);
  } finally {
    await history.close();
  }
  return EXIT.pass;
}

async function reportCommand(config: ProbeConfig, options: Record<string, string>): Promise<number> {
  const problems: string[] = [];
  const parse = (flag: string, text: string): number | undefined => {
    try {
      return timeOrAgo(text);
    } catch (err) {
      problems.push(`${flag}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const last = options['--last'] === undefined ? undefined : Number(options['--last']);
  if (last !== undefined && (!Number.isInteger(last) || last < 1)) problems.push(`--last must be a whole number of runs, got ${options['--last']}`);
  const since = options['--since'] === undefined ? undefined : parse('--since', options['--since']);
  let baseline: { since?: Date; until?: Date } | undefined;
  if (options['--baseline'] !== undefined) {
    const [from, to] = options['--baseline'].split('..');
    if (!from || !to) problems.push(`--baseline must be T1..T2 (times or durations ago, e.g. 48h..24h), got ${options['--baseline']}`);
    else {
      const a = parse('--baseline', from);
      const b = parse('--baseline', to);
      if (a !== undefined && b !== undefined) baseline = { since: new Date(a), until: new Date(b) };
    }
  }
  if (problems.length) return usageError(problems);
  const { loadRuns, writeValidationReport } = lazy.validationReport();
  const window = since === undefined ? { last: last ?? 20 } : { since: new Date(since), last };
  // One report is of one target and one journey: those asked for, else the latest run's (the others are named).
  const all = loadRuns(config.reportDir, window);
  const latest = all.at(-1)?.result;
  const one = (what: string, flag: string, given: string | undefined, of: (r: RunResult) => string): string | undefined => {
    if (given !== undefined || latest === undefined) return given;
    const names = [...new Set(all.map((r) => of(r.result)))];
    const chosen = of(latest);
    if (names.length > 1) console.log(`report: the window holds runs of ${names.length} ${what}s; this report is of ${chosen} (the latest run's); the others: ${names.filter((n) => n !== chosen).join(', ')} (${flag} to choose)`);
    return chosen;
  };
  const target = one('target', '--target', options['--target'], (r) => targetName(r.target));
  const journey = one('journey', '--journey', options['--journey'], journeyOf);
  const runs = loadRuns(config.reportDir, { ...window, target, journey });
  if (runs.length === 0)
    return fatal(`no runs to report in ${config.reportDir} for that window${target === undefined ? '' : ` and target ${target}`}${journey === undefined ? '' : `, journey ${journey}`}`);
  const out = options['--out'] ?? join(config.reportDir, `validation-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const written = await writeValidationReport(out, {
    title: options['--title'] ?? (journey === undefined || journey === BUILT_IN_JOURNEY ? 'Golden path validation' : `Journey ${journey}: validation`),
    generatedAt: new Date().toISOString(),
    runs,
    baseline: baseline ? loadRuns(config.reportDir, { ...baseline, target, journey }) : undefined,
    links: out,
  });
  console.log(`report: ${written.html}
        ${written.markdown}`);
  return EXIT.pass;
}

/** An ISO time, or a duration before now (`24h`), as ms since the epoch. */
function timeOrAgo(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new Error(`not a time: ${text}`);
    return t;
  }
  return Date.now() - parseDuration(text);
}

async function diagnoseCommand(config: ProbeConfig, env: NodeJS.ProcessEnv): Promise<number> {
  if (config.embedded)
    return fatal('diagnose needs a target: set PROBE_APP_URL (to try it, start `npm run reference` in another shell and point the probe at it)');
  const browserRun = await run(config, env);
  if (!browserRun.result) return browserRun.code;
  if (browserRun.result.steps.some((s) => s.name === 'preflight' && s.status === 'failed')) {
    console.log('diagnose: the target failed preflight; nothing to compare.');
    return browserRun.code;
  }
  console.log('\ndiagnose: the browserless protocol probe');
  const redactor = new (lazy.redact().Redactor)([config.password, config.bypassKey, config.token]);
  const nonce = randomBytes(6).toString('hex');
  const protocolRun = await lazy.protocolProbe().runProtocolProbe({
    apiUrl: config.apiUrl,
    authUrl: config.authUrl,
    login:
      config.login === 'e2e-bypass'
        ? { kind: 'e2e-bypass', key: config.bypassKey ?? '', email: config.e2eEmail }
        : config.login === 'token'
          ? { kind: 'token', token: config.token ?? '' }
          : { kind: 'password', username: config.username ?? '', password: config.password ?? '' },
    wsAuth: config.wsAuth,
    message: `${config.message} [probe ${nonce}]`,
    nonce,
    stepTimeoutMs: config.stepTimeoutMs,
    completeTimeoutMs: config.completeTimeoutMs,
    finalGraceMs: config.finalGraceMs,
    answerWaitMs: config.renderTimeoutMs,
    budgets: budgetsOf(config),
    contract: config.contract,
    redactor,
    expectAnswer: config.expectAnswer,
  });
  const protocolVerdict = protocolRun.verdict;
  const diagnosis = lazy.diagnose().diagnose(browserRun.result.verdict, protocolVerdict);
  writeFileSync(
    join(browserRun.runDir, 'diagnosis.json'),
    JSON.stringify({ diagnosis, browser: browserRun.result.verdict, protocol: redactor.redactValue(protocolVerdict) }, null, 2) + '\n',
  );
  console.log(`  protocol probe: ${protocolVerdict.status.toUpperCase()}${protocolVerdict.class ? ` [${protocolVerdict.class}]` : ''}  ${redactor.redact(protocolVerdict.message)}`);
  console.log(`  browser probe:  ${browserRun.result.verdict.status.toUpperCase()}${browserRun.result.verdict.class ? ` [${browserRun.result.verdict.class}]` : ''}`);
  console.log(`diagnosis (${diagnosis.blame}): ${redactor.redact(diagnosis.sentence)}`);
  console.log(`  ${join(browserRun.runDir, 'diagnosis.json')}`);
  return diagnosis.blame === 'none' ? EXIT.pass : EXIT.fail;
}

/** `login --save FILE`: one login in a real browser, its storage state written for later runs. */
async function saveLogin(config: ProbeConfig, file: string): Promise<number> {
  if (config.embedded) return fatal('login --save needs a target: set PROBE_APP_URL');
  if (config.login === 'storage-state') return fatal('login --save needs a strategy that logs in: PROBE_LOGIN=form, e2e-bypass or token');
  const choice = lazy.browser().ensureBrowser(config.browserPath, (l) => console.error(l));
  if ('error' in choice) return fatal(choice.error);
  const redactor = new (lazy.redact().Redactor)([config.password, config.bypassKey, config.token]);
  const { login } = lazy.login();
  const browser = await lazy.playwright().chromium.launch({ executablePath: choice.executablePath, args: choice.args });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { userId } = await login(page, { ...config, storageState: undefined }, redactor, false);
    const state = await context.storageState({ path: file });
    const token = state.origins.flatMap((o) => o.localStorage).find((i) => i.name === config.tokenStorageKey)?.value
      ?? state.cookies.find((c) => c.name === config.tokenStorageKey)?.value;
    const expires = token ? lazy.token().tokenExpiresAt(token) : null;
    console.log(`saved the storage state of user ${userId ?? '(unknown)'} to ${file}${expires ? `; its token expires at ${new Date(expires).toISOString()}` : ''}`);
    console.log(`use it with PROBE_STORAGE_STATE=${file}; it holds a token: keep it out of git and of reports`);
    return EXIT.pass;
  } catch (err) {
    console.error(`golden-path-probe: login failed: ${redactor.redact((err as Error).message)}`);
    return EXIT.fail;
  } finally {
    await browser.close();
  }
}

/** After SIGTERM, how long Playwright gets to close its browser before its whole process group is killed. */
const STOP_GRACE_MS = 3000;

/**
 * Runs Playwright on the probe project in a process group of its own; resolves with how it ended. On the
 * timeout or on `stop`, the group gets SIGTERM (Playwright closes its browser), then SIGKILL after
 * STOP_GRACE_MS, so that nothing is left behind.
 */
function runPlaywright(env: NodeJS.ProcessEnv, timeoutMs: number, stop?: AbortSignal, args: string[] = []): Promise<string> {
  const cli = require.resolve('@playwright/test/cli');
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, 'test', '--config', join(PROJECT_ROOT, 'playwright.config.ts'), ...args], { env, stdio: 'inherit', detached: true });
    let killer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    const stopChild = () => {
      if (killer) return;
      signalGroup('SIGTERM');
      killer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
    };
    const timer = setTimeout(() => {
      console.error(`golden-path-probe: Playwright did not finish within ${timeoutMs} ms; stopping it`);
      stopChild();
    }, timeoutMs);
    stop?.addEventListener('abort', stopChild, { once: true });
    if (stop?.aborted) stopChild();
    const done = (how: string) => {
      clearTimeout(timer);
      stop?.removeEventListener('abort', stopChild);
      // Whatever the child left in its group (a browser) goes with it.
      if (killer) {
        clearTimeout(killer);
        signalGroup('SIGKILL');
      }
      resolvePromise(how);
    };
    child.on('error', (err) => done(`an error: ${err.message}`));
    child.on('exit', (code, signal) => done(signal ? `signal ${signal}` : `code ${code}`));
  });
}

function fatal(message: string): number {
  console.error(`golden-path-probe: ${message}`);
  return EXIT.error;
}

function usageError(problems: string[]): number {
  for (const p of problems) console.error(`golden-path-probe: ${p}`);
  console.error('Run `golden-path-probe --help` for the commands and options.');
  return EXIT.error;
}

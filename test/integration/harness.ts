// Fixtures for end-to-end tests of the probe: a reference staging per worker (port 0, no delays), reset
// before each test, and `probe()`, which runs the real CLI (the same entry as `npm run probe`) against it in
// a folder of the test's own and returns the exit code, the output and the result.json it wrote.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from '@playwright/test';
import { test as referenceTest } from './reference-fixture';
import type { RunResult } from '../../src/report/result';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'golden-path-probe.js');
/** A probe run here takes a few seconds; this bound only stops a hung one, and says so. */
const PROBE_RUN_LIMIT_MS = 90_000;

/** Tight bounds so that a fault that makes the probe wait costs seconds, not minutes. */
export const FAST_BOUNDS = {
  PROBE_STEP_TIMEOUT_MS: '10000',
  PROBE_FIRST_EVENT_WARN_MS: '4000',
  PROBE_FIRST_EVENT_TIMEOUT_MS: '8000',
  PROBE_COMPLETE_WARN_MS: '6000',
  PROBE_COMPLETE_TIMEOUT_MS: '8000',
  PROBE_RENDER_TIMEOUT_MS: '3000',
  PROBE_FINAL_GRACE_MS: '500',
};

export interface ProbeOutcome {
  code: number | null;
  output: string;
  /** The run's folder (reports/latest resolved), undefined when the probe wrote none. */
  runDir?: string;
  result?: RunResult;
}

/** A probe CLI under way: its process, its folder, and its outcome once it exits. */
export interface RunningProbe {
  child: ChildProcess;
  cwd: string;
  exited: Promise<ProbeOutcome>;
}

interface Fixtures {
  /** Runs the probe CLI with these variables (on top of a clean environment) and waits for it to exit. */
  probe: (env: Record<string, string>, args?: string[]) => Promise<ProbeOutcome>;
  /** Starts the probe CLI like `probe` without waiting: for tests that signal it. */
  startProbe: (env: Record<string, string>, args?: string[]) => RunningProbe;
  /** The variables that point the probe at this worker's reference staging. */
  target: Record<string, string>;
}

export const test = referenceTest.extend<Fixtures>({
  target: async ({ staging }, use) => {
    await use({ PROBE_APP_URL: staging.appUrl, PROBE_API_URL: staging.apiUrl, PROBE_AUTH_URL: staging.authUrl });
  },
  probe: async ({}, use, testInfo) => {
    await use((env, args = ['run']) => startProbe(testInfo.outputPath('probe'), env, args).exited);
  },
  startProbe: async ({}, use, testInfo) => {
    await use((env, args = ['run']) => startProbe(testInfo.outputPath('probe'), env, args));
  },
});

export { expect };

function startProbe(cwd: string, extraEnv: Record<string, string>, args: string[]): RunningProbe {
  // A clean environment: the developer's own PROBE_* variables and .env must not leak into a test.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CI: process.env.CI, ...FAST_BOUNDS, ...extraEnv };
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<ProbeOutcome>((resolvePromise, reject) => {
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the probe did not exit within ${PROBE_RUN_LIMIT_MS} ms; output so far:\n${output}`));
    }, PROBE_RUN_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const latest = join(cwd, extraEnv.PROBE_REPORT_DIR ?? 'reports', 'latest');
      const resultFile = join(latest, 'result.json');
      const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult) : undefined;
      resolvePromise({ code, output, runDir: result ? latest : undefined, result });
    });
  });
  return { child, cwd, exited };
}

/** A one-line description of an outcome, for assertion messages. */
export function describe(o: ProbeOutcome): string {
  return `exit ${o.code}; ${o.result ? `${o.result.verdict.status} ${o.result.verdict.class ?? ''}: ${o.result.verdict.message}` : 'no result.json'}\n${o.output.slice(-3000)}`;
}

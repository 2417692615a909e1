// The `golden-path-probe` command. `run` validates the configuration and finds a browser before anything
// starts (exit 2 when it cannot judge), runs the probe through Playwright with playwright.config.ts, then
// reads the verdict from result.json and exits 0 (pass, degraded), 1 (fail) or 2 (error).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureBrowser } from '../browser/resolve';
import { loadDotenv } from '../config/dotenv';
import { loadConfig, probeTestTimeoutMs } from '../config/load';
import { VARIABLES } from '../config/variables';
import { RESULT_FILE, type RunResult } from '../report/result';
import { markLatest, newRunDir } from '../report/run-dir';

export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

const PROJECT_ROOT = resolve(__dirname, '..', '..');
/** Beyond the probe's own bounds (Playwright's test timeout), the time Playwright itself may take to start and stop. */
const PLAYWRIGHT_OVERHEAD_MS = 120_000;

const USAGE = `Usage: golden-path-probe <command>

Commands:
  run                 run the probe once (default); exit 0 pass or degraded, 1 fail, 2 could not judge
  reference [flags]   start the embedded reference staging and print its URLs (reference --help)
  install-browser     find a Chromium, installing one where this machine allows
  help                this text

Configuration comes from the environment and .env (the environment wins):
${VARIABLES.map((v) => `  ${v.name.padEnd(30)} ${v.description}${v.default ? ` Default: ${v.default}.` : ''}`).join('\n')}
`;

export async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  switch (command) {
    case 'run':
      if (rest.length) return usageError(`run takes no arguments yet; got ${rest.join(' ')}`);
      return run();
    case 'install-browser': {
      const browser = ensureBrowser(process.env.PROBE_BROWSER_PATH, (l) => console.log(l));
      if ('error' in browser) return fatal(browser.error);
      console.log(`Chromium: ${browser.executablePath ?? "Playwright's own"} (${browser.source})`);
      return EXIT.pass;
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return EXIT.pass;
    default:
      return usageError(`unknown command "${command}"`);
  }
}

async function run(): Promise<number> {
  loadDotenv();
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    console.error('golden-path-probe: the configuration has problems; nothing was started:');
    for (const p of loaded.problems) console.error(`  - ${p}`);
    return EXIT.error;
  }
  const config = loaded.config;
  const browser = ensureBrowser(config.browserPath, (l) => console.error(l));
  if ('error' in browser) return fatal(browser.error);

  const runDir = newRunDir(config.reportDir);
  const env: NodeJS.ProcessEnv = { ...process.env, PROBE_RUN_DIR: runDir };
  if (browser.executablePath) env.PROBE_BROWSER_PATH = browser.executablePath;
  const code = await runPlaywright(env, probeTestTimeoutMs(config) + PLAYWRIGHT_OVERHEAD_MS);

  let result: RunResult;
  try {
    result = JSON.parse(readFileSync(join(runDir, RESULT_FILE), 'utf8')) as RunResult;
  } catch {
    return fatal(`the probe wrote no ${RESULT_FILE} (Playwright exited with ${code}); its output above says why. Files: ${runDir}`);
  }
  // The summary itself was printed by the progress reporter, inside Playwright.
  console.log(`  latest: ${markLatest(runDir)}`);
  const status = result.verdict.status;
  return status === 'pass' || status === 'degraded' ? EXIT.pass : status === 'fail' ? EXIT.fail : EXIT.error;
}

/** Runs Playwright on the probe project; resolves with its exit code, or a description of how it ended. */
function runPlaywright(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const cli = require.resolve('@playwright/test/cli');
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, 'test', '--config', join(PROJECT_ROOT, 'playwright.config.ts')], {
      env,
      stdio: 'inherit',
    });
    const timer = setTimeout(() => {
      console.error(`golden-path-probe: Playwright did not finish within ${timeoutMs} ms; stopping it`);
      child.kill('SIGTERM');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise(`an error: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(signal ? `signal ${signal}` : `code ${code}`);
    });
  });
}

function fatal(message: string): number {
  console.error(`golden-path-probe: ${message}`);
  return EXIT.error;
}

function usageError(message: string): number {
  console.error(`golden-path-probe: ${message}\n\n${USAGE}`);
  return EXIT.error;
}

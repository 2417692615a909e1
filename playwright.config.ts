import { defineConfig } from '@playwright/test';
import { loadDotenv } from './src/config/dotenv';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { journeyStartTimeoutMs, loadConfig } from './src/config/load';
import { usableStorageState } from './src/auth/storage-state';
import { findBrowser, type BrowserChoice } from './src/browser/resolve';
import { BROWSER_MISSING_EXIT, RUNNER_ENV } from './src/cli/runner-env';
import { newRunDir } from './src/report/run-dir';

// The probe project. `npm run probe` (the CLI) validates the configuration and creates the run's folder
// before it starts Playwright with this file; run directly (`npx playwright test`), the same happens here.
// Values set in process.env reach the workers, which inherit the runner's environment.
loadDotenv();
const loaded = loadConfig(process.env);
if (!loaded.ok) throw new Error(`golden-path-probe configuration:\n- ${loaded.problems.join('\n- ')}`);
const config = loaded.config;
// The CLI lists a team's journeys (`--list`) before it runs them: no run, no folder, no browser then.
const listing = process.env[RUNNER_ENV.listing] === '1';
process.env.PROBE_RUN_DIR ??= listing ? join(tmpdir(), 'golden-path-probe-listing') : newRunDir(config.reportDir);
const runDir = process.env.PROBE_RUN_DIR;

// The browser is found once, here in the runner, and handed to the worker (this file runs in both). Under the
// CLI a missing browser stops the runner at once: the CLI installs one where it can and starts it again.
const browser: BrowserChoice = listing ? { source: 'playwright', args: [] } : (handedBrowser() ?? chosenBrowser());

function handedBrowser(): BrowserChoice | undefined {
  const handed = process.env[RUNNER_ENV.browser];
  return handed ? (JSON.parse(handed) as BrowserChoice) : undefined;
}

function chosenBrowser(): BrowserChoice {
  const found = findBrowser(config.browserPath);
  if ('error' in found) {
    if (process.env[RUNNER_ENV.underCli]) process.exit(BROWSER_MISSING_EXIT);
    throw new Error(found.error);
  }
  process.env[RUNNER_ENV.browser] = JSON.stringify(found);
  return found;
}

export default defineConfig({
  // The built-in golden path, or a team's journeys (PROBE_JOURNEYS; the CLI runs one a time, by --test-list).
  testDir: config.journeys ?? './e2e',
  outputDir: `${runDir}/test-output`,
  // The embedded reference staging listens on an ephemeral port, which Playwright's webServer (it waits on a
  // fixed port or URL) cannot express; global setup starts it and publishes its URLs to the workers.
  globalSetup: config.embedded ? './e2e/start-reference.ts' : undefined,
  // The steps before the first send; each message and reload a journey makes adds its own (fixtures/chat.ts).
  timeout: journeyStartTimeoutMs(config),
  workers: 1,
  retries: 0,
  reporter: [
    ['./src/report/progress-reporter.ts'],
    ['html', { outputFolder: `${runDir}/html`, open: 'never' }],
    ['junit', { outputFile: `${runDir}/junit.xml` }],
    // Playwright's own API calls stay out of Allure: the probe's named steps are what a reader needs.
    ['allure-playwright', { resultsDir: `${runDir}/allure-results`, detail: false }],
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: browser.executablePath, args: browser.args },
    // Traces record request headers (Bearer tokens) and storage: a probe must not write them. The evidence is
    // frames.ndjson, the timeline and a screenshot of the page on failure.
    trace: 'off',
    video: 'off',
    screenshot: 'only-on-failure',
    // A saved login (PROBE_STORAGE_STATE) while its token is valid; else the configured strategy logs in.
    storageState: usableStorageState(config),
  },
});

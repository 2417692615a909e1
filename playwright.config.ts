import { defineConfig } from '@playwright/test';
import { loadDotenv } from './src/config/dotenv';
import { loadConfig, probeTestTimeoutMs } from './src/config/load';
import { usableStorageState } from './src/auth/storage-state';
import { findBrowser } from './src/browser/resolve';
import { newRunDir } from './src/report/run-dir';

// The probe project. `npm run probe` (the CLI) validates the configuration, finds a browser and creates the
// run's folder before it starts Playwright with this file; run directly (`npx playwright test`), the same
// happens here. Values set in process.env reach the workers, which inherit the runner's environment.
loadDotenv();
const loaded = loadConfig(process.env);
if (!loaded.ok) throw new Error(`golden-path-probe configuration:\n- ${loaded.problems.join('\n- ')}`);
const config = loaded.config;
process.env.PROBE_RUN_DIR ??= newRunDir(config.reportDir);
const runDir = process.env.PROBE_RUN_DIR;

const browser = findBrowser(config.browserPath);
if ('error' in browser) throw new Error(browser.error);

export default defineConfig({
  testDir: './e2e',
  outputDir: `${runDir}/test-output`,
  // The embedded reference staging listens on an ephemeral port, which Playwright's webServer (it waits on a
  // fixed port or URL) cannot express; global setup starts it and publishes its URLs to the workers.
  globalSetup: config.embedded ? './e2e/start-reference.ts' : undefined,
  timeout: probeTestTimeoutMs(config),
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

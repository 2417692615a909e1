// The Playwright config of the bench's peer (bench/peer.spec.ts), as a team would write one: Chromium, headless,
// list + html + junit, a screenshot on failure. PEER_REPORT_DIR is where its reports go; PEER_BROWSER_PATH and
// PEER_BROWSER_ARGS the browser the probe uses on this machine (the bench passes the probe's own choice).

import { defineConfig } from '@playwright/test';

const reports = process.env.PEER_REPORT_DIR ?? 'peer-report';

export default defineConfig({
  testDir: __dirname,
  testMatch: 'peer.spec.ts',
  outputDir: `${reports}/test-output`,
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: `${reports}/html`, open: 'never' }], ['junit', { outputFile: `${reports}/junit.xml` }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.PEER_BROWSER_PATH || undefined,
      args: JSON.parse(process.env.PEER_BROWSER_ARGS || '[]') as string[],
    },
    trace: 'off',
    video: 'off',
    screenshot: 'only-on-failure',
  },
});

import { defineConfig } from '@playwright/test';

// The probe's own tests. Unit tests are pure and fast; integration tests start a reference staging on
// port 0 and run the probe through its CLI, so each is a real end-to-end run. Two workers: the machine
// this project is built on has two cores.
export default defineConfig({
  testDir: '.',
  outputDir: '../reports/.test-output',
  workers: 2,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: '../reports/.test-results.json' }]] : 'list',
  projects: [
    { name: 'unit', testDir: './unit' },
    { name: 'integration', testDir: './integration', timeout: 120_000 },
  ],
});

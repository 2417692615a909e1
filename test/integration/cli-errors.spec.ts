// A probe that could not judge never says `fail`: its own errors end with one line and exit 2, and a run
// stopped by SIGTERM or SIGINT stops its Playwright child and browser, writes an `error` result
// ("interrupted"), moves `latest`, and exits 2, leaving no process behind.

import { writeFileSync } from 'node:fs';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { describe, expect, test } from './harness';
import { isBrowser, processesMentioning } from './processes';

test('PROBE_REPORT_DIR under a file: one clear line and exit 2, no stack trace', async ({ probe }, testInfo) => {
  const file = testInfo.outputPath('a-file');
  writeFileSync(file, 'not a folder');
  const o = await probe({ PROBE_REPORT_DIR: `${file}/reports` });
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toContain(`golden-path-probe: cannot create a run folder under PROBE_REPORT_DIR=${file}/reports: ENOTDIR`);
  expect(o.output).not.toMatch(/^\s+at /m);
  expect(o.output.trim().split('\n')).toHaveLength(1);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a single run stopped by ${signal}: its child and browser stop, result.json says error (interrupted), exit 2`, async ({ startProbe, staging, target }) => {
    // The run stalls after tool_completed, so it is surely under way when the signal comes.
    staging.setFault('stall-after-tool-completed');
    const running = startProbe({
      ...target,
      PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
      PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
      PROBE_COMPLETE_TIMEOUT_MS: '60000',
    });
    await expect
      .poll(() => processesMentioning(running.cwd).some(isBrowser), { message: "the probe's browser, started", timeout: 60_000 })
      .toBe(true);
    running.child.kill(signal);
    const o = await running.exited;
    expect(o.code, describe(o)).toBe(2);
    expect(o.result?.verdict, describe(o)).toMatchObject({ status: 'error', class: 'probe', message: expect.stringContaining(`interrupted by ${signal}`) });
    expect(o.output).toContain('latest:');
    expect(o.output).not.toMatch(/^\s+at /m);
    await expect.poll(() => processesMentioning(running.cwd), { message: 'no process of the run left behind', timeout: 5_000 }).toEqual([]);
  });
}

// A user's mistake is a configuration error (exit 2, saying what to fix), never a verdict; and what the probe
// prints agrees with itself. Each test runs the CLI as a user would and asserts the exit code and the line
// that tells the user what happened.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { describe, expect, test } from './harness';

const FORM = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };
const lines = (output: string) => output.split('\n').filter((l) => l.trim() !== '');

test.describe('a mistake is a configuration error, exit 2, before anything starts', () => {
  test('a misspelled variable: no run against the embedded reference, a "did you mean"', async ({ probe }) => {
    const o = await probe({ PROBE_APP_ULR: 'http://127.0.0.1:8080' });
    expect(o.code, describe(o)).toBe(2);
    expect(lines(o.output)[0]).toBe('golden-path-probe: the configuration has problems; nothing was started:');
    expect(o.output).toContain('PROBE_APP_ULR is not a setting of the probe (did you mean PROBE_APP_URL?)');
    expect(o.result).toBeUndefined();
  });

  test('a misspelled flag: a "did you mean", and its value is not a second mistake', async ({ probe }) => {
    const o = await probe({}, ['run', '--app-ulr', 'http://127.0.0.1:8080']);
    expect(o.code, describe(o)).toBe(2);
    expect(lines(o.output)).toEqual(['golden-path-probe: unknown option --app-ulr (did you mean --app-url?); see --help', 'Run `golden-path-probe --help` for the commands and options.']);
  });

  test('a selector that does not parse: exit 2 naming it, not a ui-render verdict after a timeout', async ({ probe }) => {
    const o = await probe({ PROBE_ANSWER_SELECTOR: '[[bad' });
    expect(o.code, describe(o)).toBe(2);
    expect(o.output).toContain('PROBE_ANSWER_SELECTOR is not a selector Playwright can use: not a valid CSS selector');
  });

  test('a webhook that is not a URL: exit 2 at start, not "NOT delivered" during an incident; its value never shown', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM, PROBE_ALERT_WEBHOOK: 'not-a-url-with-secret-path' });
    expect(o.code, describe(o)).toBe(2);
    expect(o.output).toContain('PROBE_ALERT_WEBHOOK must be an absolute http(s) URL');
    expect(o.output).not.toContain('secret-path');
  });

  test('loop mode and alerts with no target: refused, unless the embedded reference is asked for in so many words', async ({ probe }) => {
    const looped = await probe({}, ['run', '--every', '1m']);
    expect(looped.code, describe(looped)).toBe(2);
    expect(looped.output).toContain('PROBE_EVERY (--every) runs the probe on a schedule, and no target is set');
    const alerted = await probe({ PROBE_ALERT_WEBHOOK: 'http://127.0.0.1:9/hook' });
    expect(alerted.code, describe(alerted)).toBe(2);
    expect(alerted.output).toContain('PROBE_APP_URL=embedded to mean the embedded reference staging');
  });

  test('validate --expect-version: none on the embedded reference; a field the answer lacks is exit 2, not a MISMATCH', async ({ probe, target }) => {
    const embedded = await probe({}, ['validate', '--runs', '1', '--expect-version', '1.2.3']);
    expect(embedded.code, describe(embedded)).toBe(2);
    expect(lines(embedded.output)[0]).toBe('golden-path-probe: --expect-version needs a target: the embedded reference staging has no release to check; set PROBE_APP_URL to the staging');
    const noField = await probe({ ...target, ...FORM }, ['validate', '--runs', '1', '--expect-version', '1.2.3', '--version-field', 'ver']);
    expect(noField.code, describe(noField)).toBe(2);
    expect(noField.output).toContain('validate: the version could not be read: GET ');
    expect(noField.output).toContain('has no "ver" field (its fields: status, version); check --version-url and --version-field (no run was made)');
    expect(noField.output).not.toContain('validate: run 1');
  });
});

test.describe('what the probe says agrees with itself', () => {
  test('an app URL with a path opens that page; preflight checks the host, not the path', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM, PROBE_APP_URL: `${target.PROBE_APP_URL}/chat`, PROBE_PREFLIGHT: 'on' });
    expect(o.code, describe(o)).toBe(0);
    expect(o.output).toContain(`target: ${target.PROBE_APP_URL} (profile generic, login form)`);
  });

  test('the embedded reference is named first, loudly; history and metrics name it as one target', async ({ probe }) => {
    const o = await probe({});
    expect(lines(o.output)[0]).toBe('target: the EMBEDDED REFERENCE staging (PROBE_APP_URL is not set): this run says nothing about your deployment');
    const h = await probe({}, ['history', '--since', '1h']);
    expect(h.output).toContain('golden-path-probe history, since 1h, embedded reference staging');
  });

  test('a wait that ran out is ⚠ in the console and summary.md; the test fails with the verdict, not a code frame', async ({ probe, staging, target }) => {
    staging.setFault('late-answer-never-rendered');
    const o = await probe({ ...target, ...FORM });
    expect(o.code, describe(o)).toBe(1);
    expect(o.output).toMatch(/^ {2}⚠ wait for the rendered answer \(\d+ ms\): not met: the run's final answer visible in the page$/m);
    const summary = readFileSync(join(o.runDir!, 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| wait for the rendered answer \| ⚠ a wait ran out \|/);
    expect(summary).toMatch(/\| wait: the run's final answer visible in the page \| ⚠ not met within \d+ ms \|/);
    const junit = readFileSync(join(o.runDir!, 'junit.xml'), 'utf8');
    expect(junit).toContain('message="golden path: FAIL [ui-render]  answer-rendered: expected new visible text in the page after the send');
    expect(junit).not.toContain('expect(received)');
  });

  test('history: the final completion and the answer visible, beside the first events named as such; one table a target', async ({ probe, target }) => {
    const reports = { PROBE_REPORT_DIR: 'shared-reports' };
    await probe({ ...target, ...FORM, ...reports });
    await probe({ ...reports });
    const both = await probe({ ...reports }, ['history', '--since', '1h']);
    expect(both.output).toContain(`golden-path-probe history, since 1h, ${target.PROBE_APP_URL}`);
    expect(both.output).toContain('golden-path-probe history, since 1h, embedded reference staging');
    expect(both.output).toMatch(/^agent_completed \(first\) +1 +\d+ ms/m);
    expect(both.output).toMatch(/^final agent_completed +1 +\d+ ms/m);
    expect(both.output).toMatch(/^answer visible +1 +\d+ ms/m);
    const one = await probe({ ...reports }, ['history', '--since', '1h', '--target', target.PROBE_APP_URL!]);
    expect(one.output).not.toContain('embedded reference staging');
    const report = await probe({ ...reports }, ['report', '--last', '5']);
    expect(report.code, describe(report)).toBe(0);
    expect(report.output).toContain('report: the window holds runs of 2 targets; this report is of embedded reference staging');
  });

  test('each command has its own --help', async ({ probe }) => {
    for (const command of ['history', 'report', 'validate', 'diagnose']) {
      const o = await probe({}, [command, '--help']);
      expect(o.code).toBe(0);
      expect(lines(o.output)[0]).toContain(`Usage: golden-path-probe ${command}`);
    }
    expect((await probe({}, ['history', '--help'])).output).toContain('--by location');
  });

  test('a failed preflight says what to check, and lists no events', async ({ probe }) => {
    const o = await probe({ PROBE_APP_URL: 'http://127.0.0.1:9', ...FORM, PROBE_PREFLIGHT: 'on' });
    expect(o.code, describe(o)).toBe(1);
    expect(o.output).toContain('check the target: PROBE_APP_URL=http://127.0.0.1:9 and the health URLs (PROBE_PREFLIGHT_URLS={app}/)');
    expect(o.output).toContain('events: none: the probe never sent its message');
    expect(o.output).not.toContain('never\n');
    // Only the files that were written are named: a preflight failure writes no Playwright report.
    expect(o.output).not.toContain('html/index.html');
  });
});

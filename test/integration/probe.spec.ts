// The probe end to end, through its CLI, against a real reference staging: the healthy path with each
// login strategy, bad credentials and configuration, and the faults the probe must catch and name.

import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { describe, expect, test } from './harness';

const REQUIRED = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];

test.describe('healthy staging', () => {
  test('passes with form login, with all five events timed and every report file written', async ({ probe, target }) => {
    const o = await probe({ ...target, PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password });
    expect(o.code, describe(o)).toBe(0);
    const v = o.result!.verdict;
    expect(v.status).toBe('pass');
    expect(v.class).toBeNull();
    expect(v.events.slice(0, 5).map((e) => e.type)).toEqual(REQUIRED);
    for (const e of v.events.slice(0, 5)) expect(e.firstSeenMs, e.type).not.toBeNull();
    expect(v.answer.page).toContain(o.result!.nonce);
    expect(v.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    for (const file of ['result.json', 'summary.md', 'frames.ndjson', 'junit.xml', 'html/index.html'])
      expect(existsSync(join(o.runDir!, file)), file).toBe(true);
    expect(readdirSync(join(o.runDir!, 'allure-results')).some((f) => f.endsWith('-result.json'))).toBe(true);
    for (const type of REQUIRED) expect(o.output).toContain(type);
  });

  test('passes with e2e-bypass login', async ({ probe, target }) => {
    const o = await probe({ ...target, PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey });
    expect(o.code, describe(o)).toBe(0);
    expect(o.result!.verdict.status).toBe('pass');
    expect(o.result!.userId).toMatch(/^user-/);
  });

  test('passes against the embedded reference when no staging is configured (the README command)', async ({ probe }) => {
    const o = await probe({ PROBE_REFERENCE_SPEED: '0' });
    expect(o.code, describe(o)).toBe(0);
    expect(o.result!.target.embedded).toBe(true);
    expect(o.result!.verdict.status).toBe('pass');
  });
});

test.describe('credentials and configuration', () => {
  test('a wrong password fails with class auth, naming the step', async ({ probe, target }) => {
    const o = await probe({ ...target, PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: 'not-the-password' });
    expect(o.code, describe(o)).toBe(1);
    expect(o.result!.verdict.class).toBe('auth');
    expect(o.result!.verdict.message).toContain('log in');
  });

  test('a wrong bypass key fails with class auth, naming the step', async ({ probe, target }) => {
    const o = await probe({ ...target, PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: 'not-the-key' });
    expect(o.code, describe(o)).toBe(1);
    expect(o.result!.verdict.class).toBe('auth');
    expect(o.result!.verdict.message).toContain('log in');
    expect(o.result!.verdict.message).toContain('401');
  });

  test('bad configuration exits 2 before anything starts, naming every variable at once', async ({ probe }) => {
    const o = await probe({ PROBE_APP_URL: 'not-a-url', PROBE_LOGIN: 'sso', PROBE_COMPLETE_TIMEOUT_MS: '-5' });
    expect(o.code, describe(o)).toBe(2);
    expect(o.output).toContain('PROBE_APP_URL must be an absolute http(s) URL, got "not-a-url"');
    expect(o.output).toContain('PROBE_LOGIN must be one of form, e2e-bypass, token');
    expect(o.output).toContain('PROBE_COMPLETE_TIMEOUT_MS must be a positive whole number');
    expect(o.result).toBeUndefined();
  });
});

test('a contract file with mistakes exits 2 before anything starts, naming each field', async ({ probe }, testInfo) => {
  const file = testInfo.outputPath('contract.json');
  writeFileSync(file, JSON.stringify({ events: { started: '' }, aliases: { 'run.begin': 7 }, colour: 'blue' }));
  const o = await probe({ PROBE_CONTRACT: file });
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toContain(`PROBE_CONTRACT (${file}): events.started must be a non-empty string`);
  expect(o.output).toContain(`PROBE_CONTRACT (${file}): aliases.run.begin must be a non-empty string`);
  expect(o.output).toContain(`PROBE_CONTRACT (${file}): colour is not a contract field`);
  expect(o.result).toBeUndefined();
});

test.describe('faults the probe must catch', () => {
  const cases = [
    { fault: 'missing-tool-completed', class: 'missing-event', phrase: 'tool_completed' },
    { fault: 'close-1011-after-started', class: 'transport', phrase: '1011' },
    { fault: 'answer-not-rendered', class: 'ui-render', phrase: 'answer-rendered' },
  ];
  for (const c of cases) {
    test(`${c.fault}: fails with class ${c.class}`, async ({ probe, staging, target }) => {
      staging.setFault(c.fault);
      const o = await probe({ ...target, PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password });
      expect(o.code, describe(o)).toBe(1);
      expect(o.result!.verdict.status).toBe('fail');
      expect(o.result!.verdict.class, describe(o)).toBe(c.class);
      expect(o.result!.verdict.message).toContain(c.phrase);
      // The console names the failing check with what was expected and what was seen.
      expect(o.output).toContain('expected:');
      expect(o.output).toContain('seen:');
    });
  }
});

// What a real staging needs: every login strategy (and its failure), saved logins, flags over variables,
// the netra profile against the reference in its three-host layout, preflight, and `diagnose`.

import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { REFERENCE_CREDENTIALS, startReference } from '../../reference/server';
import { issueToken } from '../../reference/tokens';
import { VARIABLES } from '../../src/config/variables';
import { flagName } from '../../src/cli/flags';
import { describe, expect, test } from './harness';

const FORM = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };

/** A token from the reference's bypass endpoint, as a person would get one for PROBE_TOKEN. */
async function bypassToken(authUrl: string): Promise<string> {
  const res = await request(`${authUrl}/auth/e2e/test-auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-e2e-bypass-key': REFERENCE_CREDENTIALS.bypassKey },
    body: JSON.stringify({ email: 'token-user@reference.test', name: 'Token User' }),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

test.describe('login strategies', () => {
  for (const handoff of ['callback', 'local-storage', 'cookie'] as const) {
    test(`token, handed over by ${handoff}: passes`, async ({ probe, target, staging }) => {
      const token = await bypassToken(staging.authUrl);
      const o = await probe({ ...target, PROBE_LOGIN: 'token', PROBE_TOKEN: token, PROBE_TOKEN_HANDOFF: handoff });
      expect(o.code, describe(o)).toBe(0);
      expect(o.result!.userId).toMatch(/^user-/);
      expect(readFileSync(`${o.runDir}/result.json`, 'utf8')).not.toContain(token);
    });
  }

  test('a refused token fails with class auth', async ({ probe, target }) => {
    const o = await probe({ ...target, PROBE_LOGIN: 'token', PROBE_TOKEN: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad-signature', PROBE_TOKEN_HANDOFF: 'local-storage' });
    expect(o.code, describe(o)).toBe(1);
    expect(o.result!.verdict.class).toBe('auth');
    expect(o.result!.verdict.message).toContain('did not accept the login');
  });

  test('form login with explicit selectors and a success selector passes', async ({ probe, target }) => {
    const o = await probe({
      ...target,
      ...FORM,
      PROBE_LOGIN_USERNAME_SELECTOR: 'input[name="username"]',
      PROBE_LOGIN_PASSWORD_SELECTOR: 'input[name="password"]',
      PROBE_LOGIN_SUBMIT_SELECTOR: 'button[type="submit"]',
      PROBE_LOGIN_SUCCESS_SELECTOR: '[data-testid="message-textarea"]',
    });
    expect(o.code, describe(o)).toBe(0);
  });

  test('login --save writes a storage state that PROBE_LOGIN=storage-state then uses alone', async ({ probe, target }, testInfo) => {
    const file = testInfo.outputPath('state.json');
    const saved = await probe({ ...target, ...FORM }, ['login', '--save', file]);
    expect(saved.code, saved.output).toBe(0);
    expect(saved.output).toContain(`to ${file}`);
    expect(saved.output).not.toContain(REFERENCE_CREDENTIALS.password);
    const o = await probe({ ...target, PROBE_LOGIN: 'storage-state', PROBE_STORAGE_STATE: file });
    expect(o.code, describe(o)).toBe(0);
    expect(o.result!.userId).toMatch(/^user-/);
  });

  test('an expired storage state: storage-state alone fails auth; with a strategy it logs in again and rewrites the file', async ({ probe, target }, testInfo) => {
    const file = testInfo.outputPath('state.json');
    const expired = issueToken(REFERENCE_CREDENTIALS.username, { ttlSec: -600 });
    const state = { cookies: [], origins: [{ origin: target.PROBE_APP_URL, localStorage: [{ name: 'jwt_token', value: expired }] }] };
    writeFileSync(file, JSON.stringify(state));

    const alone = await probe({ ...target, PROBE_LOGIN: 'storage-state', PROBE_STORAGE_STATE: file });
    expect(alone.code, describe(alone)).toBe(1);
    expect(alone.result!.verdict.class).toBe('auth');
    expect(alone.result!.verdict.message).toContain('login --save');

    const again = await probe({ ...target, ...FORM, PROBE_STORAGE_STATE: file });
    expect(again.code, describe(again)).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain(expired);
  });
});

test.describe('the command line', () => {
  test('flags win over the environment', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM, PROBE_PASSWORD: 'wrong' }, ['run', '--password', REFERENCE_CREDENTIALS.password]);
    expect(o.code, describe(o)).toBe(0);
  });

  test('--help lists every option with its variable and default', async ({ probe }) => {
    const o = await probe({}, ['--help']);
    expect(o.code).toBe(0);
    for (const v of VARIABLES) {
      expect(o.output).toContain(`${flagName(v.name).padEnd(32)} ${v.name}`);
      if (v.default) expect(o.output).toContain(`[default: ${v.default}]`);
    }
    for (const command of ['run', 'diagnose', 'login --save FILE', 'reference']) expect(o.output).toContain(`  ${command}`);
  });

  test('an unknown option or command exits 2 and says which', async ({ probe }) => {
    const o = await probe({}, ['run', '--colour', 'blue']);
    expect(o.code).toBe(2);
    expect(o.output).toContain('unknown option --colour');
    const c = await probe({}, ['frobnicate']);
    expect(c.code).toBe(2);
    expect(c.output).toContain('unknown command "frobnicate"');
  });

  test('configuration problems list every variable at once, secrets never echoed', async ({ probe }) => {
    const o = await probe({ PROBE_APP_URL: 'https://app.example.com', PROBE_PROFILE: 'netra', PROBE_LOGIN: 'e2e-bypass', PROBE_PASSWORD: 'hunter2-secret', PROBE_PREFLIGHT: 'maybe' });
    expect(o.code).toBe(2);
    expect(o.output).toContain('PROBE_PREFLIGHT must be one of on, off');
    expect(o.output).toContain('PROBE_API_URL is required with PROBE_PROFILE=netra');
    expect(o.output).toContain('PROBE_AUTH_URL is required with PROBE_PROFILE=netra');
    expect(o.output).toContain('PROBE_E2E_BYPASS_KEY is required when PROBE_LOGIN=e2e-bypass');
    expect(o.output).not.toContain('hunter2-secret');
  });
});

test.describe('the netra profile', () => {
  test('passes against the reference in its three-host layout with only the URLs and the bypass key', async ({ probe }) => {
    const netra = await startReference({ speed: 0, layout: 'netra' });
    try {
      expect(new Set([netra.appUrl, netra.apiUrl, netra.authUrl]).size).toBe(3);
      const o = await probe({
        PROBE_PROFILE: 'netra',
        PROBE_APP_URL: netra.appUrl,
        PROBE_API_URL: netra.apiUrl,
        PROBE_AUTH_URL: netra.authUrl,
        PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
      });
      expect(o.code, describe(o)).toBe(0);
      expect(o.result!.target).toMatchObject({ profile: 'netra', login: 'e2e-bypass' });
      // Preflight checked the three health endpoints and learned the version.
      expect(o.result!.preflight!.checks.map((c) => new URL(c.url).pathname)).toEqual(['/health', '/ws/health', '/health']);
      expect(o.result!.target.version).toMatch(/reference/);
      // That layout plays the platform's own frontend and emitter: every completion names its agent, and the
      // answer is the executive summary shown as a message without test id. No selector was needed.
      expect(o.result!.timeline.map((r) => r.type)).toContain('agent_completed (supervisor)');
      expect(o.result!.verdict.answer.matched).toBe('final_report');
    } finally {
      await netra.close();
    }
  });

  test('passes with only the URLs and a token', async ({ probe }) => {
    const netra = await startReference({ speed: 0, layout: 'netra' });
    try {
      const token = await bypassToken(netra.authUrl);
      const o = await probe({ PROBE_PROFILE: 'netra', PROBE_APP_URL: netra.appUrl, PROBE_API_URL: netra.apiUrl, PROBE_AUTH_URL: netra.authUrl, PROBE_LOGIN: 'token', PROBE_TOKEN: token });
      expect(o.code, describe(o)).toBe(0);
      expect(o.result!.verdict.answer.matched).toBe('final_report');
    } finally {
      await netra.close();
    }
  });

  test('`run --profile netra` with no staging starts the embedded reference in that layout and passes', async ({ probe }) => {
    const o = await probe({}, ['run', '--profile', 'netra']);
    expect(o.code, describe(o)).toBe(0);
    expect(o.result!.target).toMatchObject({ embedded: true, profile: 'netra' });
    expect(o.result!.verdict.answer.matched).toBe('final_report');
  });
});

test.describe('preflight', () => {
  test('a staging that refuses connections fails with class transport, the URL and the cause, before any browser', async ({ probe }) => {
    const gone = await startReference({ speed: 0 });
    const url = gone.appUrl;
    await gone.close();
    const o = await probe({ PROBE_APP_URL: url, ...FORM });
    expect(o.code, describe(o)).toBe(1);
    expect(o.result!.verdict.class).toBe('transport');
    expect(o.result!.verdict.message).toContain(url);
    expect(o.result!.verdict.message).toContain('refused');
    expect(o.result!.steps.map((s) => s.name)).toEqual(['preflight']);
  });
});

test.describe('diagnose', () => {
  const cases = [
    { fault: 'answer-not-rendered', blame: 'frontend', phrase: 'the page never rendered the answer' },
    { fault: 'missing-tool-completed', blame: 'backend', phrase: 'never sent tool_completed' },
  ];
  for (const c of cases) {
    test(`${c.fault}: blames the ${c.blame}`, async ({ probe, staging, target }) => {
      staging.setFault(c.fault);
      const o = await probe({ ...target, ...FORM }, ['diagnose']);
      expect(o.code, o.output).toBe(1);
      expect(o.output).toContain(`diagnosis (${c.blame}):`);
      expect(o.output).toContain(c.phrase);
    });
  }

  test('healthy: both probes pass', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM }, ['diagnose']);
    expect(o.code, o.output).toBe(0);
    expect(o.output).toContain('diagnosis (none):');
  });
});

// The fault matrix, end to end: for every scenario of the reference staging, the probe runs through its CLI
// and must come back with the right status, class and message. Healthy dialects must pass: a probe that
// fails on them would be ignored, and an ignored probe is as bad as a false green.

import { writeFileSync } from 'node:fs';
import { FAULT_NAMES } from '../../reference/faults';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { MATRIX } from './fault-matrix';
import { MULTI_USER_MATRIX } from './multi-user-matrix';
import { describe, expect, test } from './harness';

const EXIT_BY_STATUS = { pass: 0, degraded: 0, fail: 1, error: 2 } as const;

test('every fault of the reference staging has a row in the matrix (faults of several users in multi-user.spec.ts)', () => {
  const covered = new Set([...MATRIX, ...MULTI_USER_MATRIX].map((row) => row.fault));
  expect(FAULT_NAMES.filter((name) => !covered.has(name))).toEqual([]);
});

for (const row of MATRIX) {
  test(`${row.name}: ${row.status}${row.class ? ` (${row.class})` : ''}`, async ({ probe, staging, target }, testInfo) => {
    staging.setFault(row.fault, { delayMs: row.delayMs, flood: row.flood });
    const env: Record<string, string> = {
      ...target,
      PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
      PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
      PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
      ...row.env,
    };
    if (row.contract) {
      env.PROBE_CONTRACT = testInfo.outputPath('contract.json');
      writeFileSync(env.PROBE_CONTRACT, JSON.stringify(row.contract));
    }
    const o = await probe(env);
    const v = o.result?.verdict;
    expect(v, describe(o)).toBeDefined();
    expect({ status: v!.status, class: v!.class }, describe(o)).toEqual({ status: row.status, class: row.class });
    expect(o.code, describe(o)).toBe(EXIT_BY_STATUS[row.status]);
    if (row.phrase) {
      const said = row.status === 'pass' ? v!.warnings.join('\n') : v!.message;
      expect(said, describe(o)).toContain(row.phrase);
    }
    if (row.flood?.count) {
      // Every frame of the flood reached the probe: none lost.
      const thinking = v!.events.find((e) => e.type === 'agent_thinking');
      expect(thinking?.count, describe(o)).toBe(row.flood.count + 2);
    }
    if (row.status === 'fail') {
      // A failure explains itself: the deciding check with expected vs seen, and the timeline.
      expect(o.output).toContain(`✗ ${v!.checks.find((c) => c.status === 'fail' && c.class === v!.class)!.name}`);
      expect(o.output).toMatch(/expected: .+\n\s+seen: /);
    }
  });
}

// The healthy rows of the answer's shapes pass under the netra profile too, against the reference's netra
// layout: three hosts, the bypass login, every completion named, the Supervisor's without answer text, the
// final_report 1.5 s after it (beyond the final grace), a connection frame that names the user cut short.
for (const row of MATRIX.filter((r) => r.netra)) {
  test(`${row.name} under the netra profile: pass`, async ({ probe, netraStaging }) => {
    netraStaging.setFault(row.fault);
    const o = await probe({
      PROBE_PROFILE: 'netra',
      PROBE_APP_URL: netraStaging.appUrl,
      PROBE_API_URL: netraStaging.apiUrl,
      PROBE_AUTH_URL: netraStaging.authUrl,
      PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
      ...row.env,
    });
    expect({ status: o.result?.verdict.status, class: o.result?.verdict.class }, describe(o)).toEqual({ status: 'pass', class: null });
    expect(o.code, describe(o)).toBe(0);
  });
}

test("the netra profile with a token whose `sub` is an identity provider's id: judged for the user the platform names", async ({ probe, netraStaging }) => {
  netraStaging.setFault('external-idp-sub');
  // A token as the bypass hands it out under this fault; logging in with it alone leaves the probe a hint.
  const res = await fetch(`${netraStaging.authUrl}/auth/e2e/test-auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-e2e-bypass-key': REFERENCE_CREDENTIALS.bypassKey },
    body: JSON.stringify({ email: 'idp-user@reference.test' }),
  });
  const { access_token: token, user } = (await res.json()) as { access_token: string; user: { id: string } };
  const o = await probe({
    PROBE_PROFILE: 'netra',
    PROBE_APP_URL: netraStaging.appUrl,
    PROBE_API_URL: netraStaging.apiUrl,
    PROBE_AUTH_URL: netraStaging.authUrl,
    PROBE_LOGIN: 'token',
    PROBE_TOKEN: token,
  });
  expect({ status: o.result?.verdict.status, class: o.result?.verdict.class }, describe(o)).toEqual({ status: 'pass', class: null });
  // The connection frame names the user cut short (`user-abc...`); the probe's own thread says the rest.
  expect(o.result!.verdict.userId).toBe(user.id);
  expect(o.result!.verdict.warnings.join('\n')).toContain('a hint only');
});

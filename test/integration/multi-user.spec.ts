// Several users at once, end to end through the CLI (`--users N`): healthy runs pass with 3 and with 10
// sessions; each fault that only shows with several users is caught with its class and names the sessions
// involved. The users are the reference staging's own (probe+n@reference.test), given through
// PROBE_USERS_FILE as a real form-login staging would need them, or numbered by the e2e bypass.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { referenceUsername } from '../../reference/tokens';
import type { FrameRecord } from '../../src/contract/types';
import { MULTI_USER_MATRIX } from './multi-user-matrix';
import { describe, expect, test, type ProbeOutcome } from './harness';

function usersFile(path: string, n: number): string {
  const users = Array.from({ length: n }, (_, i) => ({ username: referenceUsername(i + 1), password: REFERENCE_CREDENTIALS.password }));
  writeFileSync(path, JSON.stringify(users));
  return path;
}

/** Every session judged, each its own user, nonce and frames file; the console a line per session. */
function expectSessions(o: ProbeOutcome, n: number): void {
  const r = o.result!;
  expect(r.users, describe(o)).toBe(n);
  expect(r.sessions?.map((s) => s.session)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(r.sessions!.map((s) => s.userId)).size, 'one user a session').toBe(n);
  expect(new Set(r.sessions!.map((s) => s.nonce)).size, 'one nonce a session').toBe(n);
  for (const s of r.sessions!) {
    const lines = readFileSync(join(o.runDir!, s.frames), 'utf8').trimEnd().split('\n');
    const sends = lines.map((l) => JSON.parse(l) as FrameRecord).filter((f) => f.dir === 'out' && f.payload.includes(s.nonce));
    expect(sends.length, `${s.frames} holds session ${s.session}'s own send`).toBeGreaterThan(0);
    // Browser times are never earlier than the truth: the page sent the message after the probe clicked.
    for (const f of sends) expect(f.t, `session ${s.session}'s send at ${f.t} ms, clicked at ${s.sentAt} ms`).toBeGreaterThanOrEqual(s.sentAt!);
    expect(o.output).toContain(`session ${s.session} (user ${s.userId}): `);
  }
  expect(r.sendSpreadMs, 'every session sent').toBeGreaterThanOrEqual(0);
}

test('3 users, form login from PROBE_USERS_FILE: every session passes, no cross-talk', async ({ probe, target }, testInfo) => {
  const env = { ...target, PROBE_USERS_FILE: usersFile(testInfo.outputPath('users.json'), 3) };
  const o = await probe(env, ['run', '--users', '3']);
  expect([o.code, o.result?.verdict.status, o.result?.verdict.message], describe(o)).toEqual([0, 'pass', 'all 3 sessions passed; no cross-talk']);
  expectSessions(o, 3);
  expect(o.result!.verdict.checks.map((c) => `${c.name} ${c.status}`)).toEqual(['cross-talk pass', 'session-1 pass', 'session-2 pass', 'session-3 pass']);
  // The history knows the run had three sessions; the metrics file says so too.
  const history = await probe(env, ['history', '--users', '3']);
  expect(history.output, describe(history)).toContain('sessions a run: 3 (1 runs)');
});

test('3 users × 2 turns: each session holds its own conversation; a run delivered to another user fails isolation', async ({ probe, staging, target }, testInfo) => {
  const env = { ...target, PROBE_USERS_FILE: usersFile(testInfo.outputPath('users.json'), 3), PROBE_USERS: '3', PROBE_TURNS: '2' };
  const o = await probe(env);
  expect([o.code, o.result?.verdict.status], describe(o)).toEqual([0, 'pass']);
  expectSessions(o, 3);
  for (const s of o.result!.sessions!) {
    // Each session: two turns in one thread, each its own run, kept after the reload.
    expect(s.turns?.map((t) => t.verdict.status), describe(o)).toEqual(['pass', 'pass']);
    expect(new Set(s.turns!.map((t) => t.verdict.runId)).size).toBe(2);
    expect(new Set(s.turns!.map((t) => t.verdict.threadId)).size).toBe(1);
    expect(s.verdict.checks.filter((c) => ['follow-up', 'turn-runs', 'persisted'].includes(c.name)).map((c) => c.status)).toEqual(['pass', 'pass', 'pass']);
  }
  staging.setFault('cross-user-delivery');
  const crossed = await probe(env);
  expect([crossed.code, crossed.result?.verdict.status, crossed.result?.verdict.class], describe(crossed)).toEqual([1, 'fail', 'isolation']);
  expect(crossed.result?.verdict.message, describe(crossed)).toMatch(/session \d received session \d's user id/);
});

test('validate gates on the combined verdict of every run of several sessions', async ({ probe, target }, testInfo) => {
  const env = { ...target, PROBE_USERS_FILE: usersFile(testInfo.outputPath('users.json'), 2), PROBE_METRICS_FILE: testInfo.outputPath('probe.prom') };
  const o = await probe(env, ['validate', '--runs', '1', '--users', '2']);
  expect(o.code, describe(o)).toBe(0);
  expect(o.result?.users).toBe(2);
  const metrics = readFileSync(env.PROBE_METRICS_FILE, 'utf8');
  expect(metrics).toMatch(/^golden_path_users\{[^}]*\} 2$/m);
  expect(metrics).toMatch(/^golden_path_session_event_seconds\{[^}]*session="2",event="agent_completed"\} /m);
});

test('10 users through the e2e bypass, numbered from PROBE_E2E_EMAIL: every session passes', async ({ probe, target }) => {
  const o = await probe({ ...target, PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey, PROBE_USERS: '10' });
  expect([o.code, o.result?.verdict.status], describe(o)).toEqual([0, 'pass']);
  expectSessions(o, 10);
});

test('a users file with fewer users than sessions stops before any browser, saying so', async ({ probe, target }, testInfo) => {
  const o = await probe({ ...target, PROBE_USERS_FILE: usersFile(testInfo.outputPath('users.json'), 2) }, ['run', '--users', '3']);
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toContain('holds 2 users; PROBE_USERS=3 needs 3');
  expect(o.output).not.toContain(REFERENCE_CREDENTIALS.password);
});

for (const row of MULTI_USER_MATRIX) {
  test(`${row.fault} with 3 users: ${row.class}, naming the sessions`, async ({ probe, staging, target }, testInfo) => {
    staging.setFault(row.fault);
    const o = await probe({ ...target, PROBE_USERS_FILE: usersFile(testInfo.outputPath('users.json'), 3), PROBE_USERS: '3', ...row.env });
    const v = o.result?.verdict;
    expect({ code: o.code, status: v?.status, class: v?.class }, describe(o)).toEqual({ code: 1, status: 'fail', class: row.class });
    expectSessions(o, 3);
    const failing = v!.checks.filter((c) => c.status === 'fail').map((c) => c.name);
    expect(failing, describe(o)).toEqual(expect.arrayContaining(row.failing));
    expect(v!.message, describe(o)).toMatch(row.says);
    // The session that explains the verdict is the one whose timeline the run's top level carries.
    const named = Number(/session[- ](\d+)/.exec(v!.message)![1]);
    expect(o.result!.decidingSession, describe(o)).toBe(named);
    expect(o.result!.nonce).toBe(o.result!.sessions![named - 1]!.nonce);
    // The console names the failing sessions, a line each.
    for (const s of o.result!.sessions!.filter((x) => x.verdict.status === 'fail')) expect(o.output).toMatch(new RegExp(`session ${s.session} \\(user [^)]+\\): FAIL`));
  });
}

// Several sessions at once: each session's users come from its login strategy's own source, and the run's
// verdict combines the sessions' verdicts with the cross-talk check between them.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { crossTalkCheck, type SessionTrace } from '../../src/contract/checks/cross-talk';
import { judge } from '../../src/contract/judge';
import { combineSessions } from '../../src/contract/combine';
import type { AgentEvent, Verdict } from '../../src/contract/types';
import { loadConfig } from '../../src/config/load';
import { numbered } from '../../src/config/users';
import { buildEvidence, drop, healthyRun, pageShowing, ANSWER } from './evidence-builders';

const REAL = { PROBE_APP_URL: 'https://app.example.com', PROBE_USERS: '3' };

function event(type: string, frame: number, ids: Partial<AgentEvent> = {}): AgentEvent {
  return { type, t: frame, socket: 0, frame, shape: 'bridge', digest: `d${frame}`, ...ids };
}

function trace(session: number, extra: Partial<SessionTrace> = {}): SessionTrace {
  const ids = { runId: `run-${session}`, threadId: `thread-${session}`, userId: `user-${session}` };
  return {
    session,
    framesFile: `frames-${session}.ndjson`,
    nonce: `nonce-${session}`,
    ...ids,
    answer: `answer ${session}`,
    events: [event('agent_started', 2, ids), event('agent_completed', 7, { ...ids, answer: `answer ${session}` })],
    nonceHits: [],
    pageAfter: `you asked nonce-${session}; answer ${session}`,
    ...extra,
  };
}

test('users: the bypass numbers PROBE_E2E_EMAIL by the pattern; one session keeps it as it is', () => {
  expect(numbered('probe@example.com', '{local}+{n}@{domain}', 2)).toBe('probe+2@example.com');
  const three = loadConfig({ ...REAL, PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: 'k', PROBE_E2E_EMAIL: 'qa@x.io', PROBE_USER_EMAIL_PATTERN: 'qa-{n}@{domain}' });
  expect(three.ok && three.config.sessionLogins.map((l) => l.e2eEmail)).toEqual(['qa-1@x.io', 'qa-2@x.io', 'qa-3@x.io']);
  const one = loadConfig({ PROBE_APP_URL: 'https://app.example.com', PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: 'k', PROBE_E2E_EMAIL: 'qa@x.io' });
  expect(one.ok && one.config.sessionLogins.map((l) => l.e2eEmail)).toEqual(['qa@x.io']);
  const noN = loadConfig({ ...REAL, PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: 'k', PROBE_USER_EMAIL_PATTERN: 'qa@x.io' });
  expect(!noN.ok && noN.problems).toContain('PROBE_USER_EMAIL_PATTERN must contain {n} (the session\'s number), got "qa@x.io"');
});

test('users: form login reads PROBE_USERS_FILE, says clearly when it holds too few or is broken, and never echoes a password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-users-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const users = file('users.json', JSON.stringify([1, 2, 3].map((n) => ({ username: `u${n}`, password: `secret-${n}` }))));
  const ok = loadConfig({ ...REAL, PROBE_USERS_FILE: users });
  expect(ok.ok && ok.config.sessionLogins.map((l) => [l.username, l.password])).toEqual([['u1', 'secret-1'], ['u2', 'secret-2'], ['u3', 'secret-3']]);

  const problems = (env: Record<string, string>) => {
    const r = loadConfig({ ...REAL, ...env });
    expect(r.ok).toBe(false);
    const text = r.ok ? '' : r.problems.join('\n');
    expect(text).not.toContain('secret-');
    return text;
  };
  expect(problems({})).toContain('PROBE_USERS_FILE is required with PROBE_USERS=3');
  expect(problems({ PROBE_USERS_FILE: file('two.json', JSON.stringify([{ username: 'a', password: 'secret-a' }, { username: 'b', password: 'secret-b' }])) })).toContain('holds 2 users; PROBE_USERS=3 needs 3');
  expect(problems({ PROBE_USERS_FILE: file('bad.json', '{"username": "a", "password": "secret-x"') })).toContain('is not JSON');
  expect(problems({ PROBE_USERS_FILE: file('nopw.json', JSON.stringify([{ username: 'a' }, { username: 'b', password: 'secret-b' }, { username: 'c', password: 'secret-c' }])) })).toContain('entry 1 needs a non-empty "username" and "password"');
  expect(problems({ PROBE_USERS_FILE: file('same.json', JSON.stringify([1, 2, 1].map((n) => ({ username: `u${n}`, password: `secret-${n}` })))) })).toContain('sessions 1 and 3 the same user');
  expect(problems({ PROBE_USERS_FILE: join(dir, 'missing.json') })).toContain('cannot be read: ENOENT');
  expect(problems({ PROBE_USERS: '0' })).toContain('PROBE_USERS must be a whole number from 1 to 50, got "0"');
  expect(problems({ PROBE_USERS: '51' })).toContain('PROBE_USERS must be a whole number from 1 to 50');
});

test('users: token login reads one token a line from PROBE_TOKENS_FILE; a storage state cannot serve several users', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-tokens-'));
  writeFileSync(join(dir, 'tokens'), '# staging users\ntok-a\n\ntok-b\ntok-c\n');
  const r = loadConfig({ ...REAL, PROBE_LOGIN: 'token', PROBE_TOKENS_FILE: join(dir, 'tokens') });
  expect(r.ok && r.config.sessionLogins.map((l) => l.token)).toEqual(['tok-a', 'tok-b', 'tok-c']);
  const state = loadConfig({ ...REAL, PROBE_LOGIN: 'storage-state', PROBE_STORAGE_STATE: join(dir, 'state.json') });
  expect(!state.ok && state.problems.join('\n')).toContain('a storage state holds one user');
});

test('cross-talk passes when no session carries anything of another', () => {
  const c = crossTalkCheck([trace(1), trace(2), trace(3)]).check;
  expect([c.status, c.class, c.seen]).toEqual(['pass', 'isolation', '3 sessions, nothing of one in another; user ids compared']);
});

test("cross-talk names both sessions and where: another's run delivered, a shared run id, a nonce in frames or page", () => {
  const foreign = { runId: 'run-1', threadId: 'thread-1', userId: 'user-1' };
  const delivered = trace(2, { events: [...trace(2).events, event('agent_started', 9, foreign)] });
  const c = crossTalkCheck([trace(1), delivered]).check;
  expect([c.status, c.class]).toEqual(['fail', 'isolation']);
  expect(c.seen).toBe("session 2 received session 1's user id user-1, run id run-1, thread id thread-1");
  expect(c.evidence).toBe('frames-2.ndjson frame 9');

  const shared = crossTalkCheck([trace(1, { runId: 'run-x', events: [event('agent_started', 2, { runId: 'run-x' })] }), trace(2, { runId: 'run-x', events: [event('agent_started', 3, { runId: 'run-x' })] })]).check;
  expect(shared.seen).toBe("session 1 received session 2's run id run-x (its own is the same); session 2 received session 1's run id run-x (its own is the same)");

  const nonce = crossTalkCheck([trace(1, { nonceHits: [{ nonce: 'nonce-3', frame: 4 }] }), trace(2, { pageAfter: 'nonce-3' }), trace(3)]).check;
  expect(nonce.seen).toBe("session 1 received session 3's nonce nonce-3; session 2 received session 3's nonce nonce-3 in the page");
  expect(nonce.evidence).toBe('frames-1.ndjson frame 4; frames-2.ndjson the page at the end');
  expect(crossTalkCheck([trace(1, { nonceHits: [{ nonce: 'nonce-3', frame: 4 }] }), trace(2, { pageAfter: 'nonce-3' }), trace(3)]).receivers).toEqual([1, 2]);
});

test("an answer both sessions got alike is no cross-talk; another's own answer is", () => {
  expect(crossTalkCheck([trace(1, { answer: 'same' }), trace(2, { answer: 'same', events: [event('agent_completed', 5, { answer: 'same', runId: 'run-2' })] })]).check.status).toBe('pass');
  const leaked = crossTalkCheck([trace(1), trace(2, { events: [event('agent_response', 5, { answer: 'answer 1' })] })]).check;
  expect(leaked.seen).toBe("session 2 received session 1's answer");
});

test('the combined verdict: pass only when every session and cross-talk pass; else the worst class decides, naming the session', () => {
  const healthy = judge(buildEvidence(healthyRun(), 'bridge', { page: pageShowing(ANSWER) }));
  expect(healthy.status).toBe('pass');
  const all = combineSessions([healthy, healthy, healthy], [trace(1), trace(2), trace(3)]).verdict;
  expect([all.status, all.class, all.message]).toEqual(['pass', null, 'all 3 sessions passed; no cross-talk']);
  expect(all.checks.map((c) => c.name)).toEqual(['cross-talk', 'session-1', 'session-2', 'session-3']);

  const missing = judge(buildEvidence(drop(healthyRun(), 'tool_executing'), 'bridge', { page: pageShowing(ANSWER) }));
  expect(missing.status).toBe('fail');
  const one = combineSessions([healthy, missing, healthy], [trace(1), trace(2), trace(3)]).verdict;
  expect([one.status, one.class]).toEqual(['fail', missing.class]);
  expect(one.message).toMatch(/^session-2: expected events-present: .*; missing tool_executing$/);
  const two = combineSessions([missing, missing, healthy], [trace(1), trace(2), trace(3)]).verdict;
  expect(two.message).toMatch(new RegExp(`^session-1: .*; also not passing: session 2 \\(fail, ${missing.class}\\)$`));

  const crossed = combineSessions([healthy, healthy], [trace(1), trace(2, { nonceHits: [{ nonce: 'nonce-1', frame: 3 }] })]).verdict;
  expect([crossed.status, crossed.class]).toEqual(['fail', 'isolation']);
  expect(crossed.message).toContain("cross-talk: expected no session's frames or page carry another session's nonce");
  const deciding = (verdicts: Verdict[], traces: SessionTrace[]) => combineSessions(verdicts, traces).deciding;
  expect([
    deciding([healthy, healthy], [trace(1), trace(2, { nonceHits: [{ nonce: 'nonce-1', frame: 3 }] })]),
    deciding([healthy, missing, healthy], [trace(1), trace(2), trace(3)]),
    deciding([healthy, healthy, healthy], [trace(1), trace(2), trace(3)]),
  ]).toEqual([2, 2, null]);

  // A session the probe could not judge leaves the run `error`, never `pass`.
  const broken = { ...healthy, status: 'error' as const, class: 'probe' as const, message: 'judge: boom' };
  expect(combineSessions([healthy, broken], [trace(1), trace(2)]).verdict.status).toBe('error');
  // The slowest session's times, counts over all.
  expect(all.events.find((e) => e.type === 'agent_started')?.count).toBe(3 * healthy.events.find((e) => e.type === 'agent_started')!.count);
});

// No credential in any artifact. The probe runs with each login strategy (form, e2e-bypass, a token handed over
// through the callback, a saved storage state), one user and several, passing, failing and interrupted, with the
// platform's JWTs and with opaque tokens (nothing to recognise them by; an HttpOnly session cookie; a greeting
// frame that echoes the session and the refresh token under names that say nothing). Every credential is a
// canary: the ones the test gives (password, bypass key, token, the webhook's secret path) and every one the
// reference issued during the run (tokens, refresh tokens, session cookies, tickets). None may appear in any
// file the probe wrote (the HTML report unpacked, Allure, the history's rows, the metrics), in an alert's body,
// or on its console; nor anything shaped like one.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueOpaqueToken, issueToken, REFERENCE_CREDENTIALS } from '../../reference/server';
import { referenceUsername } from '../../reference/tokens';
import { describe, expect, test, type ProbeOutcome, type RunningProbe } from './harness';
import { unzipEntries } from './unzip';

/** Every file under `dir`, as text; zips embedded in the HTML report are unpacked. */
function readAll(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...readAll(path));
      continue;
    }
    const text = readFileSync(path).toString('latin1');
    out.push([path, text]);
    const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(text);
    if (embedded) for (const [entry, body] of unzipEntries(Buffer.from(embedded[1]!, 'base64'))) out.push([`${path}!${entry}`, body.toString('utf8')]);
  }
  return out;
}

const SECRET_SHAPES: Array<[string, RegExp]> = [
  ['a JWT', /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/],
  // `${` is the probe's own source code, which the HTML report quotes around a failing line, not a value.
  ['a ticket in a URL', /ticket=(?!\[REDACTED\]|\$\{)[^&"\s\\]+/],
  ['an access token in a URL', /access_token=(?!\[REDACTED\]|\$\{)[^&"\s\\]+/],
  ['a Bearer value', /Bearer (?!\[REDACTED\])[\w.-]{8,}/],
];

interface Scenario {
  name: string;
  login: 'form' | 'e2e-bypass' | 'token' | 'storage-state';
  credentials: 'jwt' | 'opaque';
  users?: number;
  /** A fault that makes the run fail (and alert: PROBE_ALERT_AFTER=1). */
  fault?: string;
  /** SIGTERM once the message is sent (the fault then keeps the run waiting). */
  interrupt?: boolean;
  /** More settings: turns, the stored history (asked with the page's own token), a team's journeys. */
  env?: Record<string, string>;
  code: number;
}

/** Two turns, the reload, and the thread's stored history, which the page asks with its own token. */
const CONVERSATION = { PROBE_TURNS: '2', PROBE_THREAD_MESSAGES_URL: '{api}/api/threads/{threadId}/messages' };

const SCENARIOS: Scenario[] = [
  { name: 'form login, opaque tokens', login: 'form', credentials: 'opaque', code: 0 },
  { name: 'form login, opaque tokens, failing', login: 'form', credentials: 'opaque', fault: 'agent-error', code: 1 },
  { name: 'form login, opaque tokens, interrupted', login: 'form', credentials: 'opaque', fault: 'stall-after-tool-completed', interrupt: true, code: 2 },
  { name: 'form login, 3 users, opaque tokens', login: 'form', credentials: 'opaque', users: 3, code: 0 },
  { name: 'form login, JWTs', login: 'form', credentials: 'jwt', code: 0 },
  { name: 'e2e-bypass login, opaque tokens', login: 'e2e-bypass', credentials: 'opaque', code: 0 },
  { name: 'e2e-bypass login, JWTs, failing', login: 'e2e-bypass', credentials: 'jwt', fault: 'close-1011-after-started', code: 1 },
  { name: 'token login through the callback, an opaque token', login: 'token', credentials: 'opaque', code: 0 },
  { name: 'storage-state login, saved with opaque tokens', login: 'storage-state', credentials: 'opaque', code: 0 },
  { name: 'form login, JWTs, two turns and the reload', login: 'form', credentials: 'jwt', env: CONVERSATION, code: 0 },
  { name: 'form login, 3 users, opaque tokens, two turns, failing', login: 'form', credentials: 'opaque', users: 3, env: CONVERSATION, fault: 'follow-up-stale-answer', code: 1 },
  { name: "e2e-bypass login, JWTs, a team's journey", login: 'e2e-bypass', credentials: 'jwt', env: { PROBE_JOURNEYS: join(__dirname, '..', '..', 'examples', 'journeys') }, code: 0 },
];

for (const s of SCENARIOS) {
  test(`${s.name}: no credential in any file, alert or console line`, async ({ probe, startProbe, staging, target }, testInfo) => {
    staging.setCredentials(s.credentials);
    if (s.fault) staging.setFault(s.fault);
    // The webhook's path is a secret too, as a Slack webhook's is.
    const hookSecret = `T0CANARY${randomBytes(6).toString('hex')}`;
    const bodies: string[] = [];
    const webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    try {
      const users = s.users ?? 1;
      const usersFile = testInfo.outputPath('users.json');
      writeFileSync(usersFile, JSON.stringify(Array.from({ length: users }, (_, i) => ({ username: referenceUsername(i + 1), password: REFERENCE_CREDENTIALS.password }))));
      const token = s.credentials === 'opaque' ? issueOpaqueToken('token-user@reference.test') : issueToken('token-user@reference.test');
      // Outside the probe's folder: the saved state holds tokens by design.
      const stateFile = testInfo.outputPath('state.json');
      const env: Record<string, string> = {
        ...target,
        PROBE_LOGIN: s.login,
        PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
        PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
        PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
        PROBE_TOKEN: token,
        PROBE_USERS: String(users),
        PROBE_USERS_FILE: usersFile,
        PROBE_ALERT_WEBHOOK: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/services/${hookSecret}?token=${hookSecret}q`,
        PROBE_ALERT_AFTER: '1',
        PROBE_METRICS_FILE: 'metrics.prom',
        ...(s.login === 'storage-state' ? { PROBE_STORAGE_STATE: stateFile } : {}),
        ...s.env,
      };
      const consoles: string[] = [];
      if (s.login === 'storage-state') {
        const saved = await probe({ ...env, PROBE_LOGIN: 'form' }, ['login', '--save', stateFile]);
        expect(saved.code, describe(saved)).toBe(0);
        consoles.push(saved.output);
      }
      const o = s.interrupt ? await interrupted(startProbe(env)) : await probe(env);
      consoles.push(o.output);
      expect(o.code, describe(o)).toBe(s.code);

      const files = [...readAll(testInfo.outputPath('probe')), ...consoles.map((text, i): [string, string] => [`console ${i + 1}`, text]), ...bodies.map((body, i): [string, string] => [`alert ${i + 1}`, body])];
      // The search reached what it must: the HTML report's packed data, the frames, the history, the metrics; an alert of a failing run.
      expect(files.some(([path]) => path.endsWith('history.db'))).toBe(true);
      // A journey's metrics go to a textfile of its own beside the configured one.
      expect(files.some(([path]) => /metrics(-[\w-]+)?\.prom$/.test(path))).toBe(true);
      if (!s.interrupt) {
        expect(files.some(([path]) => path.includes('index.html!'))).toBe(true);
        expect(files.some(([path, text]) => path.includes('frames') && text.includes('connection_established'))).toBe(true);
      }
      if (s.fault && !s.interrupt) expect(bodies.length, 'alerts received').toBeGreaterThan(0);

      const issued = staging.issuedCredentials();
      if (s.credentials === 'opaque' && s.login !== 'token') {
        // The opaque login ran as it should: tokens, a refresh token and a session cookie, and the greeting echoed them.
        expect(issued.length).toBeGreaterThanOrEqual(3);
        if (s.login === 'form' || s.login === 'storage-state') expect(files.some(([, text]) => /resume\\?":\\?"\[REDACTED\]/.test(text))).toBe(true);
      }
      const canaries: Array<[string, string]> = [
        ['the password', REFERENCE_CREDENTIALS.password],
        ['the bypass key', REFERENCE_CREDENTIALS.bypassKey],
        ['PROBE_TOKEN', token],
        ["the webhook's secret path", hookSecret],
        ...issued.map((value): [string, string] => ['a credential the reference issued', value]),
      ];
      const leaks: string[] = [];
      for (const [path, text] of files) {
        for (const [what, canary] of canaries) if (text.includes(canary) || text.includes(encodeURIComponent(canary))) leaks.push(`${what} (${canary.slice(0, 6)}…) in ${path}`);
        for (const [what, shape] of SECRET_SHAPES) if (shape.test(text)) leaks.push(`${what} in ${path}: ${shape.exec(text)![0].slice(0, 12)}…`);
      }
      expect(leaks).toEqual([]);
    } finally {
      await new Promise((resolve) => webhook.close(resolve));
    }
  });
}

/** Stops a run with SIGTERM once its message is sent (the fault keeps it waiting then): the interrupted run's outcome. */
async function interrupted(running: RunningProbe): Promise<ProbeOutcome> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    running.child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('send message (')) resolve();
    });
    void running.exited.then(() => reject(new Error(`the probe ended before its message was sent:\n${seen}`)));
  });
  running.child.kill('SIGTERM');
  const o = await running.exited;
  expect(o.result?.verdict.message, describe(o)).toContain('interrupted by SIGTERM');
  return o;
}

// The embedded reference staging, tested over the wire as a probe would see it: HTTP with undici, the
// socket with `ws`, and once with a real Chromium. One server per worker (speed 0), reset before each test.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test as base, chromium, expect } from '@playwright/test';
import { request } from 'undici';
import WebSocket from 'ws';
import { runReferenceCli } from '../../reference/main';
import { findBrowser } from '../../src/browser/resolve';
import { REFERENCE_CREDENTIALS, startReference, type ReferenceServer } from '../../reference/server';

/** Every wait on the server is bounded by this, and fails naming what it waited for. */
const WAIT_MS = 5_000;
const PROJECT_ROOT = join(__dirname, '..', '..');

type Frame = Record<string, any>;

const test = base.extend<{ reference: ReferenceServer }, { _referenceServer: ReferenceServer }>({
  _referenceServer: [
    async ({}, use) => {
      const server = await startReference({ speed: 0 });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker' },
  ],
  reference: async ({ _referenceServer }, use) => {
    _referenceServer.reset();
    await use(_referenceServer);
  },
});

// ---- helpers -------------------------------------------------------------------------------------

async function call(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.statusCode, json, text };
}

async function login(ref: ReferenceServer): Promise<{ token: string; userId: string }> {
  const res = await call('POST', `${ref.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
  expect(res.status, 'login status').toBe(200);
  return { token: res.json.access_token, userId: res.json.user.id };
}

async function bypassLogin(ref: ReferenceServer, email: string) {
  const res = await call('POST', `${ref.authUrl}/auth/e2e/test-auth`, { email, name: 'Probe' }, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  expect(res.status, 'bypass status').toBe(200);
  return { token: res.json.access_token as string, userId: res.json.user.id as string };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function newThread(ref: ReferenceServer, token: string): Promise<string> {
  const res = await call('POST', `${ref.apiUrl}/api/threads`, {}, bearer(token));
  expect(res.status, 'thread status').toBe(201);
  return res.json.thread_id;
}

async function ticketUrl(ref: ReferenceServer, token: string): Promise<string> {
  const res = await call('POST', `${ref.apiUrl}/api/websocket/ticket`, {}, bearer(token));
  expect(res.status, 'ticket status').toBe(200);
  return `${wsBase(ref)}/ws?ticket=${encodeURIComponent(res.json.ticket)}`;
}

const wsBase = (ref: ReferenceServer) => ref.apiUrl.replace(/^http/, 'ws');

function withTimeout<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A socket client that keeps every frame and resolves waits as frames arrive. */
class Client {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols?: string[]): Promise<Client> {
    const ws = new WebSocket(url, protocols);
    const client = new Client(ws);
    return withTimeout(
      new Promise<Client>((resolve, reject) => {
        ws.once('open', () => resolve(client));
        ws.once('error', reject);
      }),
      `socket open at ${url.replace(/ticket=[^&]+/, 'ticket=…')}`,
    );
  }

  /** The first frame (from the start) that matches; waits for it when it has not come yet. */
  waitFor(what: string, match: (f: Frame) => boolean): Promise<Frame> {
    return withTimeout(
      new Promise<Frame>((resolve) => {
        const check = () => {
          const found = this.frames.find(match);
          if (!found) return false;
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(found);
          return true;
        };
        if (!check()) this.waiters.push(check);
      }),
      what,
    );
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** A logged-in user with an open socket, established, and a thread. */
async function connectUser(ref: ReferenceServer, who?: string) {
  const { token, userId } = who ? await bypassLogin(ref, who) : await login(ref);
  const threadId = await newThread(ref, token);
  const client = await Client.open(await ticketUrl(ref, token));
  await client.waitFor('connection_established', (f) => f.type === 'connection_established');
  return { token, userId, threadId, client };
}

const isRunFrame = (f: Frame) => typeof f.run_id === 'string';
const finalAnswer = (f: Frame) => f.type === 'agent_response' || f.type === 'final_report';
const summary = (frames: Frame[]) => frames.filter(isRunFrame).map((f) => (f.agent_name ? `${f.type}:${f.agent_name}` : f.type));

const HEALTHY_EVENTS = [
  'agent_started:supervisor',
  'agent_thinking:supervisor',
  'agent_started:data_agent',
  'agent_thinking:data_agent',
  'tool_executing:data_agent',
  'tool_completed:data_agent',
  'agent_completed:data_agent',
  'agent_completed',
  'agent_response',
];

function decodeJwt(token: string): Record<string, any> {
  const parts = token.split('.');
  expect(parts, 'a JWT has three parts').toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
}

// ---- HTTP: health and auth -----------------------------------------------------------------------

test('health endpoints answer healthy with a reference version', async ({ reference }) => {
  for (const url of [`${reference.apiUrl}/health`, `${reference.apiUrl}/ws/health`, `${reference.authUrl}/auth/health`, `${reference.authUrl}/health`]) {
    const res = await call('GET', url);
    expect(res.status, url).toBe(200);
    expect(res.json, url).toEqual({ status: 'healthy', version: expect.stringMatching(/^reference-\d+\.\d+\.\d+/) });
  }
});

test('login with the reference credentials returns a verified JWT; a bad password is refused', async ({ reference }) => {
  const good = await call('POST', `${reference.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
  expect(good.status).toBe(200);
  expect(good.json).toEqual({
    access_token: expect.any(String),
    refresh_token: expect.any(String),
    token_type: 'Bearer',
    expires_in: 900,
    user: { id: expect.stringMatching(/^user-[0-9a-f]+$/), email: REFERENCE_CREDENTIALS.username },
  });
  const claims = decodeJwt(good.json.access_token);
  expect(claims).toMatchObject({ sub: good.json.user.id, email: REFERENCE_CREDENTIALS.username });
  expect(claims.exp * 1000).toBeGreaterThan(Date.now());

  const bad = await call('POST', `${reference.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: 'wrong' });
  expect(bad.status).toBe(401);
  expect(bad.json).toEqual({ error: 'Invalid credentials' });
});

test('the E2E bypass logs in with the right key (stable user id per email) and refuses a bad one', async ({ reference }) => {
  const url = `${reference.authUrl}/auth/e2e/test-auth`;
  const body = { email: 'someone@reference.test', name: 'Someone' };
  const first = await call('POST', url, body, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  const again = await call('POST', url, body, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: expect.stringMatching(/^user-/), email: body.email } });
  expect(again.json.user.id, 'user id is stable per email').toBe(first.json.user.id);
  expect(decodeJwt(first.json.access_token).sub).toBe(first.json.user.id);

  expect((await call('POST', url, body, { 'X-E2E-Bypass-Key': 'wrong-key' })).status).toBe(401);
  expect((await call('POST', url, body)).status, 'no key at all').toBe(401);
});

test('the ticket endpoint needs a valid Bearer token', async ({ reference }) => {
  const url = `${reference.apiUrl}/api/websocket/ticket`;
  expect((await call('POST', url, {})).status, 'no Authorization').toBe(401);
  expect((await call('POST', url, {}, bearer('not.a.token'))).status, 'garbage token').toBe(401);
  const { token } = await login(reference);
  const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
  expect((await call('POST', url, {}, bearer(forged))).status, 'bad signature').toBe(401);
  const ok = await call('POST', url, {}, bearer(token));
  expect(ok.status).toBe(200);
  expect(ok.json).toEqual({ ticket: expect.any(String), expires_in: expect.any(Number) });
});

// ---- WebSocket auth ------------------------------------------------------------------------------

/** The HTTP status of a refused upgrade. */
function upgradeStatus(url: string, protocols?: string[]): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('the upgrade was accepted')));
      ws.on('error', () => undefined);
    }),
    `refused upgrade at ${url}`,
  );
}

test('the upgrade without a ticket, or with a used one, is refused with 401', async ({ reference }) => {
  expect(await upgradeStatus(`${wsBase(reference)}/ws`)).toBe(401);
  expect(await upgradeStatus(`${wsBase(reference)}/ws?ticket=made-up`)).toBe(401);
  const { token } = await login(reference);
  const url = await ticketUrl(reference, token);
  const first = await Client.open(url);
  await first.waitFor('connection_established', (f) => f.type === 'connection_established');
  first.close();
  expect(await upgradeStatus(url), 'tickets are single-use').toBe(401);
});

test('the jwt.<token> subprotocol authenticates; a bad token is accepted then closed 1003', async ({ reference }) => {
  const { token, userId } = await login(reference);
  const good = await Client.open(`${wsBase(reference)}/ws`, [`jwt.${token}`]);
  expect(good.ws.protocol).toBe(`jwt.${token}`);
  const established = await good.waitFor('connection_established', (f) => f.type === 'connection_established');
  expect(established.data).toEqual({ user_id: userId, connection_id: expect.any(String) });
  good.close();

  const bad = await Client.open(`${wsBase(reference)}/ws`, ['jwt.bad-token']);
  expect((await withTimeout(bad.closed, 'close of the bad-token socket')).code).toBe(1003);
});

test('keepalive: a heartbeat after connection_established, pong for ping', async ({ reference }) => {
  const { client } = await connectUser(reference);
  await client.waitFor('heartbeat', (f) => f.type === 'heartbeat');
  client.send({ type: 'ping' });
  await client.waitFor('pong', (f) => f.type === 'pong');
  expect(client.frames.map((f) => f.type)).toEqual(['connection_established', 'heartbeat', 'pong']);
  client.close();
});

// ---- runs ----------------------------------------------------------------------------------------

test('a healthy run over the socket emits the whole golden path in order, with an answer that contains the message', async ({ reference }) => {
  const { client, threadId, userId } = await connectUser(reference);
  const message = 'How much did we use last week? [nonce-1]';
  client.send({ type: 'start_agent', payload: { user_request: message, thread_id: threadId } });
  const answer = await client.waitFor('agent_response', finalAnswer);

  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
  const run = client.frames.filter(isRunFrame);
  const runId = run[0]?.run_id;
  for (const f of run) expect(f, `${f.type} carries the run, thread and user`).toMatchObject({ run_id: runId, thread_id: threadId, user_id: userId });
  const final = run.find((f) => f.type === 'agent_completed' && !('agent_name' in f));
  expect(final?.data.result).toContain(message);
  expect(answer.payload.content).toBe(final?.data.result);
  expect(answer.payload.content).not.toMatch(/^Agent response for:/);
  const [executing, completed] = [run.find((f) => f.type === 'tool_executing'), run.find((f) => f.type === 'tool_completed')];
  expect(executing?.data).toMatchObject({ tool_name: 'usage_lookup', call_id: expect.any(String) });
  expect(completed?.data.call_id).toBe(executing?.data.call_id);

  // The next message of the thread goes as user_message and makes a new run.
  client.send({ type: 'user_message', payload: { content: 'and the week before?', thread_id: threadId } });
  await client.waitFor('second agent_response', (f) => finalAnswer(f) && f.run_id !== runId);
  expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS, ...HEALTHY_EVENTS]);
  client.close();
});

test('the answer is deterministic in the message', async ({ reference }) => {
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'same words', thread_id: threadId } });
  client.send({ type: 'user_message', payload: { content: 'same words', thread_id: threadId } });
  await client.waitFor('two answers', () => client.frames.filter(finalAnswer).length === 2);
  const [a, b] = client.frames.filter(finalAnswer);
  expect(a?.payload.content).toBe(b?.payload.content);
  client.close();
});

test('the REST send path runs the agent and delivers events on the socket', async ({ reference }) => {
  const { client, threadId, token } = await connectUser(reference);
  const res = await call('POST', `${reference.apiUrl}/api/agent/v2/execute`, { request_id: 'req-1', message: 'over rest', thread_id: threadId }, bearer(token));
  expect(res.status).toBe(202);
  expect(res.json).toMatchObject({ status: 'accepted', request_id: 'req-1', thread_id: threadId, run_id: expect.any(String) });
  const answer = await client.waitFor('agent_response', finalAnswer);
  expect(answer.run_id).toBe(res.json.run_id);
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
  expect((await call('POST', `${reference.apiUrl}/api/agent/v2/execute`, { message: 'x', thread_id: threadId })).status, 'needs Bearer').toBe(401);
  client.close();
});

test('events are routed to the thread owner only', async ({ reference }) => {
  const owner = await connectUser(reference);
  const other = await connectUser(reference, 'other@reference.test');
  owner.client.send({ type: 'start_agent', payload: { user_request: 'mine only', thread_id: owner.threadId } });
  await owner.client.waitFor('agent_response', finalAnswer);
  // Everything the server sent the other user before its pong has arrived by then: no run frames.
  other.client.send({ type: 'ping' });
  await other.client.waitFor('pong', (f) => f.type === 'pong');
  expect(other.client.frames.filter(isRunFrame)).toEqual([]);
  // And the other user cannot run in the owner's thread.
  other.client.send({ type: 'start_agent', payload: { user_request: 'hijack', thread_id: owner.threadId } });
  expect((await other.client.waitFor('error frame', (f) => f.type === 'error')).data.message).toBe('Thread not found');
  owner.client.close();
  other.client.close();
});

// ---- faults --------------------------------------------------------------------------------------

test('missing-tool-completed drops exactly tool_completed', async ({ reference }) => {
  reference.setFault('missing-tool-completed');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'no completion', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS.filter((e) => e !== 'tool_completed:data_agent'));
  client.close();
});

test('close-1011-after-started closes with 1011 "Service not ready" right after the first agent_started', async ({ reference }) => {
  reference.setFault('close-1011-after-started');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'boom', thread_id: threadId } });
  expect(await withTimeout(client.closed, 'the 1011 close')).toEqual({ code: 1011, reason: 'Service not ready' });
  expect(summary(client.frames)).toEqual(['agent_started:supervisor']);
});

test('answer-in-final-report sends final_report with executive_summary and no agent_response', async ({ reference }) => {
  reference.setFault('answer-in-final-report');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'report please', thread_id: threadId } });
  const report = await client.waitFor('final_report', finalAnswer);
  expect(report.type).toBe('final_report');
  expect(report.payload.executive_summary).toContain('report please');
  expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS.slice(0, -1), 'final_report']);
  client.close();
});

test('other-user-run delivers a foreign run besides ours', async ({ reference }) => {
  reference.setFault('other-user-run');
  const { client, threadId, userId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'mine', thread_id: threadId } });
  await client.waitFor('both answers', () => client.frames.filter(finalAnswer).length === 2);
  const foreign = client.frames.filter((f) => isRunFrame(f) && f.user_id !== userId);
  expect(foreign.length).toBeGreaterThan(0);
  expect(JSON.stringify(foreign)).toContain('SECRET-OTHER-USER');
  expect(new Set(foreign.map((f) => f.run_id)).size).toBe(1);
  expect(summary(client.frames.filter((f) => f.user_id === userId))).toEqual(HEALTHY_EVENTS);
  client.close();
});

test('slow-first-event holds the first event back by the delay set on the control endpoint', async ({ reference }) => {
  const set = await call('POST', `${reference.controlUrl}/fault`, { fault: 'slow-first-event', delayMs: 300 });
  expect(set.json).toEqual({ fault: 'slow-first-event', delayMs: 300 });
  const { client, threadId } = await connectUser(reference);
  const sentAt = Date.now();
  client.send({ type: 'start_agent', payload: { user_request: 'slowly', thread_id: threadId } });
  await client.waitFor('agent_started', (f) => f.type === 'agent_started');
  expect(Date.now() - sentAt).toBeGreaterThanOrEqual(250);
  client.close();
});

test('upgrade-403 and ticket-500 refuse the socket', async ({ reference }) => {
  const { token } = await login(reference);
  reference.setFault('upgrade-403');
  expect(await upgradeStatus(await ticketUrl(reference, token))).toBe(403);
  reference.setFault('ticket-500');
  expect((await call('POST', `${reference.apiUrl}/api/websocket/ticket`, {}, bearer(token))).status).toBe(500);
});

// ---- control -------------------------------------------------------------------------------------

test('the control endpoint lists faults and rejects an unknown one with 400 and the known names', async ({ reference }) => {
  const list = await call('GET', `${reference.controlUrl}/faults`);
  expect(list.status).toBe(200);
  const names = list.json.faults.map((f: { name: string }) => f.name);
  expect(names).toEqual(expect.arrayContaining(['healthy', 'missing-tool-completed', 'close-1011-after-started', 'answer-not-rendered']));
  for (const f of list.json.faults) expect(f.describe, f.name).toEqual(expect.any(String));

  const bad = await call('POST', `${reference.controlUrl}/fault`, { fault: 'no-such-fault' });
  expect(bad.status).toBe(400);
  expect(bad.json.error).toContain('no-such-fault');
  expect(bad.json.faults).toEqual(names);
  expect((await call('POST', `${reference.controlUrl}/fault`, { fault: 'healthy', delayMs: -1 })).status).toBe(400);
  expect(() => reference.setFault('no-such-fault')).toThrow(/Unknown fault "no-such-fault".*healthy/);
});

test('reset goes back to the start fault and drops state', async ({ reference }) => {
  const { client, threadId, token } = await connectUser(reference);
  expect((await call('POST', `${reference.controlUrl}/fault`, { fault: 'missing-tool-completed' })).status).toBe(200);
  expect((await call('GET', `${reference.controlUrl}/fault`)).json.fault).toBe('missing-tool-completed');

  const reset = await call('POST', `${reference.controlUrl}/reset`);
  expect(reset.json).toEqual({ fault: 'healthy' });
  expect((await call('GET', `${reference.controlUrl}/fault`)).json.fault).toBe('healthy');
  expect((await withTimeout(client.closed, 'sockets dropped by reset')).code).toBe(1006);

  // Tokens stay valid (they are signed, not stored); threads are gone, so the old id is claimed anew.
  const again = await Client.open(await ticketUrl(reference, token));
  again.send({ type: 'start_agent', payload: { user_request: 'after reset', thread_id: threadId } });
  await again.waitFor('agent_response', finalAnswer);
  expect(summary(again.frames)).toEqual(HEALTHY_EVENTS);
  again.close();
});

// ---- CLI -----------------------------------------------------------------------------------------

test('the CLI refuses unknown flags and bad values with exit code 2 and says why', async () => {
  const errors: string[] = [];
  const io = { out: () => undefined, err: (l: string) => errors.push(l) };
  expect(await runReferenceCli(['--nope'], io)).toBe(2);
  expect(errors.join('\n')).toContain('unknown flag "--nope"');
  errors.length = 0;
  expect(await runReferenceCli(['--speed', '-1', '--fault', 'bogus', '--send-over', 'pigeon'], io)).toBe(2);
  const text = errors.join('\n');
  expect(text).toContain('--speed must be a number >= 0');
  expect(text).toMatch(/--fault must be one of healthy, .*answer-not-rendered/);
  expect(text).toContain('--send-over must be one of ws, rest (got "pigeon")');
});

test('the CLI prints its URLs and credentials and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'reference/main.ts', '--port', '0', '--speed', '0'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const appUrl = await withTimeout(
      new Promise<string>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /^APP=(\S+)$/m.exec(out);
          if (m && out.includes('Press Ctrl+C')) resolve(m[1] as string);
        }),
      ),
      'the CLI to print APP=',
      20_000,
    );
    expect(out).toMatch(/^API=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^AUTH=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^CONTROL=http:\/\/127\.0\.0\.1:\d+\/__reference$/m);
    expect(out).toContain(`USERNAME=${REFERENCE_CREDENTIALS.username}`);
    expect((await call('GET', `${appUrl}/health`)).json.status).toBe('healthy');
    child.kill('SIGTERM');
    expect(await withTimeout(exited, 'the CLI to exit after SIGTERM')).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

// ---- the pages, in a real browser ----------------------------------------------------------------

test.describe('chat page in Chromium', () => {
  // The same browser the probe would use; .ci/run installs one, so a skip here only happens on a bare machine.
  const browser = findBrowser(process.env.PROBE_BROWSER_PATH);
  test.skip('error' in browser, 'error' in browser ? browser.error : '');

  const launch = () => {
    if ('error' in browser) throw new Error(browser.error);
    return chromium.launch({ executablePath: browser.executablePath, args: browser.args });
  };

  test('form login, send, answer rendered; answer-not-rendered hides only the answer', async ({ reference }) => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page, 'no token: redirected to login').toHaveURL(/\/login$/);

      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill('wrong');
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');

      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      await expect(page).toHaveURL(/\/chat$/);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

      await page.getByTestId('message-textarea').fill('browser check');
      await page.getByTestId('send-button').click();
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "browser check"/);
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();

      // The second message of the thread goes as user_message; each answer appends a card.
      await page.getByTestId('message-textarea').fill('second check');
      await page.getByTestId('send-button').click();
      await expect(page.getByTestId('response-card')).toHaveCount(2);
      await expect(page.getByTestId('response-card').nth(1)).toContainText('second check');
      expect(sent.map((s) => JSON.parse(s).type).filter((t) => t !== 'pong')).toEqual(['start_agent', 'user_message']);

      // A new page load (new thread) under a fault that hides the answer.
      reference.setFault('answer-not-rendered');
      await page.reload();
      await page.getByTestId('message-textarea').fill('hidden answer');
      await page.getByTestId('send-button').click();
      await expect(page.getByText('hidden answer')).toBeVisible();
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await browser.close();
    }
  });

  test('the OAuth-like path lands in the chat with the token out of the URL', async ({ reference }) => {
    reference.setFault('send-over-rest');
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const sent: string[] = [];
      page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('oauth-button').click();
      await expect(page).toHaveURL(/\/chat$/);
      const execute = page.waitForRequest((r) => r.url().endsWith('/api/agent/v2/execute'));
      await page.getByTestId('message-textarea').fill('via rest');
      await page.getByTestId('send-button').click();
      expect((await execute).postDataJSON()).toMatchObject({ message: 'via rest', thread_id: expect.any(String), request_id: expect.any(String) });
      await expect(page.getByTestId('response-card')).toContainText('via rest');
      expect(sent.filter((s) => s.includes('via rest')), 'the message did not go over the socket').toEqual([]);
      await page.goBack();
      expect(page.url(), 'the callback URL with the token left the history').not.toContain('access_token');
    } finally {
      await browser.close();
    }
  });

  test('after a 1011 close mid-run the page reconnects with a new ticket and the run stays unfinished', async ({ reference }) => {
    reference.setFault('close-1011-after-started');
    const { token } = await login(reference);
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.addInitScript((t) => localStorage.setItem('jwt_token', t), token);
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`${reference.appUrl}/chat`);
      // Send is enabled once the first socket is established, so the next socket event is the reconnect.
      await expect(page.getByTestId('send-button')).toBeEnabled();
      await page.getByTestId('message-textarea').fill('then it breaks');
      const second = page.waitForEvent('websocket', { timeout: WAIT_MS });
      await page.getByTestId('send-button').click();
      await second;
      await expect(page.getByTestId('connection-status')).toHaveText('connected');
      expect(sockets).toHaveLength(2);
      expect(new Set(sockets).size, 'each socket has its own ticket').toBe(2);
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await browser.close();
    }
  });
});

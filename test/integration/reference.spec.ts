// The embedded reference staging, tested over the wire as a probe would see it: HTTP with undici, the
// socket with `ws`, and once with a real Chromium. One server per worker (speed 0), reset before each test.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chromium, expect, type Browser, type Page } from '@playwright/test';
import { request } from 'undici';
import WebSocket from 'ws';
import { parseReferenceArgs, runReferenceCli } from '../../reference/main';
import { findBrowser } from '../../src/browser/resolve';
import { REFERENCE_CREDENTIALS, RENAMED_DIALECT, startReference, type ReferenceServer } from '../../reference/server';
import { issueToken } from '../../reference/tokens';
import { test as referenceTest } from './reference-fixture';

/** Every wait on the server is bounded by this, and fails naming what it waited for. */
const WAIT_MS = 5_000;
const PROJECT_ROOT = join(__dirname, '..', '..');

type Frame = Record<string, any>;

const test = referenceTest.extend<{ reference: ReferenceServer }, { chromiumBrowser: Browser }>({
  // One browser per worker for the page tests that share it (launched only when a test asks for it).
  chromiumBrowser: [
    async ({}, use) => {
      const found = findBrowser(process.env.PROBE_BROWSER_PATH);
      if ('error' in found) throw new Error(found.error);
      const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
      try {
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: 'worker' },
  ],
  reference: async ({ staging }, use) => use(staging),
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
  /** The frames that parse as JSON. */
  readonly frames: Frame[] = [];
  /** Every message as it came, JSON or not: its text and whether it was a binary frame. */
  readonly wire: Array<{ text: string; binary: boolean }> = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, binary) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.wire.push({ text, binary });
      try {
        this.frames.push(JSON.parse(text));
      } catch {
        // not JSON: kept in `wire` only
      }
      for (const w of [...this.waiters]) w();
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

/** The HTTP status the upgrade is answered with: 101 when accepted (the socket is closed right away), else the refusal's. */
function upgradeStatus(url: string, protocols?: string[]): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, protocols);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('upgrade', (res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => ws.close(1000));
      ws.on('error', () => undefined);
    }),
    `the answer to the upgrade at ${url.replace(/ticket=[^&]+/, 'ticket=…')}`,
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

test('slow-first-event takes its delay from setFault(name, { delayMs }) too', async ({ reference }) => {
  reference.setFault('slow-first-event', { delayMs: 200 });
  expect((await call('GET', `${reference.controlUrl}/fault`)).json).toEqual({ fault: 'slow-first-event', delayMs: 200 });
  const { client, threadId } = await connectUser(reference);
  const sentAt = Date.now();
  client.send({ type: 'start_agent', payload: { user_request: 'slowly again', thread_id: threadId } });
  await client.waitFor('agent_started', (f) => f.type === 'agent_started');
  expect(Date.now() - sentAt).toBeGreaterThanOrEqual(180);
  client.close();
});

// ---- new faults: healthy variants ------------------------------------------------------------------

/** What came after connect, one entry a message: run frames as in summary(), others by type, non-JSON as 'MALFORMED'. */
function wireSummary(client: Client): string[] {
  return client.wire.map(({ text }) => kindOf(text));
}

function kindOf(text: string): string {
  let f: Frame;
  try {
    f = JSON.parse(text);
  } catch {
    return 'MALFORMED';
  }
  return isRunFrame(f) && f.agent_name ? `${f.type}:${f.agent_name}` : String(f.type);
}

test('binary-frames sends every frame as a binary frame of UTF-8 JSON', async ({ reference }) => {
  reference.setFault('binary-frames');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'binary please — ünïcode', thread_id: threadId } });
  const answer = await client.waitFor('agent_response', finalAnswer);
  client.send({ type: 'ping' });
  await client.waitFor('pong', (f) => f.type === 'pong');
  expect(answer.payload.content).toContain('binary please — ünïcode');
  expect(wireSummary(client)).toEqual(['connection_established', 'heartbeat', ...HEALTHY_EVENTS, 'pong']);
  expect(client.wire.map((w) => w.binary)).toEqual(client.wire.map(() => true));
  client.close();
});

test('reconnect-1012-mid-run closes 1012 after tool_executing and delivers the rest of the same run on the next socket', async ({ reference }) => {
  reference.setFault('reconnect-1012-mid-run');
  const { client, threadId, token } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'survive a restart', thread_id: threadId } });
  expect(await withTimeout(client.closed, 'the 1012 close')).toEqual({ code: 1012, reason: 'Service Restart' });
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS.slice(0, 5));

  const again = await Client.open(await ticketUrl(reference, token));
  await again.waitFor('agent_response on the new socket', finalAnswer);
  expect(wireSummary(again)).toEqual(['connection_established', 'heartbeat', ...HEALTHY_EVENTS.slice(5)]);
  const runIds = new Set([...client.frames, ...again.frames].filter(isRunFrame).map((f) => f.run_id));
  expect(runIds.size, 'one run across both sockets').toBe(1);
  expect(again.frames.filter(isRunFrame).every((f) => f.thread_id === threadId)).toBe(true);
  again.close();
});

test('noisy-sockets puts heartbeats and pings between the events; the notification socket only chatters', async ({ reference }) => {
  reference.setFault('noisy-sockets');
  const { client, threadId, token } = await connectUser(reference);
  const notes = await Client.open((await ticketUrl(reference, token)).replace('/ws?', '/ws/notifications?'));
  client.send({ type: 'start_agent', payload: { user_request: 'noisy', thread_id: threadId } });
  const expected = HEALTHY_EVENTS.flatMap((e, i) => (i % 2 === 0 ? [e, 'heartbeat', 'ping'] : [e, 'heartbeat']));
  const fromRun = () => wireSummary(client).slice(wireSummary(client).indexOf('agent_started:supervisor'));
  await client.waitFor(`${expected.length} frames from the first agent_started on`, () => fromRun().length >= expected.length);
  expect(fromRun()).toEqual(expected);
  for (const ping of client.frames.filter((f) => f.type === 'ping')) client.send({ type: 'pong', timestamp: ping.timestamp });

  await notes.waitFor('six notifications', () => notes.frames.length >= 6);
  expect(notes.frames.map((f) => f.type)).toEqual(Array(6).fill('notification'));
  expect(notes.frames.filter((f) => 'run_id' in f || 'thread_id' in f)).toEqual([]);
  // The pongs were taken quietly: nothing but the run's frames came back.
  client.send({ type: 'ping' });
  await client.waitFor('pong', (f) => f.type === 'pong');
  expect(client.frames.filter((f) => f.type === 'error')).toEqual([]);
  client.close();
  notes.close();
});

test('malformed-frame sends one truncated, non-JSON text frame right after agent_started', async ({ reference }) => {
  reference.setFault('malformed-frame');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'broken proxy', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  expect(wireSummary(client)).toEqual(['connection_established', 'heartbeat', HEALTHY_EVENTS[0], 'MALFORMED', ...HEALTHY_EVENTS.slice(1)]);
  const bad = client.wire.find((w) => kindOf(w.text) === 'MALFORMED');
  expect(bad?.text).toMatch(/^\{"type": "agent_thinking", "run_id": "run-[0-9a-f]+", "data": \{"thought": "Rout$/);
  expect(bad?.binary).toBe(false);
  client.close();
});

test('dialect-renamed renames the five agent events on the wire and exports the mapping', async ({ reference }) => {
  expect(RENAMED_DIALECT).toEqual({
    agent_started: 'run.begin',
    agent_thinking: 'run.reasoning',
    tool_executing: 'tool.start',
    tool_completed: 'tool.end',
    agent_completed: 'run.done',
  });
  reference.setFault('dialect-renamed');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'renamed', thread_id: threadId } });
  const answer = await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual([
    'run.begin:supervisor',
    'run.reasoning:supervisor',
    'run.begin:data_agent',
    'run.reasoning:data_agent',
    'tool.start:data_agent',
    'tool.end:data_agent',
    'run.done:data_agent',
    'run.done',
    'agent_response',
  ]);
  expect(client.frames.find((f) => f.type === 'run.done' && !f.agent_name)?.data.result).toBe(answer.payload.content);
  client.close();
});

test('jitter keeps the order of events; the option and the CLI check its range', async () => {
  const server = await startReference({ speed: 0.05, jitter: 1 });
  try {
    const { client, threadId } = await connectUser(server);
    client.send({ type: 'start_agent', payload: { user_request: 'jittery', thread_id: threadId } });
    await client.waitFor('agent_response', finalAnswer);
    expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
    client.close();
  } finally {
    await server.close();
  }
  await expect(startReference({ jitter: 1.5 })).rejects.toThrow('jitter must be a number from 0 to 1 (got 1.5)');
  const errors: string[] = [];
  expect(await runReferenceCli(['--jitter', '2'], { out: () => undefined, err: (l) => errors.push(l) })).toBe(2);
  expect(errors[0]).toBe('reference: --jitter must be at most 1 (got 2)');
});

// ---- new faults: failures -------------------------------------------------------------------------

test('stall-after-tool-completed: nothing after tool_completed but heartbeats, on an open socket', async ({ reference }) => {
  reference.setFault('stall-after-tool-completed');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'stall', thread_id: threadId } });
  const completed = await client.waitFor('tool_completed', (f) => f.type === 'tool_completed');
  const after = () => client.frames.slice(client.frames.indexOf(completed) + 1);
  await client.waitFor('two heartbeats after tool_completed', () => after().length >= 2);
  expect(after().slice(0, 2).map((f) => f.type)).toEqual(['heartbeat', 'heartbeat']);
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS.slice(0, 6));
  expect(client.ws.readyState).toBe(WebSocket.OPEN);
  client.close();
});

test('only-subagent-completed: the sub-agent completes, the run never does', async ({ reference }) => {
  reference.setFault('only-subagent-completed');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'half done', thread_id: threadId } });
  await client.waitFor('the sub-agent agent_completed', (f) => f.type === 'agent_completed');
  client.send({ type: 'ping' });
  await client.waitFor('pong', (f) => f.type === 'pong');
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS.slice(0, 7));
  client.close();
});

test('tool-completed-other-tool: tool_completed names another tool and call id', async ({ reference }) => {
  reference.setFault('tool-completed-other-tool');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'which tool', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
  const executing = client.frames.find((f) => f.type === 'tool_executing');
  const completed = client.frames.find((f) => f.type === 'tool_completed');
  expect(executing?.data).toMatchObject({ tool_name: 'usage_lookup', call_id: expect.stringMatching(/^call-/) });
  expect(completed?.data).toMatchObject({ tool_name: 'billing_lookup', call_id: expect.stringMatching(/^call-/) });
  expect(completed?.data.call_id).not.toBe(executing?.data.call_id);
  client.close();
});

test('final-completed-twice: two byte-identical final agent_completed frames, one answer', async ({ reference }) => {
  reference.setFault('final-completed-twice');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'twice', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS.slice(0, 8), 'agent_completed', 'agent_response']);
  const finals = client.wire.filter((w) => {
    const f = JSON.parse(w.text);
    return f.type === 'agent_completed' && !('agent_name' in f);
  });
  expect(finals).toHaveLength(2);
  expect(finals[1]?.text).toBe(finals[0]?.text);
  client.close();
});

test('foreign-routing: every frame of our run carries another run_id and thread_id, same user', async ({ reference }) => {
  reference.setFault('foreign-routing');
  const { client, threadId, token, userId } = await connectUser(reference);
  const res = await call('POST', `${reference.apiUrl}/api/agent/v2/execute`, { request_id: 'req-f', message: 'whose run', thread_id: threadId }, bearer(token));
  expect(res.status).toBe(202);
  await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
  const run = client.frames.filter(isRunFrame);
  expect(run.filter((f) => f.run_id === res.json.run_id || f.thread_id === threadId), 'frames with our ids').toEqual([]);
  expect(new Set(run.map((f) => `${f.run_id} ${f.thread_id} ${f.user_id}`)).size, 'one foreign run and thread').toBe(1);
  expect(run[0]?.user_id).toBe(userId);
  client.close();
});

test('rest-answer-no-events: the answer is in the thread history, the socket carries no run frame', async ({ reference }) => {
  reference.setFault('rest-answer-no-events');
  const { client, threadId, token } = await connectUser(reference);
  const message = 'answer over rest';
  client.send({ type: 'start_agent', payload: { user_request: message, thread_id: threadId } });
  const history = async () => (await call('GET', `${reference.apiUrl}/api/threads/${threadId}/messages`, undefined, bearer(token))).json;
  await expect.poll(async () => (await history()).messages.length, { message: 'the answer saved in the thread history', timeout: WAIT_MS }).toBe(2);
  const { messages } = await history();
  expect(messages).toEqual([
    { role: 'user', content: message, run_id: expect.stringMatching(/^run-/), created_at: expect.any(String) },
    { role: 'assistant', content: expect.stringContaining(`Reference answer for "${message}"`), run_id: messages[0].run_id, created_at: expect.any(String) },
  ]);
  client.send({ type: 'ping' });
  await client.waitFor('pong', (f) => f.type === 'pong');
  expect(client.frames.map((f) => f.type)).toEqual(['connection_established', 'heartbeat', 'pong']);

  // The history is the owner's only.
  const other = await bypassLogin(reference, 'nosy@reference.test');
  expect((await call('GET', `${reference.apiUrl}/api/threads/${threadId}/messages`, undefined, bearer(other.token))).status).toBe(404);
  expect((await call('GET', `${reference.apiUrl}/api/threads/${threadId}/messages`)).status).toBe(401);
  client.close();
});

test('heartbeats-only: no connection_established, no answer to anything, only heartbeats', async ({ reference }) => {
  reference.setFault('heartbeats-only');
  const { token } = await login(reference);
  const threadId = await newThread(reference, token);
  const client = await Client.open(await ticketUrl(reference, token));
  client.send({ type: 'start_agent', payload: { user_request: 'anyone there?', thread_id: threadId } });
  client.send({ type: 'ping' });
  await client.waitFor('three heartbeats', () => client.frames.length >= 3);
  expect(client.frames.slice(0, 3).map((f) => f.type)).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
  expect(wireSummary(client).filter((t) => t !== 'heartbeat')).toEqual([]);
  client.close();
});

test('login-rejected refuses the form, the bypass and the OAuth-like path with valid credentials', async ({ reference }) => {
  reference.setFault('login-rejected');
  const form = await call('POST', `${reference.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
  expect([form.status, form.json]).toEqual([401, { error: 'Invalid credentials' }]);
  const bypass = await call('POST', `${reference.authUrl}/auth/e2e/test-auth`, { email: 'a@reference.test' }, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  expect([bypass.status, bypass.json]).toEqual([401, { error: 'Invalid credentials' }]);
  const oauth = await request(`${reference.authUrl}/auth/oauth/google`, { method: 'GET' });
  await oauth.body.dump();
  expect([oauth.statusCode, oauth.headers.location]).toEqual([302, `${reference.appUrl}/login?error=Invalid%20credentials`]);
});

test('flaky-upgrade-once answers the first upgrade after the fault is set with 503, later ones with 101', async ({ reference }) => {
  const { token } = await login(reference);
  reference.setFault('flaky-upgrade-once');
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(await upgradeStatus(await ticketUrl(reference, token)));
  reference.setFault('flaky-upgrade-once');
  statuses.push(await upgradeStatus(await ticketUrl(reference, token)));
  statuses.push(await upgradeStatus(await ticketUrl(reference, token)));
  expect(statuses).toEqual([503, 101, 101, 503, 101]);

  // As the start fault: the first upgrade after each reset fails again.
  const flaky = await startReference({ speed: 0, fault: 'flaky-upgrade-once' });
  try {
    const user = await login(flaky);
    const afterStart = [await upgradeStatus(await ticketUrl(flaky, user.token)), await upgradeStatus(await ticketUrl(flaky, user.token))];
    flaky.reset();
    const afterReset = [await upgradeStatus(await ticketUrl(flaky, user.token)), await upgradeStatus(await ticketUrl(flaky, user.token))];
    expect([afterStart, afterReset]).toEqual([
      [503, 101],
      [503, 101],
    ]);
  } finally {
    await flaky.close();
  }
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
  // ---- the page under the new faults (one shared browser, a fresh context each) ----------------------

  interface PageSocket {
    url: string;
    /** Received frames as text; `binary` says which came as binary frames. */
    received: string[];
    binary: boolean[];
    sent: string[];
  }

  /** A signed-in chat page that records its sockets and its script errors. */
  async function openChat(chromiumBrowser: Browser, reference: ReferenceServer) {
    const { token } = await login(reference);
    const context = await chromiumBrowser.newContext();
    const page = await context.newPage();
    await page.addInitScript((t) => localStorage.setItem('jwt_token', t), token);
    const sockets: PageSocket[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('websocket', (ws) => {
      const s: PageSocket = { url: ws.url(), received: [], binary: [], sent: [] };
      sockets.push(s);
      ws.on('framereceived', (f) => {
        s.received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'));
        s.binary.push(typeof f.payload !== 'string');
      });
      ws.on('framesent', (f) => s.sent.push(String(f.payload)));
    });
    await page.goto(`${reference.appUrl}/chat`);
    return { page, context, sockets, errors };
  }

  async function ask(page: Page, text: string): Promise<void> {
    await expect(page.getByTestId('send-button'), 'the send button, enabled once the socket is open').toBeEnabled();
    await page.getByTestId('message-textarea').fill(text);
    await page.getByTestId('send-button').click();
  }

  const agentSockets = (sockets: PageSocket[]) => sockets.filter((s) => new URL(s.url).pathname === '/ws');
  const kinds = (frames: string[]) => frames.map(kindOf);

  const HEALTHY_VARIANT_CHECKS: Record<string, (sockets: PageSocket[], page: Page) => Promise<void>> = {
    'binary-frames': async (sockets) => {
      const [agent] = agentSockets(sockets);
      expect(agent?.binary.length).toBeGreaterThan(0);
      expect(agent?.binary).toEqual(agent?.binary.map(() => true));
    },
    'dialect-renamed': async (sockets) => {
      expect(kinds(agentSockets(sockets)[0]?.received ?? []).filter((k) => k.startsWith('run.done'))).toEqual(['run.done:data_agent', 'run.done']);
    },
    'malformed-frame': async (sockets) => {
      expect(kinds(agentSockets(sockets)[0]?.received ?? []).filter((k) => k === 'MALFORMED')).toEqual(['MALFORMED']);
    },
    'noisy-sockets': async (sockets, page) => {
      expect(sockets.map((s) => new URL(s.url).pathname).sort()).toEqual(['/ws', '/ws/notifications']);
      await expect(page.getByTestId('notification-count'), 'the notification badge counting all six').toHaveText('6');
      const notes = sockets.find((s) => s.url.includes('/ws/notifications'));
      expect(kinds(notes?.received ?? [])).toEqual(Array(6).fill('notification'));
      const agent = agentSockets(sockets)[0];
      const pings = () => kinds(agent?.received ?? []).filter((k) => k === 'ping').length;
      await expect.poll(() => pings(), { message: 'the five server pings' }).toBe(5);
      await expect.poll(() => agent?.sent.filter((f) => JSON.parse(f).type === 'pong').length, { message: 'a pong for each ping' }).toBe(5);
    },
    'reconnect-1012-mid-run': async (sockets, page) => {
      const agent = agentSockets(sockets);
      expect(agent, 'two agent sockets, each with its own ticket').toHaveLength(2);
      expect(new Set(agent.map((s) => s.url)).size).toBe(2);
      expect(kinds(agent[1]?.received ?? []).filter((k) => k === 'agent_response')).toEqual(['agent_response']);
      await expect(page.getByTestId('connection-status')).toHaveText('connected');
    },
  };

  for (const [fault, check] of Object.entries(HEALTHY_VARIANT_CHECKS)) {
    test(`${fault}: the page renders the answer`, async ({ reference, chromiumBrowser }) => {
      reference.setFault(fault);
      const { page, context, sockets, errors } = await openChat(chromiumBrowser, reference);
      try {
        await ask(page, `variant ${fault}`);
        await expect(page.getByTestId('response-card')).toHaveText(new RegExp(`^Reference answer for "variant ${fault}"`));
        await expect(page.getByTestId('thinking-indicator')).toBeHidden();
        await check(sockets, page);
        expect(errors, 'script errors of the page').toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  test('foreign-routing: the page receives the whole run and renders nothing', async ({ reference, chromiumBrowser }) => {
    reference.setFault('foreign-routing');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'not for this thread');
      await expect.poll(() => kinds(agentSockets(sockets)[0]?.received ?? []).includes('agent_response'), { message: 'the agent_response frame at the page' }).toBe(true);
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('rest-answer-no-events: the page renders the answer it polled over REST; its socket had no run frame', async ({ reference, chromiumBrowser }) => {
    reference.setFault('rest-answer-no-events');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      const polled = page.waitForRequest((r) => r.method() === 'GET' && /\/api\/threads\/[^/]+\/messages$/.test(r.url()), { timeout: WAIT_MS });
      await ask(page, 'from the history');
      await polled;
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "from the history"/);
      await expect(page.getByTestId('thinking-indicator')).toBeHidden();
      expect(new Set(kinds(agentSockets(sockets)[0]?.received ?? []))).toEqual(new Set(['connection_established', 'heartbeat']));
    } finally {
      await context.close();
    }
  });

  test('flaky-upgrade-once: the page does not retry a socket that never opened; a reload connects', async ({ reference, chromiumBrowser }) => {
    reference.setFault('flaky-upgrade-once');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await expect(page.getByTestId('connection-status')).toHaveText('disconnected');
      await expect(page.getByText(/^Could not connect \(code \d+\)$/)).toBeVisible();
      await expect(page.getByTestId('send-button')).toBeDisabled();
      expect(sockets, 'one attempt only').toHaveLength(1);

      await page.reload();
      await ask(page, 'second time lucky');
      await expect(page.getByTestId('response-card')).toHaveText(/^Reference answer for "second time lucky"/);
      expect(sockets).toHaveLength(2);
    } finally {
      await context.close();
    }
  });

  test('heartbeats-only: the page can send on the open socket, and nothing comes back', async ({ reference, chromiumBrowser }) => {
    reference.setFault('heartbeats-only');
    const { page, context, sockets } = await openChat(chromiumBrowser, reference);
    try {
      await ask(page, 'hello?');
      await expect(page.getByTestId('connection-status')).toHaveText('open');
      const agent = agentSockets(sockets)[0];
      await expect.poll(() => agent?.sent.map((f) => JSON.parse(f).type), { message: 'start_agent sent by the page' }).toEqual(['start_agent']);
      await expect.poll(() => (agent?.received.length ?? 0) >= 3, { message: 'three heartbeats at the page' }).toBe(true);
      expect(new Set(kinds(agent?.received ?? []))).toEqual(new Set(['heartbeat']));
      await expect(page.getByTestId('thinking-indicator')).toBeVisible();
      await expect(page.getByTestId('response-card')).toHaveCount(0);
    } finally {
      await context.close();
    }
  });

  test('login-rejected: the form and the OAuth-like path both show "Invalid credentials"', async ({ reference, chromiumBrowser }) => {
    reference.setFault('login-rejected');
    const context = await chromiumBrowser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');
      await page.goto(`${reference.appUrl}/login`);
      await page.getByTestId('oauth-button').click();
      await expect(page).toHaveURL(/\/login\?error=Invalid%20credentials$/);
      await expect(page.getByTestId('login-error')).toHaveText('Invalid credentials');
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
    } finally {
      await context.close();
    }
  });
});

// ---- the netra layout: app, API and auth on three ports ---------------------------------------------

const netraTest = test.extend<{ netra: ReferenceServer }, { _netraServer: ReferenceServer }>({
  _netraServer: [
    async ({}, use) => {
      const server = await startReference({ speed: 0, layout: 'netra' });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker' },
  ],
  netra: async ({ _netraServer }, use) => {
    _netraServer.reset();
    await use(_netraServer);
  },
});

/** A request as a browser's preflight (or a cross-origin call) would make it; the status and the CORS headers. */
async function withOrigin(method: 'OPTIONS' | 'POST', url: string, origin: string, body?: unknown) {
  const res = await request(url, {
    method,
    headers:
      method === 'OPTIONS'
        ? { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-e2e-bypass-key' }
        : { origin, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.dump();
  const h = (name: string) => (res.headers[name] as string | undefined) ?? null;
  return {
    status: res.statusCode,
    allowOrigin: h('access-control-allow-origin'),
    allowHeaders: h('access-control-allow-headers'),
    allowMethods: h('access-control-allow-methods'),
    vary: h('vary'),
  };
}

/** Which host answers what: the status of each route at each host, no credentials sent. */
const NETRA_ROUTES = [
  'GET /login',
  'GET /auth/callback',
  'GET /chat',
  'GET /favicon.ico',
  'GET /health',
  'GET /ws/health',
  'POST /api/threads',
  'POST /api/websocket/ticket',
  'GET /__reference/fault',
  'GET /auth/health',
  'POST /auth/login',
  'POST /auth/e2e/test-auth',
  'GET /auth/oauth/google',
] as const;

netraTest.describe('netra layout', () => {
  netraTest('three distinct ports; each host answers its own paths and 404s the others', async ({ netra }) => {
    const hosts = { app: netra.appUrl, api: netra.apiUrl, auth: netra.authUrl };
    const ports = Object.values(hosts).map((u) => Number(new URL(u).port));
    expect(new Set(ports).size, 'three ports').toBe(3);
    expect(netra.port).toBe(ports[0]);
    expect(netra.layout).toBe('netra');
    expect(netra.controlUrl).toBe(`${netra.apiUrl}/__reference`);
    for (const u of Object.values(hosts)) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const seen: Record<string, Record<string, number>> = {};
    for (const [name, base] of Object.entries(hosts)) {
      seen[name] = {};
      for (const route of NETRA_ROUTES) {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        seen[name][route] = (await call(method, `${base}${path}`, method === 'POST' ? {} : undefined)).status;
      }
    }
    const only = (owned: Record<string, number>) => Object.fromEntries(NETRA_ROUTES.map((r) => [r, owned[r] ?? 404]));
    expect(seen).toEqual({
      app: only({ 'GET /login': 200, 'GET /auth/callback': 200, 'GET /chat': 200, 'GET /favicon.ico': 204 }),
      api: only({ 'GET /health': 200, 'GET /ws/health': 200, 'POST /api/threads': 401, 'POST /api/websocket/ticket': 401, 'GET /__reference/fault': 200 }),
      auth: only({ 'GET /health': 200, 'GET /auth/health': 200, 'POST /auth/login': 401, 'POST /auth/e2e/test-auth': 401, 'GET /auth/oauth/google': 302 }),
    });
    expect((await call('POST', `${netra.appUrl}/api/threads`, {})).json).toEqual({ error: 'No route for POST /api/threads on the app host' });

    // The sockets are on the API host only.
    const ws = (base: string) => `${base.replace(/^http/, 'ws')}/ws`;
    expect([await upgradeStatus(ws(netra.appUrl)), await upgradeStatus(ws(netra.apiUrl)), await upgradeStatus(ws(netra.authUrl))]).toEqual([404, 401, 404]);
    // The OAuth-like path sends the browser back to the app host.
    const oauth = await request(`${netra.authUrl}/auth/oauth/google`, { method: 'GET' });
    await oauth.body.dump();
    expect(oauth.headers.location).toMatch(new RegExp(`^${netra.appUrl}/auth/callback\\?access_token=`));
  });

  netraTest('CORS: a preflight from the app origin answers 204 with the right headers; a foreign origin gets no Allow-Origin', async ({ netra }) => {
    const app = netra.appUrl;
    const allowed = { status: 204, allowOrigin: app, allowHeaders: 'Authorization, Content-Type, X-E2E-Bypass-Key', allowMethods: 'GET, POST, OPTIONS', vary: 'Origin' };
    const refused = { status: 204, allowOrigin: null, allowHeaders: null, allowMethods: null, vary: 'Origin' };
    const urls = [`${netra.apiUrl}/api/threads`, `${netra.apiUrl}/api/websocket/ticket`, `${netra.authUrl}/auth/login`, `${netra.authUrl}/auth/e2e/test-auth`];
    for (const url of urls) {
      expect(await withOrigin('OPTIONS', url, app), `preflight of ${url} from the app`).toEqual(allowed);
      expect(await withOrigin('OPTIONS', url, 'http://evil.example'), `preflight of ${url} from a foreign origin`).toEqual(refused);
      expect(await withOrigin('OPTIONS', url, app.replace('127.0.0.1', 'localhost')), `${url}: localhost is another origin`).toEqual(refused);
    }
    // A preflight to the wrong host fails like any of its paths.
    expect((await withOrigin('OPTIONS', `${netra.authUrl}/api/threads`, app)).status).toBe(404);

    // The JSON login API answers cross-origin, with the app as the allowed origin only.
    const creds = { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password };
    expect(await withOrigin('POST', `${netra.authUrl}/auth/login`, app, creds)).toMatchObject({ status: 200, allowOrigin: app });
    expect(await withOrigin('POST', `${netra.authUrl}/auth/login`, 'http://evil.example', creds)).toMatchObject({ status: 200, allowOrigin: null });
  });

  netraTest('a healthy run over the socket on the API host, with a token from the auth host; faults through the control endpoint', async ({ netra }) => {
    const { client, threadId, userId } = await connectUser(netra, 'netra@reference.test');
    client.send({ type: 'start_agent', payload: { user_request: 'three hosts', thread_id: threadId } });
    const answer = await client.waitFor('agent_response', finalAnswer);
    expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
    expect(answer).toMatchObject({ thread_id: threadId, user_id: userId, payload: { content: expect.stringContaining('three hosts') } });
    client.close();

    expect((await call('POST', `${netra.controlUrl}/fault`, { fault: 'upgrade-403' })).json).toEqual({ fault: 'upgrade-403', delayMs: 0 });
    const { token } = await bypassLogin(netra, 'netra@reference.test');
    expect(await upgradeStatus(await ticketUrl(netra, token))).toBe(403);
    expect((await call('POST', `${netra.controlUrl}/reset`)).json).toEqual({ fault: 'healthy' });
    expect(await upgradeStatus(await ticketUrl(netra, token))).toBe(101);
  });

  netraTest('options and the CLI check the layout and its ports', async () => {
    await expect(startReference({ layout: 'netra', port: 65534 })).rejects.toThrow('port must be an integer 0-65533 in the netra layout (it takes port, port+1, port+2) (got 65534)');
    await expect(startReference({ layout: 'triple' as never })).rejects.toThrow('layout must be one of single, netra (got "triple")');
    expect(parseReferenceArgs(['--layout', 'netra', '--port=4000', '--token-ttl', '60'])).toEqual({ layout: 'netra', port: 4000, tokenTtlSec: 60 });
    expect(() => parseReferenceArgs(['--layout', 'triple', '--token-ttl', '0', '--port', '65535'])).toThrow(
      ['--layout must be one of single, netra (got "triple")', '--token-ttl must be an integer >= 1 (got "0")'].join('\n'),
    );
    expect(() => parseReferenceArgs(['--layout', 'netra', '--port', '65535'])).toThrow('--port must be at most 65533 with --layout netra, which takes N, N+1 and N+2 (got 65535)');
  });

  netraTest('the CLI with --layout netra prints three URLs, each host answering', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'reference/main.ts', '--layout', 'netra', '--speed', '0', '--token-ttl', '60'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await withTimeout(
        new Promise<void>((resolve) =>
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('Press Ctrl+C')) resolve();
          }),
        ),
        'the CLI to print its URLs',
        20_000,
      );
      const url = (name: string) => new RegExp(`^${name}=(http://127\\.0\\.0\\.1:\\d+)$`, 'm').exec(out)?.[1] ?? '';
      const [app, api, auth] = [url('APP'), url('API'), url('AUTH')];
      expect(new Set([app, api, auth]).size, out).toBe(3);
      expect(out).toContain(`CONTROL=${api}/__reference`);
      expect(out).toContain('layout netra');
      expect((await call('GET', `${app}/login`)).status).toBe(200);
      expect((await call('GET', `${api}/ws/health`)).json.status).toBe('healthy');
      const login = await call('POST', `${auth}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
      expect(login.json.expires_in).toBe(60);
      child.kill('SIGTERM');
      expect(await withTimeout(exited, 'the CLI to exit after SIGTERM')).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

// ---- token expiry --------------------------------------------------------------------------------

/** The status every API endpoint answers with this token. */
async function apiStatuses(ref: ReferenceServer, token: string, threadId: string): Promise<Record<string, number>> {
  const auth = bearer(token);
  return {
    'POST /api/threads': (await call('POST', `${ref.apiUrl}/api/threads`, {}, auth)).status,
    'POST /api/websocket/ticket': (await call('POST', `${ref.apiUrl}/api/websocket/ticket`, {}, auth)).status,
    'POST /api/agent/v2/execute': (await call('POST', `${ref.apiUrl}/api/agent/v2/execute`, { message: 'm', thread_id: threadId }, auth)).status,
    'GET /api/threads/:id/messages': (await call('GET', `${ref.apiUrl}/api/threads/${threadId}/messages`, undefined, auth)).status,
  };
}

const ALL_401 = { 'POST /api/threads': 401, 'POST /api/websocket/ticket': 401, 'POST /api/agent/v2/execute': 401, 'GET /api/threads/:id/messages': 401 };

test('tokens live tokenTtlSec on the server clock; after that every API endpoint answers 401, the socket 1003', async () => {
  let now = Date.now();
  const server = await startReference({ speed: 0, tokenTtlSec: 1, clock: () => now });
  try {
    const res = await call('POST', `${server.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
    expect(res.json.expires_in).toBe(1);
    const claims = decodeJwt(res.json.access_token);
    expect(claims.exp - claims.iat).toBe(1);
    const token: string = res.json.access_token;
    const threadId = await newThread(server, token);
    expect(await apiStatuses(server, token, threadId)).toEqual({
      'POST /api/threads': 201,
      'POST /api/websocket/ticket': 200,
      'POST /api/agent/v2/execute': 202,
      'GET /api/threads/:id/messages': 200,
    });

    now += 1_000; // the token's second is over
    expect(await apiStatuses(server, token, threadId)).toEqual(ALL_401);
    const sub = await Client.open(`${wsBase(server)}/ws`, [`jwt.${token}`]);
    expect((await withTimeout(sub.closed, 'close of the expired-token socket')).code).toBe(1003);
  } finally {
    await server.close();
  }
  await expect(startReference({ tokenTtlSec: 0 })).rejects.toThrow('tokenTtlSec must be a number of seconds > 0 (got 0)');
});

test('issueToken(): an already expired token is refused with 401 by every API endpoint, a live one is accepted', async ({ reference }) => {
  const threadId = await newThread(reference, (await login(reference)).token);
  const expired = issueToken(REFERENCE_CREDENTIALS.username, { ttlSec: -10 });
  expect(decodeJwt(expired).exp * 1000).toBeLessThan(Date.now());
  expect(await apiStatuses(reference, expired, threadId)).toEqual(ALL_401);
  // Signed so that the reference accepts it: the 401 above was for the expiry, not the signature.
  const live = issueToken(REFERENCE_CREDENTIALS.username);
  expect((await call('POST', `${reference.apiUrl}/api/threads`, {}, bearer(live))).status).toBe(201);
  expect(decodeJwt(live).sub).toBe((await login(reference)).userId);
});

// ---- the page: cookie token, expiry, the netra layout, in Chromium -------------------------------

netraTest.describe('chat page in Chromium: cookie token, expiry, netra hosts', () => {
  const found = findBrowser(process.env.PROBE_BROWSER_PATH);
  netraTest.skip('error' in found, 'error' in found ? found.error : '');

  async function askAndWait(page: Page, text: string): Promise<void> {
    await expect(page.getByTestId('send-button'), 'the send button, enabled once the socket is open').toBeEnabled();
    await page.getByTestId('message-textarea').fill(text);
    await page.getByTestId('send-button').click();
    await expect(page.getByTestId('response-card')).toHaveText(new RegExp(`^Reference answer for "${text}"`));
    await expect(page.getByTestId('thinking-indicator')).toBeHidden();
  }

  netraTest('a jwt_token cookie on the app origin alone: the page lands on /chat, keeps the token and renders an answer', async ({ reference, chromiumBrowser }) => {
    const { token } = await login(reference);
    const context = await chromiumBrowser.newContext();
    try {
      await context.addCookies([{ name: 'jwt_token', value: token, url: reference.appUrl }]);
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/chat`);
      await askAndWait(page, 'cookie only');
      expect(page.url()).toBe(`${reference.appUrl}/chat`);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token')), 'taken over into localStorage').toBe(token);
    } finally {
      await context.close();
    }
  });

  netraTest('an expired token (localStorage and cookie): the thread request answers 401, the page clears both and goes to /login', async ({ reference, chromiumBrowser }) => {
    const expired = issueToken(REFERENCE_CREDENTIALS.username, { ttlSec: -10 });
    const context = await chromiumBrowser.newContext();
    try {
      await context.addCookies([{ name: 'jwt_token', value: expired, url: reference.appUrl }]);
      const page = await context.newPage();
      await page.goto(`${reference.appUrl}/login`);
      await page.evaluate((t) => localStorage.setItem('jwt_token', t), expired);
      const api: string[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(`${reference.apiUrl}/api/`)) api.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
      });
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page).toHaveURL(`${reference.appUrl}/login`);
      expect(api, 'one refused request, then straight to /login').toEqual(['POST /api/threads 401']);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
      expect((await context.cookies(reference.appUrl)).filter((c) => c.name === 'jwt_token')).toEqual([]);

      // Only the cookie, expired: the same way out, and nothing left behind.
      await context.addCookies([{ name: 'jwt_token', value: expired, url: reference.appUrl }]);
      await page.goto(`${reference.appUrl}/chat`);
      await expect(page).toHaveURL(`${reference.appUrl}/login`);
      expect(await page.evaluate(() => localStorage.getItem('jwt_token'))).toBeNull();
      expect((await context.cookies(reference.appUrl)).filter((c) => c.name === 'jwt_token')).toEqual([]);
    } finally {
      await context.close();
    }
  });

  netraTest('netra layout: form login on the auth host, chat on the API host, the answer rendered on the app', async ({ netra, chromiumBrowser }) => {
    const context = await chromiumBrowser.newContext();
    try {
      const page = await context.newPage();
      const calls: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/auth/login')) calls.push(`${r.method()} ${u.origin}${u.pathname}`);
      });
      page.on('requestfailed', (r) => {
        // The page leaving /chat for /login while /chat still loads aborts that navigation: no problem.
        if (r.isNavigationRequest() && r.failure()?.errorText === 'net::ERR_ABORTED') return;
        problems.push(`${r.url()}: ${r.failure()?.errorText}`);
      });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url().replace(/ticket=[^&]+/, 'ticket=…')));

      await page.goto(`${netra.appUrl}/chat`);
      await expect(page).toHaveURL(`${netra.appUrl}/login`);
      await page.getByTestId('login-username').fill(REFERENCE_CREDENTIALS.username);
      await page.getByTestId('login-password').fill(REFERENCE_CREDENTIALS.password);
      await page.getByTestId('login-submit').click();
      await expect(page).toHaveURL(`${netra.appUrl}/chat`);
      await askAndWait(page, 'across three hosts');

      expect(calls).toEqual([`POST ${netra.authUrl}/auth/login`, `POST ${netra.apiUrl}/api/threads`, `POST ${netra.apiUrl}/api/websocket/ticket`]);
      expect(sockets).toEqual([`${netra.apiUrl.replace(/^http/, 'ws')}/ws?ticket=…`]);
      expect(problems, 'failed requests, console errors (CORS), script errors').toEqual([]);
    } finally {
      await context.close();
    }
  });
});

// The browserless protocol probe against the embedded reference staging: one server per worker (speed 0),
// reset before each test, a fault per test. It must judge like the browser probe where the backend is at
// fault, pass where only the page is (answer-not-rendered), never hang, never throw, never leak a secret.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { expect } from '@playwright/test';
import { request } from 'undici';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { REFERENCE_CREDENTIALS, type ReferenceServer } from '../../reference/server';
import { defaultContract } from '../../src/contract/contract';
import type { FailureClass, Status } from '../../src/contract/types';
import { runProtocolProbe, type ProtocolProbeOptions, type ProtocolRun } from '../../src/protocol/protocol-probe';
import { Redactor } from '../../src/redact';
import { test as referenceTest } from './reference-fixture';

/** Bound of each probe step in these tests; the reference at speed 0 answers in a few ms. */
const STEP_TIMEOUT_MS = 3_000;
/** How long the probe waits for the run; a healthy run at speed 0 takes well under 100 ms. */
const COMPLETE_TIMEOUT_MS = 5_000;
/** For the runs that are expected to run out of time: short, so the test stays fast. */
const SHORT_COMPLETE_TIMEOUT_MS = 1_000;
/** Slack over a bound, for a loaded machine: a probe that took longer than bound + slack hung. */
const SLACK_MS = 2_000;
const FIVE = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];

/** Learns what the probe learns, so the test knows the tokens and tickets it must not find in the evidence. */
class SpyRedactor extends Redactor {
  readonly learned: string[] = [];
  override add(secret: string | undefined): void {
    if (secret) this.learned.push(secret);
    super.add(secret);
  }
}

const test = referenceTest.extend<{ reference: ReferenceServer }>({
  reference: async ({ staging }, use) => use(staging),
});

type Login = ProtocolProbeOptions['login'];

const PASSWORD: Login = { kind: 'password', username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password };
const BYPASS: Login = { kind: 'e2e-bypass', key: REFERENCE_CREDENTIALS.bypassKey, email: 'protocol-probe@example.com' };

interface Probed extends ProtocolRun {
  redactor: SpyRedactor;
  tookMs: number;
}

async function probe(urls: { apiUrl: string; authUrl: string }, overrides: Partial<ProtocolProbeOptions> = {}): Promise<Probed> {
  const nonce = randomBytes(6).toString('hex');
  const redactor = new SpyRedactor();
  const started = Date.now();
  const run = await runProtocolProbe({
    apiUrl: urls.apiUrl,
    authUrl: urls.authUrl,
    login: PASSWORD,
    wsAuth: 'ticket',
    message: `Summarize my usage for yesterday [probe ${nonce}]`,
    nonce,
    stepTimeoutMs: STEP_TIMEOUT_MS,
    completeTimeoutMs: COMPLETE_TIMEOUT_MS,
    finalGraceMs: 300,
    answerWaitMs: 3000,
    budgets: { firstEventWarnMs: 5_000, firstEventMs: 15_000, completeWarnMs: 30_000, completeMs: 60_000 },
    contract: defaultContract,
    redactor,
    ...overrides,
  });
  return { ...run, redactor, tookMs: Date.now() - started };
}

/** What a failing run is asserted by: status, class and the message, in one object for a readable diff. */
function headline(run: ProtocolRun) {
  return { status: run.verdict.status, class: run.verdict.class, message: run.verdict.message };
}

function incoming(run: ProtocolRun, socket?: number): any[] {
  return run.evidence.frames
    .filter((f) => f.dir === 'in' && (socket === undefined || f.socket === socket))
    .map((f) => JSON.parse(f.payload));
}

function outgoing(run: ProtocolRun): any[] {
  return run.evidence.frames.filter((f) => f.dir === 'out').map((f) => JSON.parse(f.payload));
}

/** No credential the probe was given or learned, and nothing shaped like one, anywhere in evidence or verdict. */
function expectNoSecrets(run: Probed, given: string[] = []): void {
  const text = JSON.stringify({ evidence: run.evidence, verdict: run.verdict });
  for (const secret of [REFERENCE_CREDENTIALS.password, REFERENCE_CREDENTIALS.bypassKey, ...given, ...run.redactor.learned]) {
    expect(text.includes(secret), `a secret (${secret.length} chars, learned or given) in the evidence`).toBe(false);
  }
  expect(/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/.exec(text)?.[0], 'a JWT in the evidence').toBeUndefined();
  expect(/ticket=(?!\[REDACTED\])[^&"\s\\]+/.exec(text)?.[0], 'a ticket in a URL').toBeUndefined();
  expect(/Bearer (?!\[REDACTED\])[\w.-]{8,}/.exec(text)?.[0], 'a Bearer value').toBeUndefined();
  expect(/jwt\.(?!\[REDACTED\])[\w.-]{8,}/.exec(text)?.[0], 'a jwt.<token> subprotocol').toBeUndefined();
}

/** A healthy run as the judge saw it: the five events, an answer, a pass that says it judged no page. */
function expectHealthy(run: Probed): void {
  expect(headline(run)).toEqual({ status: 'pass', class: null, message: 'all 15 checks passed' });
  expect(run.evidence.surface).toBe('protocol');
  expect(run.evidence.page).toBeNull();
  expect(run.evidence.httpSends).toEqual([]);
  expect(run.evidence.stepFailures).toEqual([]);
  expect(run.verdict.events.slice(0, 5).map((e) => [e.type, e.count > 0])).toEqual(FIVE.map((type) => [type, true]));
  expect(run.verdict.answer.frames).toBeTruthy();
  expect(run.verdict.answer.page).toBeNull();
  expect(run.verdict.warnings).toContain('protocol probe: no page, so answer-rendered and answer-agrees were not judged');
  expect(run.verdict.checks.map((c) => c.name)).not.toContain('answer-rendered');
  expectNoSecrets(run);
}

test.describe('healthy staging', () => {
  for (const login of [PASSWORD, BYPASS]) {
    for (const wsAuth of ['ticket', 'subprotocol'] as const) {
      test(`passes with ${login.kind} login and ${wsAuth} socket auth`, async ({ reference }) => {
        const run = await probe(reference, { login, wsAuth });
        expectHealthy(run);
        expect(run.evidence.sockets).toHaveLength(1);
        expect(run.evidence.sockets[0]!.url).toBe(
          wsAuth === 'ticket' ? `${reference.apiUrl.replace('http', 'ws')}/ws?ticket=[REDACTED]` : `${reference.apiUrl.replace('http', 'ws')}/ws`,
        );
        if (wsAuth === 'ticket') expect(run.redactor.learned.some((s) => /^[\w-]{32}$/.test(s)), 'the ticket was learned by the redactor').toBe(true);
        expect(run.redactor.learned.some((s) => s.startsWith('eyJ')), 'the access token was learned by the redactor').toBe(true);
      });
    }
  }

  test('passes with a given token, which never reaches the evidence', async ({ reference }) => {
    const res = await request(`${reference.authUrl}/auth/e2e/test-auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-e2e-bypass-key': REFERENCE_CREDENTIALS.bypassKey },
      body: JSON.stringify({ email: 'token-user@example.com' }),
    });
    const { access_token: token, user } = (await res.body.json()) as { access_token: string; user: { id: string } };
    const run = await probe(reference, { login: { kind: 'token', token }, wsAuth: 'subprotocol' });
    expectHealthy(run);
    expectNoSecrets(run, [token]);
    // The user id comes from the token's `sub` when no login response names it.
    expect(run.evidence.userId).toBe(user.id);
  });

  test('records the conversation in order: greeting, its own start_agent with thread and message, the run', async ({ reference }) => {
    const run = await probe(reference);
    const out = outgoing(run);
    expect(out).toEqual([{ type: 'start_agent', payload: { user_request: run.evidence.message, thread_id: run.verdict.threadId } }]);
    expect(run.verdict.threadId).toMatch(/^thread/);
    const types = incoming(run).map((f) => f.type);
    expect(types[0]).toBe('connection_established');
    expect(types).toEqual(expect.arrayContaining([...FIVE, 'agent_response']));
    // The answer the page would show: the agent_response that follows the final agent_completed.
    expect(run.verdict.answer.frames).toBe(incoming(run).find((f) => f.type === 'agent_response').payload.content);
    // One clock for everything: frame times never go back, the send sits between the greeting and the run.
    const times = run.evidence.frames.map((f) => f.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const sentAt = run.evidence.sentAt!;
    const outFrame = run.evidence.frames.find((f) => f.dir === 'out')!;
    expect(outFrame.t).toBeGreaterThanOrEqual(sentAt);
    expect(run.evidence.frames[0]!.t).toBeLessThanOrEqual(sentAt);
    expect(run.evidence.userId).toMatch(/^user-/);
  });

  test('answers the server pings with pongs, as the page does (noisy-sockets)', async ({ reference }) => {
    reference.setFault('noisy-sockets');
    const run = await probe(reference);
    expect(headline(run).status).toBe('pass');
    const pings = incoming(run).filter((f) => f.type === 'ping').length;
    const pongs = outgoing(run).filter((f) => f.type === 'pong').length;
    expect(pings).toBeGreaterThan(0);
    expect(pongs).toBe(pings);
    // Each pong right after its ping, on the same socket.
    const frames = run.evidence.frames;
    frames.forEach((f, i) => {
      if (f.dir === 'in' && JSON.parse(f.payload).type === 'ping') expect(frames[i + 1]).toMatchObject({ dir: 'out', socket: f.socket });
    });
  });

  test('reads binary frames as UTF-8 text (binary-frames)', async ({ reference }) => {
    reference.setFault('binary-frames');
    const run = await probe(reference);
    expect(headline(run).status).toBe('pass');
    const received = run.evidence.frames.filter((f) => f.dir === 'in');
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((f) => f.kind === 'binary' && f.encoding === 'utf8')).toBe(true);
  });
});

test.describe('faults', () => {
  const CASES: Array<{ fault: string; status: Status; class: FailureClass | null; phrase: string }> = [
    { fault: 'missing-tool-completed', status: 'fail', class: 'missing-event', phrase: 'missing tool_completed' },
    { fault: 'close-1011-after-started', status: 'fail', class: 'transport', phrase: '1011 Internal Error ("Service not ready")' },
    { fault: 'agent-error', status: 'fail', class: 'error-event', phrase: 'agent_error' },
    { fault: 'login-rejected', status: 'fail', class: 'auth', phrase: 'log in: POST' },
    { fault: 'bypass-403', status: 'fail', class: 'auth', phrase: 'answered 403' },
    { fault: 'ticket-500', status: 'fail', class: 'transport', phrase: 'get ticket: POST' },
    { fault: 'upgrade-403', status: 'fail', class: 'transport', phrase: 'open socket: the WebSocket upgrade' },
    // The backend is fine; only the page fails to render: the protocol probe must pass, that is the point.
    { fault: 'answer-not-rendered', status: 'pass', class: null, phrase: 'all 15 checks passed' },
  ];
  for (const c of CASES) {
    test(`${c.fault}: ${c.status}${c.class ? ` ${c.class}` : ''}`, async ({ reference }) => {
      reference.setFault(c.fault);
      const run = await probe(reference, c.fault === 'bypass-403' ? { login: BYPASS } : {});
      expect({ status: run.verdict.status, class: run.verdict.class }).toEqual({ status: c.status, class: c.class });
      expect(run.verdict.message).toContain(c.phrase);
      expect(run.evidence.surface).toBe('protocol');
      expectNoSecrets(run);
    });
  }

  test('login-rejected: the step failure says what was refused, and nothing was sent', async ({ reference }) => {
    reference.setFault('login-rejected');
    const run = await probe(reference);
    expect(run.evidence.stepFailures).toEqual([
      { step: 'log in', class: 'auth', message: `log in: POST ${reference.authUrl}/auth/login answered 401 ("Invalid credentials"): the credentials were refused` },
    ]);
    expect(run.evidence.sentAt).toBeNull();
    expect(run.evidence.sockets).toEqual([]);
  });

  test('reconnect-1012-mid-run: reconnects once with a new ticket and passes on socket 1', async ({ reference }) => {
    reference.setFault('reconnect-1012-mid-run');
    const run = await probe(reference);
    expect(headline(run)).toEqual({ status: 'pass', class: null, message: 'all 15 checks passed' });
    expect(run.evidence.sockets.map((s) => ({ socket: s.socket, url: s.url, closeCode: s.closeCode, closeReason: s.closeReason }))).toEqual([
      { socket: 0, url: `${reference.apiUrl.replace('http', 'ws')}/ws?ticket=[REDACTED]`, closeCode: 1012, closeReason: 'Service Restart' },
      { socket: 1, url: `${reference.apiUrl.replace('http', 'ws')}/ws?ticket=[REDACTED]`, closeCode: undefined, closeReason: undefined },
    ]);
    const before = incoming(run, 0).map((f) => f.type);
    const after = incoming(run, 1).map((f) => f.type);
    expect(before).toContain('tool_executing');
    expect(after).toEqual(expect.arrayContaining(['connection_established', 'tool_completed', 'agent_completed']));
    expect(run.verdict.warnings.some((w) => w.includes('1012 Service Restart') && w.includes('completed on socket 1'))).toBe(true);
    // Two tickets: one per socket, both learned before either URL was recorded.
    expect(run.redactor.learned.filter((s) => /^[\w-]{32}$/.test(s))).toHaveLength(2);
    expectNoSecrets(run);
  });

  test('close-1011-after-started: stops waiting at the close, long before the complete timeout', async ({ reference }) => {
    reference.setFault('close-1011-after-started');
    const run = await probe(reference, { completeTimeoutMs: 30_000 });
    expect(run.verdict.class).toBe('transport');
    expect(run.tookMs).toBeLessThan(SLACK_MS);
  });

  test('heartbeats-only: no run, the wait ends at the complete timeout with a timeout verdict', async ({ reference }) => {
    reference.setFault('heartbeats-only');
    // No connection_established on this socket: its first frame is a heartbeat, which is enough to go on.
    const run = await probe(reference, { completeTimeoutMs: SHORT_COMPLETE_TIMEOUT_MS });
    expect({ status: run.verdict.status, class: run.verdict.class }).toEqual({ status: 'fail', class: 'timeout' });
    expect(run.verdict.message).toContain('no run started');
    expect(run.tookMs).toBeGreaterThanOrEqual(SHORT_COMPLETE_TIMEOUT_MS - 50);
    expect(run.tookMs).toBeLessThan(SHORT_COMPLETE_TIMEOUT_MS + SLACK_MS);
  });

  test('a token the server refuses: auth at the first API call', async ({ reference }) => {
    const run = await probe(reference, { login: { kind: 'token', token: 'not-a-valid-token-at-all' } });
    expect(headline(run)).toMatchObject({ status: 'fail', class: 'auth' });
    expect(run.evidence.stepFailures).toEqual([
      { step: 'create thread', class: 'auth', message: expect.stringMatching(/^create thread: POST .*\/api\/threads answered 401 .*: the token was refused$/) },
    ]);
    expectNoSecrets(run, ['not-a-valid-token-at-all']);
  });
});

test.describe('a server that is not there or never answers', () => {
  test('connection refused: transport at log in, no throw', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const run = await probe({ apiUrl: url, authUrl: url });
    expect({ status: run.verdict.status, class: run.verdict.class }).toEqual({ status: 'fail', class: 'transport' });
    expect(run.evidence.stepFailures).toEqual([{ step: 'log in', class: 'transport', message: expect.stringContaining(`log in: POST ${url}/auth/login failed`) }]);
  });

  test('a server that accepts and never answers: each step bounded by stepTimeoutMs', async () => {
    const silent = createServer(() => undefined); // takes every request and never answers
    const url = await listen(silent);
    try {
      const stepTimeoutMs = 500;
      const run = await probe({ apiUrl: url, authUrl: url }, { stepTimeoutMs });
      expect(run.evidence.stepFailures).toEqual([{ step: 'log in', class: 'transport', message: `log in: no answer within ${stepTimeoutMs} ms` }]);
      expect(run.verdict.class).toBe('transport');
      expect(run.tookMs).toBeLessThan(stepTimeoutMs + SLACK_MS);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('a login answered with a 502: transport, not auth', async () => {
    const gateway = createServer((_req, res) => void res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway'));
    const url = await listen(gateway);
    try {
      const run = await probe({ apiUrl: url, authUrl: url });
      expect(run.evidence.stepFailures).toEqual([{ step: 'log in', class: 'transport', message: `log in: POST ${url}/auth/login answered 502 ("Bad Gateway")` }]);
    } finally {
      gateway.closeAllConnections();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });
});

test.describe('a misbehaving socket (small fake servers on port 0)', () => {
  test('a socket that never sends a frame: transport at the first frame, bounded by stepTimeoutMs', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      const stepTimeoutMs = 500;
      const run = await probe(fake, { stepTimeoutMs });
      expect(run.evidence.stepFailures).toEqual([
        { step: 'first frame', class: 'transport', message: `first frame: no frame within ${stepTimeoutMs} ms after the socket opened` },
      ]);
      expect(run.verdict.class).toBe('transport');
      expect(run.tookMs).toBeLessThan(stepTimeoutMs + SLACK_MS);
    } finally {
      await fake.close();
    }
  });

  test('a server that restarts (1012) again after the one reconnect: transport, and the probe does not wait it out', async () => {
    // Every socket greets; the first restarts right after agent_started, the reconnected one right away.
    const fake = await fakeServer((ws, index) => {
      ws.send(JSON.stringify({ type: 'connection_established', data: { user_id: FAKE_USER } }));
      if (index > 0) return void setImmediate(() => ws.close(1012, 'Service Restart'));
      ws.on('message', (data) => {
        const { payload } = JSON.parse(String(data));
        ws.send(JSON.stringify({ type: 'agent_started', run_id: 'run-1', thread_id: payload.thread_id, user_id: FAKE_USER, data: {} }));
        ws.close(1012, 'Service Restart');
      });
    });
    try {
      const run = await probe(fake, { completeTimeoutMs: 30_000 });
      expect(run.evidence.sockets.map((s) => [s.socket, s.closeCode])).toEqual([
        [0, 1012],
        [1, 1012],
      ]);
      expect(run.evidence.stepFailures).toEqual([
        {
          step: 'reconnect',
          class: 'transport',
          message: 'reconnect: socket 1 closed 1012 Service Restart "Service Restart" during the run after the probe had used its 1 reconnect(s); nothing left to receive the run on',
        },
      ]);
      expect({ status: run.verdict.status, class: run.verdict.class }).toEqual({ status: 'fail', class: 'transport' });
      expect(run.tookMs).toBeLessThan(SLACK_MS);
      expectNoSecrets(run, ['fake-access-token', 'fake-ticket-value']);
    } finally {
      await fake.close();
    }
  });

  test('a binary frame that is not UTF-8 is kept as base64', async () => {
    const fake = await fakeServer((ws) => ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x01]), { binary: true }));
    try {
      const run = await probe(fake, { completeTimeoutMs: 200 });
      expect(run.evidence.frames[0]).toMatchObject({ dir: 'in', kind: 'binary', encoding: 'base64', payload: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64') });
      // Nothing answered the send: a timeout, not a crash.
      expect(run.verdict.class).toBe('timeout');
    } finally {
      await fake.close();
    }
  });
});

const FAKE_USER = 'fake-user-1';

interface FakeServer {
  apiUrl: string;
  authUrl: string;
  close(): Promise<void>;
}

/**
 * Just enough of a staging for the probe to reach its socket: login, thread, ticket, and /ws, where
 * `onSocket` plays the fault (its second argument counts the sockets: 0, then 1 after a reconnect).
 */
async function fakeServer(onSocket: (ws: ServerSocket, index: number) => void): Promise<FakeServer> {
  const routes: Record<string, unknown> = {
    '/auth/login': { access_token: 'fake-access-token', token_type: 'Bearer', user: { id: FAKE_USER } },
    '/api/threads': { thread_id: 'thread-fake' },
    '/api/websocket/ticket': { ticket: 'fake-ticket-value' },
  };
  const server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    req.resume();
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'no route' }));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  let sockets = 0;
  wss.on('connection', (ws) => onSocket(ws, sockets++));
  const url = await listen(server);
  return {
    apiUrl: url,
    authUrl: url,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback port nothing listens on: bound, read, closed. */
async function freePort(): Promise<number> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

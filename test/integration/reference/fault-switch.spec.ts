// The fault switch over the wire: what each fault does to the frames, the socket and the HTTP answers.
import { expect } from '@playwright/test';
import { request } from 'undici';
import WebSocket from 'ws';
import { runReferenceCli } from '../../../reference/main';
import { REFERENCE_CREDENTIALS, RENAMED_DIALECT, startReference } from '../../../reference/server';
import { WAIT_MS, test, call, login, bypassLogin, bearer, newThread, ticketUrl, withTimeout, Client, connectUser, isRunFrame, finalAnswer, summary, HEALTHY_EVENTS, upgradeStatus, wireSummary, kindOf, wsBase } from './helpers';

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

// ---- the platform's own shapes, and the faults seen on it ------------------------------------------

test("completions-named: every agent_completed names its agent; the Supervisor's ends the run, in the bridge's shape", async ({ reference }) => {
  reference.setFault('completions-named');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'named', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS.slice(0, -2), 'agent_completed:supervisor', 'agent_response']);
  const final = client.frames.find((f) => f.type === 'agent_completed' && f.agent_name === 'supervisor');
  expect(final?.data).toEqual({ status: 'completed', result: expect.stringContaining('named'), execution_time_ms: expect.any(Number), message: 'supervisor completed' });
  client.close();
});

test('tool-completed-after-final: tool_completed comes right after the final agent_completed, before the answer', async ({ reference }) => {
  reference.setFault('tool-completed-after-final');
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'late tool', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  const healthy = HEALTHY_EVENTS.filter((e) => e !== 'tool_completed:data_agent');
  expect(summary(client.frames)).toEqual([...healthy.slice(0, -1), 'tool_completed:data_agent', 'agent_response']);
  client.close();
});

test('foreign-run-untagged-answer: only another thread of this user runs; its agent_response carries its run_id alone', async ({ reference }) => {
  reference.setFault('foreign-run-untagged-answer');
  const { client, threadId, userId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'mine', thread_id: threadId } });
  const answer = await client.waitFor('agent_response', finalAnswer);
  const run = client.frames.filter(isRunFrame);
  expect(run.some((f) => f.thread_id === threadId), 'no frame for our thread').toBe(false);
  const events = run.filter((f) => f.type !== 'agent_response');
  expect(new Set(events.map((f) => f.user_id))).toEqual(new Set([userId]));
  expect(new Set(run.map((f) => f.run_id)).size).toBe(1);
  expect(Object.keys(answer).sort()).toEqual(['payload', 'run_id', 'timestamp', 'type']);
  expect(answer.run_id).toBe(events[0]?.run_id);
  client.close();
});

test('the presence socket needs no ticket and chatters; the hot-reload socket sends untyped JSON and non-JSON heartbeats', async ({ reference }) => {
  const presence = await Client.open(`${wsBase(reference)}/ws/presence`);
  const hmr = await Client.open(`${reference.appUrl.replace(/^http/, 'ws')}/_next/webpack-hmr`);
  await presence.waitFor('two presence frames', () => presence.frames.filter((f) => f.type === 'presence_update').length >= 2);
  await hmr.waitFor('a sync then a built frame', () => hmr.frames.some((f) => f.action === 'built'));
  expect(hmr.frames[0]).toMatchObject({ action: 'sync' });
  expect(hmr.frames.every((f) => !('type' in f))).toBe(true);
  expect(hmr.wire.some((w) => w.text === '\uD83D\uDC93'), 'a non-JSON heartbeat').toBe(true);
  presence.close();
  hmr.close();
});

test('netra layout: hot reload on the app host only; presence on the API host only', async () => {
  const netra = await startReference({ speed: 0, layout: 'netra' });
  try {
    const app = netra.appUrl.replace(/^http/, 'ws');
    const api = netra.apiUrl.replace(/^http/, 'ws');
    expect(await upgradeStatus(`${app}/_next/webpack-hmr`)).toBe(101);
    expect(await upgradeStatus(`${api}/_next/webpack-hmr`)).toBe(404);
    expect(await upgradeStatus(`${api}/ws/presence`)).toBe(101);
    expect(await upgradeStatus(`${app}/ws/presence`)).toBe(404);
  } finally {
    await netra.close();
  }
});

test('flood: COUNT agent_thinking frames of about BYTES each before the tool call, then the rest of the run', async ({ reference }) => {
  reference.setFault('flood', { flood: { count: 3000, perSecond: 50_000, bytes: 300 } });
  const { client, threadId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'flood', thread_id: threadId } });
  await client.waitFor('agent_response', finalAnswer);
  const kinds = summary(client.frames);
  expect(kinds.filter((k) => k === 'agent_thinking:data_agent')).toHaveLength(3001);
  // The flood sits between the data agent's own thinking and its tool call; the rest is the healthy run.
  expect(kinds.filter((k, i) => k !== 'agent_thinking:data_agent' || kinds[i - 1] !== 'agent_thinking:data_agent')).toEqual(HEALTHY_EVENTS);
  const sizes = client.wire.filter((w) => w.text.includes('"step":')).map((w) => Buffer.byteLength(w.text));
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(290);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(320);
  client.close();
});

test('flood: bad arguments are refused by the control endpoint and by setFault', async ({ reference }) => {
  const bad = await call('POST', `${reference.controlUrl}/fault`, { fault: 'flood', flood: { count: 0 } });
  expect(bad).toMatchObject({ status: 400, json: { error: 'flood.count must be a whole number from 1 to 10000000 (got 0)' } });
  expect(() => reference.setFault('flood', { flood: { perSecond: 1.5 } })).toThrow('flood.perSecond must be a whole number');
});

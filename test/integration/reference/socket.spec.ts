// The WebSocket side: auth at the upgrade, keepalive, and runs routed to the thread owner.
import { expect } from '@playwright/test';
import { test, call, login, bearer, ticketUrl, wsBase, withTimeout, Client, connectUser, isRunFrame, finalAnswer, summary, HEALTHY_EVENTS, upgradeStatus } from './helpers';

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

// Conversations over the wire: the thread list and a thread's history in both layouts, follow-up runs in one
// thread, and the faults that break what a reload or a second turn shows (socket and HTTP, no browser).
import { expect } from '@playwright/test';
import { test, call, bearer, bypassLogin, newThread, connectUser, finalAnswer, summary, isRunFrame, HEALTHY_EVENTS, netraTest, type Frame } from './helpers';

const history = async (base: string, token: string, threadId: string, query = '') =>
  call('GET', `${base}/api/threads/${encodeURIComponent(threadId)}/messages${query}`, undefined, bearer(token));

/** A thread's history as `role run_id` lines. */
const exchanges = (messages: Frame[]) => messages.map((m) => `${m.role} ${m.run_id}`);
/** The history of runs that each stored a message and its answer, as exchanges() writes it. */
const bothOf = (...runs: string[]) => runs.flatMap((run) => [`user ${run}`, `assistant ${run}`]);

/** The run ids in the order their frames came, each once. */
const runIdsOf = (frames: Frame[]) => [...new Set(frames.filter(isRunFrame).map((f) => f.run_id as string))];

test('GET /api/threads: the user\'s threads, newest first, titled by the first user message cut short; nobody else\'s', async ({ reference }) => {
  const { client, threadId: first, token } = await connectUser(reference);
  const long = 'How much storage did the analytics team use in March?';
  client.send({ type: 'start_agent', payload: { user_request: long, thread_id: first } });
  const a = await client.waitFor('the first answer', finalAnswer);
  const second = await newThread(reference, token);
  client.send({ type: 'start_agent', payload: { user_request: 'short one', thread_id: second } });
  await client.waitFor('the second answer', (f) => finalAnswer(f) && f.run_id !== a.run_id);
  const empty = await newThread(reference, token);

  const listed = await call('GET', `${reference.apiUrl}/api/threads`, undefined, bearer(token));
  expect(listed.status).toBe(200);
  const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
  expect(listed.json).toEqual({
    threads: [
      { id: empty, title: null, created_at: at, updated_at: at, message_count: 0 },
      { id: second, title: 'short one', created_at: at, updated_at: at, message_count: 2 },
      { id: first, title: 'How much storage did the analyti…', created_at: at, updated_at: at, message_count: 2 },
    ],
  });

  const other = await bypassLogin(reference, 'someone-else@reference.test');
  expect((await call('GET', `${reference.apiUrl}/api/threads`, undefined, bearer(other.token))).json).toEqual({ threads: [] });
  expect((await history(reference.apiUrl, other.token, first)).status, "another user's thread").toBe(404);
  expect((await call('GET', `${reference.apiUrl}/api/threads`)).status, 'no token').toBe(401);
  client.close();
});

test('a follow-up in the same thread is a run of its own (new run id, same thread, the whole run), over the socket and over REST; the history holds every exchange in order', async ({ reference }) => {
  const { client, threadId, token, userId } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'turn one', thread_id: threadId } });
  const one = await client.waitFor('the first answer', finalAnswer);
  client.send({ type: 'user_message', payload: { content: 'turn two', thread_id: threadId } });
  const two = await client.waitFor('the second answer', (f) => finalAnswer(f) && f.run_id !== one.run_id);
  const rest = await call('POST', `${reference.apiUrl}/api/agent/v2/execute`, { request_id: 'req-3', message: 'turn three', thread_id: threadId }, bearer(token));
  expect(rest.json).toMatchObject({ status: 'accepted', thread_id: threadId });
  await client.waitFor('the third answer', (f) => finalAnswer(f) && f.run_id === rest.json.run_id);

  const runs = runIdsOf(client.frames);
  expect(runs).toEqual([one.run_id, two.run_id, rest.json.run_id]);
  expect(new Set(runs).size, 'three distinct run ids').toBe(3);
  expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS, ...HEALTHY_EVENTS, ...HEALTHY_EVENTS]);
  for (const f of client.frames.filter(isRunFrame)) expect(f, `${f.type} of ${f.run_id}`).toMatchObject({ thread_id: threadId, user_id: userId });

  const { json } = await history(reference.apiUrl, token, threadId);
  expect(exchanges(json.messages)).toEqual(bothOf(...runs));
  expect(json.messages.filter((m: Frame) => m.role === 'user').map((m: Frame) => m.content)).toEqual(['turn one', 'turn two', 'turn three']);
  client.close();
});

test('not-persisted: the run is whole and answered, but the history holds the user message alone', async ({ reference }) => {
  reference.setFault('not-persisted');
  const { client, threadId, token } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'remember this', thread_id: threadId } });
  const answer = await client.waitFor('agent_response', finalAnswer);
  // The answer frame is the run's last step: whatever the run stores is stored by now.
  expect(summary(client.frames)).toEqual(HEALTHY_EVENTS);
  expect(answer.payload.content).toContain('remember this');
  const { json } = await history(reference.apiUrl, token, threadId);
  expect(json.messages).toEqual([{ role: 'user', content: 'remember this', run_id: answer.run_id, created_at: expect.any(String) }]);
  client.close();
});

test("follow-up-replays-first: one turn is healthy; the second run of a thread first gets the first run's frames again (its run id), then its own; another thread starts clean", async ({ reference }) => {
  reference.setFault('follow-up-replays-first');
  const { client, threadId, token } = await connectUser(reference);
  client.send({ type: 'start_agent', payload: { user_request: 'first turn', thread_id: threadId } });
  const one = await client.waitFor('the first answer', finalAnswer);
  expect(summary(client.frames), 'a single turn is healthy').toEqual(HEALTHY_EVENTS);
  const firstRun = client.frames.filter(isRunFrame);

  client.send({ type: 'user_message', payload: { content: 'second turn', thread_id: threadId } });
  const two = await client.waitFor("the second run's own answer", (f) => finalAnswer(f) && f.run_id !== one.run_id);
  const after = client.frames.filter(isRunFrame).slice(firstRun.length);
  expect(summary(after)).toEqual([...HEALTHY_EVENTS, ...HEALTHY_EVENTS]);
  expect(after.map((f) => f.run_id)).toEqual([...HEALTHY_EVENTS.map(() => one.run_id), ...HEALTHY_EVENTS.map(() => two.run_id)]);
  // The replay is the first run's frames again, event for event (only the timestamps are new).
  const strip = ({ timestamp: _t, ...rest }: Frame) => rest;
  expect(after.slice(0, HEALTHY_EVENTS.length).map(strip)).toEqual(firstRun.map(strip));
  expect(two.payload.content).toContain('second turn');
  // Stored once each: the replay stores nothing.
  const { json } = await history(reference.apiUrl, token, threadId);
  expect(exchanges(json.messages)).toEqual(bothOf(one.run_id, two.run_id));

  // The first run of another thread gets nothing replayed.
  const other = await newThread(reference, token);
  const before = client.frames.filter(isRunFrame).length;
  client.send({ type: 'start_agent', payload: { user_request: 'new thread', thread_id: other } });
  const three = await client.waitFor('the answer in the other thread', (f) => finalAnswer(f) && f.thread_id === other);
  expect(summary(client.frames.filter(isRunFrame).slice(before))).toEqual(HEALTHY_EVENTS);
  expect(runIdsOf(client.frames.filter(isRunFrame).slice(before))).toEqual([three.run_id]);
  client.close();
});

netraTest.describe('netra layout: the platform\'s thread shapes', () => {
  netraTest('GET /api/threads/{id}/messages answers {messages:[{id, role, content, created_at, metadata}], thread_id, total, limit, offset}, created_at in seconds; limit and offset page it', async ({ netra }) => {
    const { client, threadId, token } = await connectUser(netra, 'netra@reference.test');
    const before = Math.floor(Date.now() / 1000);
    client.send({ type: 'start_agent', payload: { user_request: 'netra history', thread_id: threadId } });
    const report = await client.waitFor('final_report', finalAnswer);
    const runId = report.run_id as string;

    const res = await history(netra.apiUrl, token, threadId);
    expect(res.status).toBe(200);
    const seconds = expect.any(Number);
    expect(res.json).toEqual({
      messages: [
        { id: expect.stringMatching(/^msg-[0-9a-f]+$/), role: 'user', content: 'netra history', created_at: seconds, metadata: { run_id: runId } },
        { id: expect.stringMatching(/^msg-[0-9a-f]+$/), role: 'assistant', content: report.payload.executive_summary, created_at: seconds, metadata: { run_id: runId } },
      ],
      thread_id: threadId,
      total: 2,
      limit: 50,
      offset: 0,
    });
    expect(Object.keys(res.json)).toEqual(['messages', 'thread_id', 'total', 'limit', 'offset']);
    for (const m of res.json.messages) {
      expect(Number.isInteger(m.created_at), 'whole seconds').toBe(true);
      expect(m.created_at).toBeGreaterThanOrEqual(before);
      expect(m.created_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    }
    const paged = await history(netra.apiUrl, token, threadId, '?limit=1&offset=1');
    expect(paged.json).toMatchObject({ messages: [{ role: 'assistant' }], total: 2, limit: 1, offset: 1 });
    for (const bad of ['?limit=0', '?limit=101', '?offset=-1', '?limit=ten']) {
      expect((await history(netra.apiUrl, token, threadId, bad)).status, bad).toBe(422);
    }
    const other = await bypassLogin(netra, 'other@reference.test');
    expect((await history(netra.apiUrl, other.token, threadId)).status, "another user's thread").toBe(404);
    client.close();
  });

  netraTest('GET /api/threads answers an array of the platform\'s ThreadResponse, newest first, paged; the app host serves /chat/<id>', async ({ netra }) => {
    const { client, threadId, token } = await connectUser(netra, 'netra@reference.test');
    client.send({ type: 'start_agent', payload: { user_request: 'listed in netra', thread_id: threadId } });
    await client.waitFor('final_report', finalAnswer);
    const empty = await newThread(netra, token);

    const res = await call('GET', `${netra.apiUrl}/api/threads`, undefined, bearer(token));
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { id: empty, object: 'thread', title: null, created_at: expect.any(Number), updated_at: null, metadata: {}, message_count: 0 },
      {
        id: threadId,
        object: 'thread',
        title: 'listed in netra',
        created_at: expect.any(Number),
        updated_at: expect.any(Number),
        metadata: { title: 'listed in netra' },
        message_count: 2,
      },
    ]);
    expect((await call('GET', `${netra.apiUrl}/api/threads?limit=1&offset=1`, undefined, bearer(token))).json.map((t: Frame) => t.id)).toEqual([threadId]);
    expect((await call('GET', `${netra.apiUrl}/api/threads?limit=0`, undefined, bearer(token))).status).toBe(422);

    // The thread's own page is on the app host only; the list on the API host only.
    expect((await call('GET', `${netra.appUrl}/chat/${threadId}`)).status).toBe(200);
    expect((await call('GET', `${netra.apiUrl}/chat/${threadId}`)).status).toBe(404);
    expect((await call('GET', `${netra.appUrl}/api/threads`, undefined, bearer(token))).status).toBe(404);
    client.close();
  });
});

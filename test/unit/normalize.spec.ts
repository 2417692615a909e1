import { test, expect } from '@playwright/test';
import { defaultContract, type Contract } from '../../src/contract/contract';
import { FrameLog } from '../../src/contract/frame-log';
import type { AgentEvent, FrameRecord } from '../../src/contract/types';
import { ANSWER, RUN, SENT_AT, THREAD, USER, healthyRun, inFrame, normalizeFrames, runFrames, type Shape } from './evidence-builders';

/** The parts of an event that do not depend on the wire shape. */
function canonical(events: AgentEvent[]) {
  return events.map(({ type, frame, runId, threadId, userId, agentName, toolName, callId, answer }) => ({
    type, frame, runId, threadId, userId, agentName, toolName, callId, answer,
  }));
}

const HEALTHY_CANONICAL = [
  { type: 'agent_started', frame: 2, runId: RUN, threadId: THREAD, userId: USER },
  { type: 'agent_thinking', frame: 3, runId: RUN, threadId: THREAD, userId: USER, agentName: 'triage' },
  { type: 'tool_executing', frame: 4, runId: RUN, threadId: THREAD, userId: USER, agentName: 'data', toolName: 'cost_query', callId: 'c-1' },
  { type: 'tool_completed', frame: 5, runId: RUN, threadId: THREAD, userId: USER, agentName: 'data', toolName: 'cost_query', callId: 'c-1' },
  { type: 'agent_response', frame: 6, runId: RUN, threadId: THREAD, userId: USER, answer: ANSWER },
  { type: 'agent_completed', frame: 7, runId: RUN, threadId: THREAD, userId: USER, answer: ANSWER },
];

for (const shape of ['bridge', 'flat', 'wrapper'] as Shape[]) {
  test(`a healthy run in the ${shape} shape normalizes to the same events`, () => {
    const { events, warnings } = normalizeFrames(runFrames(healthyRun(), shape));
    expect(canonical(events)).toEqual(HEALTHY_CANONICAL);
    expect(events.map((e) => e.shape)).toEqual(Array(6).fill(shape));
    expect(warnings).toEqual([]);
  });
}

test('an event keeps its time, socket, frame, ids and a digest of its payload, not the payload', () => {
  const frame = inFrame({ type: 'tool_executing', run_id: RUN, agent_name: 'data', data: { tool_name: 'cost_query', call_id: 'c-1' } }, 1234, 2);
  expect(normalizeFrames([frame]).events).toEqual([
    {
      type: 'tool_executing',
      t: 1234,
      socket: 2,
      frame: 0,
      runId: RUN,
      agentName: 'data',
      toolName: 'cost_query',
      callId: 'c-1',
      shape: 'bridge',
      digest: expect.stringMatching(/^[A-Za-z0-9+/]{16}$/),
    },
  ]);
});

test('an error event keeps what it says went wrong; a nested field wins over the top level', () => {
  const said = (raw: Record<string, unknown>) => normalizeFrames([inFrame(raw, 1)]).events[0]?.errorMessage;
  expect(said({ type: 'agent_error', run_id: RUN, data: { error: { message: 'LLM quota exceeded' } } })).toBe('LLM quota exceeded');
  expect(said({ type: 'agent_error', message: 'top', data: { message: 'nested' } })).toBe('nested');
  expect(said({ type: 'agent_error', run_id: RUN })).toBeUndefined();
  // Only error events carry it.
  expect(said({ type: 'agent_thinking', message: 'a thought' })).toBeUndefined();
});

test('frames with one payload share a digest; another payload has another', () => {
  const { events } = normalizeFrames([inFrame({ type: 'agent_thinking', step: 1 }, 1), inFrame({ type: 'agent_thinking', step: 1 }, 2), inFrame({ type: 'agent_thinking', step: 2 }, 3)]);
  expect(events[0]!.digest).toBe(events[1]!.digest);
  expect(events[2]!.digest).not.toBe(events[0]!.digest);
});

test('outgoing frames and transport noise are not agent events', () => {
  const frames: FrameRecord[] = [
    inFrame({ type: 'connection_established', user_id: USER }, 1),
    { ...inFrame({ type: 'start_agent', payload: { thread_id: THREAD } }, 2), dir: 'out' },
    inFrame({ type: 'ping' }, 3),
    inFrame({ type: 'pong' }, 4),
    inFrame({ type: 'heartbeat' }, 5),
    inFrame({ type: 'agent_started', run_id: RUN }, 6),
  ];
  const { events, warnings } = normalizeFrames(frames);
  expect(events.map((e) => [e.type, e.frame])).toEqual([['agent_started', 5]]);
  expect(warnings).toEqual([]);
});

test('frames that are not JSON objects become warnings naming the frame, never a throw', () => {
  const frames: FrameRecord[] = [
    inFrame('<html>502 Bad Gateway</html>', 1),
    inFrame('[1,2,3]', 2, 1),
    inFrame('42', 3),
    inFrame('null', 4),
    inFrame({ run_id: RUN }, 5),
    { t: 6, socket: 0, dir: 'in', kind: 'binary', encoding: 'base64', payload: 'AAEC' },
    inFrame({ type: 'agent_started', run_id: RUN }, 7),
  ];
  const { events, warnings } = normalizeFrames(frames);
  expect(events.map((e) => e.type)).toEqual(['agent_started']);
  // Socket 0 carries the run: a line per bad frame. Socket 1 carries no agent event: one line for the socket.
  expect(warnings).toEqual([
    'frame 0 (socket 0): not JSON: "<html>502 Bad Gateway</html>"',
    'frame 2 (socket 0): JSON is number, not an object',
    'frame 3 (socket 0): JSON is null, not an object',
    'frame 4 (socket 0): no "type" field',
    'frame 5 (socket 0): binary frame that is not UTF-8 text',
    'socket 1: 1 frame(s) that are not agent events, e.g. frame 1 (socket 1): JSON is an array, not an object',
  ]);
});

test('a long malformed frame is cut to a short excerpt', () => {
  const { warnings } = normalizeFrames([inFrame(`not json ${'x'.repeat(500)}`, 1), inFrame({ type: 'agent_started', run_id: RUN }, 2)]);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.length).toBeLessThan(120);
  expect(warnings[0]).toContain('...');
});

test('sockets that carry no agent event (presence, hot reload) get one line each, however much they say', () => {
  const hmr = Array.from({ length: 50 }, (_, i) => inFrame({ action: 'built', hash: `h${i}` }, i, 1));
  const presence = Array.from({ length: 50 }, (_, i) => inFrame({ type: 'presence', online: 3 }, i, 2));
  const { warnings } = normalizeFrames([...hmr, ...presence, inFrame({ type: 'agent_started', run_id: RUN }, 60)]);
  expect(warnings).toEqual(['socket 1: 50 frame(s) that are not agent events, e.g. frame 0 (socket 1): no "type" field']);
});

test('bad frames on the socket of the run are listed up to a bound, then counted', () => {
  const bad = Array.from({ length: 25 }, (_, i) => inFrame(`garbage ${i}`, i));
  const { warnings } = normalizeFrames([inFrame({ type: 'agent_started', run_id: RUN }, 0), ...bad]);
  expect(warnings).toHaveLength(11);
  expect(warnings[10]).toBe('socket 0: 15 more bad frames (frames.ndjson has them all)');
});

test('binary frames carrying UTF-8 text are parsed like text', () => {
  const frames: FrameRecord[] = runFrames(healthyRun()).map((f) => ({ ...f, kind: 'binary', encoding: 'utf8' }));
  const { events, warnings } = normalizeFrames(frames);
  expect(canonical(events)).toEqual(HEALTHY_CANONICAL);
  expect(warnings).toEqual([]);
});

test('every agent_completed carries its answer: which one is final is the judge\'s call', () => {
  const frames = [
    inFrame({ type: 'agent_completed', run_id: RUN, agent_name: 'data', data: { result: 'sub-agent result' } }, 1),
    inFrame({ type: 'agent_completed', run_id: RUN, agent_name: 'supervisor', data: { status: 'completed', result: ANSWER, execution_time_ms: 812 } }, 2),
    inFrame({ type: 'agent_completed', run_id: RUN, data: { result: ANSWER } }, 3),
  ];
  expect(normalizeFrames(frames).events.map((e) => [e.agentName, e.answer])).toEqual([
    ['data', 'sub-agent result'],
    ['supervisor', ANSWER],
    [undefined, ANSWER],
  ]);
});

test('the answer paths are tried in order, each in the top level, data and payload', () => {
  const answerOf = (value: Record<string, unknown>) => normalizeFrames([inFrame({ type: 'agent_completed', ...value }, 1)]).events[0]?.answer;
  expect(answerOf({ message: 'status text', data: { result: 'the answer' } })).toBe('the answer');
  expect(answerOf({ payload: { final_response: 'from payload' } })).toBe('from payload');
  expect(answerOf({ response: 'flat response' })).toBe('flat response');
  expect(answerOf({ data: { content: 'content' } })).toBe('content');
  // A status line is not an answer: it is kept apart (the judge takes it only when the run has no other).
  expect(answerOf({ data: { result: '   ', message: 'a status line' } })).toBeUndefined();
  expect(normalizeFrames([inFrame({ type: 'agent_completed', data: { result: '   ', message: 'a status line' } }, 1)]).events[0]?.status).toBe('a status line');
  expect(answerOf({ data: { result: { nested: true } } })).toBeUndefined();
  // A result that is an object: its text fields, as the contract lists them.
  expect(answerOf({ data: { result: { status: 'ok', summary: 'the summary' } } })).toBe('the summary');
  expect(answerOf({ data: { status: 'completed', final_response: 'the final response' } })).toBe('the final response');
  expect(answerOf({ payload: 'a bare string payload' })).toBe('a bare string payload');
});

test('agent_response content and final_report executive_summary carry the answer', () => {
  const frames = [
    inFrame({ type: 'agent_response', run_id: RUN, payload: { content: 'shown text' } }, 1),
    inFrame({ type: 'system_message', event: 'final_report', payload: { run_id: RUN, executive_summary: 'summary' } }, 2),
  ];
  expect(normalizeFrames(frames).events.map((e) => [e.type, e.answer])).toEqual([
    ['agent_response', 'shown text'],
    ['final_report', 'summary'],
  ]);
});

test('ids given as camelCase or numbers are read too', () => {
  const frame = inFrame({ type: 'agent_started', runId: 42, threadId: THREAD, userId: USER, agentName: 'x' }, 1);
  expect(canonical(normalizeFrames([frame]).events)).toEqual([
    { type: 'agent_started', frame: 0, runId: '42', threadId: THREAD, userId: USER, agentName: 'x' },
  ]);
});

test('a contract teaches a renamed dialect: aliases and wrapper field names', () => {
  const contract: Contract = {
    ...defaultContract,
    wrapper: { types: ['envelope'], eventField: 'name', payloadField: 'body' },
    aliases: { run_begin: 'agent_started', run_end: 'agent_completed' },
  };
  const frames = [
    inFrame({ type: 'envelope', name: 'run_begin', body: { run_id: RUN } }, 1),
    inFrame({ type: 'run_end', run_id: RUN, data: { result: ANSWER } }, 2),
  ];
  expect(canonical(normalizeFrames(frames, contract).events)).toEqual([
    { type: 'agent_started', frame: 0, runId: RUN },
    { type: 'agent_completed', frame: 1, runId: RUN, answer: ANSWER },
  ]);
  // The default contract knows neither name: the events keep their wire names.
  expect(normalizeFrames(frames).events.map((e) => e.type)).toEqual(['envelope', 'run_end']);
});

test('a system_message without an event name stays a system_message', () => {
  const { events } = normalizeFrames([inFrame({ type: 'system_message', payload: { text: 'maintenance at 5' } }, SENT_AT)]);
  expect(events.map((e) => [e.type, e.shape])).toEqual([['system_message', 'bridge']]);
});

test('a __proto__ key in a frame pollutes nothing', () => {
  const { events } = normalizeFrames([inFrame('{"type":"agent_started","data":{"__proto__":{"polluted":true}}}', 1)]);
  expect(events.map((e) => e.type)).toEqual(['agent_started']);
  expect(Object.getPrototypeOf(events[0])).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test("a sent frame is labelled by the contract's type field, like a received one", () => {
  const contract: Contract = { ...defaultContract, typeField: 'kind' };
  const log = new FrameLog(contract);
  const sent = (payload: string): FrameRecord => ({ t: 1, socket: 0, dir: 'out', kind: 'text', payload });
  expect(log.add(sent('{"kind":"user_message","type":"ignored"}')).label).toBe('user_message');
  expect(log.add(sent('{"type":"user_message"}')).label).toBe('untyped');
  expect(log.add(sent('not json')).label).toBe('malformed');
});

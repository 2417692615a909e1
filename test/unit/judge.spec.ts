import { test, expect } from '@playwright/test';
import { defaultContract, type Contract } from '../../src/contract/contract';
import { judge } from '../../src/contract/judge';
import type { Check, Verdict } from '../../src/contract/types';
import {
  ANSWER, NONCE, RUN, SENT_AT, THREAD, USER,
  buildEvidence, cutBefore, drop, healthyRun, inFrame, insert, move, pageShowing, patch, rename, type EventSpec, type Shape,
} from './evidence-builders';

function checkNamed(verdict: Verdict, name: string): Check {
  const found = verdict.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check ${name} in ${verdict.checks.map((c) => c.name).join(', ')}`);
  return found;
}

/** The verdict's headline: what a test of one failure mode asserts. */
function headline(verdict: Verdict) {
  return { status: verdict.status, class: verdict.class };
}

const ALL_CHECKS = [
  'step-failures', 'transport', 'requests', 'events-present', 'completed-in-time', 'first-started', 'tool-pairing', 'final-after-tools',
  'single-final', 'final-answer', 'answer-rendered', 'answer-agrees', 'isolation', 'no-error-event', 'no-fallback', 'first-event-budget', 'complete-budget',
];

test.describe('a healthy run', () => {
  for (const shape of ['bridge', 'flat', 'wrapper'] as Shape[]) {
    test(`passes in the ${shape} shape`, () => {
      const verdict = judge(buildEvidence(healthyRun(), shape));
      expect(verdict.checks.map((c) => [c.name, c.status])).toEqual(ALL_CHECKS.map((name) => [name, 'pass']));
      expect(headline(verdict)).toEqual({ status: 'pass', class: null });
      expect(verdict.message).toBe('all 17 checks passed');
      expect(verdict.warnings).toEqual([]);
    });
  }

  test('reports the run, the events with their timings and the answer', () => {
    const verdict = judge(buildEvidence());
    expect({ ...verdict, checks: undefined }).toEqual({
      status: 'pass',
      class: null,
      message: 'all 17 checks passed',
      checks: undefined,
      events: [
        { type: 'agent_started', firstSeenMs: 100, count: 1 },
        { type: 'agent_thinking', firstSeenMs: 200, count: 1 },
        { type: 'tool_executing', firstSeenMs: 300, count: 1 },
        { type: 'tool_completed', firstSeenMs: 400, count: 1 },
        { type: 'agent_completed', firstSeenMs: 600, count: 1 },
        { type: 'agent_response', firstSeenMs: 500, count: 1 },
      ],
      runId: RUN,
      threadId: THREAD,
      userId: USER,
      answer: { frames: ANSWER, page: ANSWER, matched: 'agent_response' },
      // The page was read once (no wait recorded when each answer first showed): no time to answer.
      timings: { firstEventMs: 100, completeMs: 600, answerVisibleMs: null },
      warnings: [],
      retries: [],
    });
  });

  test('retries before the send are carried into the verdict, with a warning', () => {
    const retry = { step: 'open chat', class: 'transport' as const, message: 'attempt 1: open chat: no socket was opened' };
    const verdict = judge({ ...buildEvidence(), retries: [retry] });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.retries).toEqual([retry]);
    expect(verdict.warnings).toEqual(['retried after a transport failure before the send: attempt 1: open chat: no socket was opened']);
  });

  test('a check says what was expected and what was seen', () => {
    expect(checkNamed(judge(buildEvidence()), 'events-present')).toEqual({
      name: 'events-present',
      status: 'pass',
      class: 'missing-event',
      expected: `agent_started, agent_thinking, tool_executing, tool_completed, agent_completed for run ${RUN}`,
      seen: 'agent_started x1, agent_thinking x1, tool_executing x1, tool_completed x1, agent_completed x1',
      evidence: `run ${RUN}: frames 2, 3, 4, 5, 6, 7`,
    });
  });

  test('passes when sent over REST: the thread id comes from the HTTP send', () => {
    const evidence = buildEvidence();
    const verdict = judge({
      ...evidence,
      frames: evidence.frames.filter((f) => f.dir === 'in'),
      httpSends: [{ t: SENT_AT, url: 'https://api.staging.example/api/agent/v2/execute', body: { request_id: 'q', message: NONCE, thread_id: THREAD } }],
    });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.threadId).toBe(THREAD);
    expect(verdict.warnings).toEqual([]);
  });

  test('passes with binary frames carrying UTF-8 text', () => {
    const evidence = buildEvidence();
    const verdict = judge({ ...evidence, frames: evidence.frames.map((f) => ({ ...f, kind: 'binary' as const, encoding: 'utf8' as const })) });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });

  test('passes with a malformed frame among the healthy ones, with a warning', () => {
    const evidence = buildEvidence();
    const verdict = judge({ ...evidence, frames: [...evidence.frames, inFrame('{"type": "agent_thin', SENT_AT + 700)] });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings).toEqual(['frame 8 (socket 0): not JSON: "{\\"type\\": \\"agent_thin"']);
  });

  test('passes with sub-agents that start and complete on their own', () => {
    let events = insert(healthyRun(), 2, { type: 'agent_started', agent: 'data' });
    events = insert(events, 5, { type: 'agent_completed', agent: 'data', data: { result: 'rows fetched' } });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.events.slice(0, 5).map((e) => [e.type, e.count])).toEqual([
      ['agent_started', 2], ['agent_thinking', 1], ['tool_executing', 1], ['tool_completed', 1], ['agent_completed', 2],
    ]);
    expect(verdict.answer.frames).toBe(ANSWER);
  });
});

test.describe('missing evidence never passes', () => {
  test('no frames -> fail', () => {
    const verdict = judge({ ...buildEvidence(), frames: [] });
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(verdict.message).toContain('no run started after the send');
    expect(verdict.warnings).toContain('no frames recorded');
  });

  test('sentAt null -> fail, a probe bug when no step failure explains it', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { sentAt: null }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'probe' });
    expect(verdict.message).toBe('message-sent: expected the probe sent its message; no send recorded, and no step failure explains it');
    expect(verdict.checks.map((c) => [c.name, c.status])).toEqual([['step-failures', 'pass'], ['message-sent', 'fail']]);
    expect(verdict.runId).toBeNull();
    expect(verdict.events.map((e) => e.count)).toEqual([0, 0, 0, 0, 0]);
  });

  test('sentAt null after a failed login -> the login failure names the class', () => {
    const verdict = judge(buildEvidence([], 'bridge', {
      sentAt: null,
      stepFailures: [{ step: 'login', class: 'auth', message: 'test-auth answered 401' }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'auth' });
    expect(verdict.message).toBe('step-failures: expected every probe step completed; login: test-auth answered 401');
  });

  test('no run attributed: only another thread\'s run reached the page -> isolation', () => {
    const events = healthyRun().map((e) => ({ ...e, thread: 't-other', run: 'r-other' }));
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'isolation' });
    expect(checkNamed(verdict, 'isolation').seen).toContain('events of run r-other');
    expect(checkNamed(verdict, 'events-present').seen).toBe(`no run started after the send: no event came for the probe's thread ${THREAD}`);
    expect(verdict.warnings).toContain("1 agent_started after the send were for another thread or user (frame 2); not the probe's run");
  });
});

test.describe('step-failures', () => {
  test('fails with the class and message of the step', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', {
      stepFailures: [{ step: 'wait-answer', class: 'ui-render', message: 'response-card not visible after 60s' }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(checkNamed(verdict, 'step-failures')).toEqual({
      name: 'step-failures',
      status: 'fail',
      class: 'ui-render',
      expected: 'every probe step completed',
      seen: 'wait-answer: response-card not visible after 60s',
      evidence: 'steps wait-answer',
    });
  });

  test('a config or probe step failure makes the verdict an error, not a fail', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', {
      sentAt: null,
      stepFailures: [{ step: 'launch', class: 'probe', message: 'no Chromium' }, { step: 'config', class: 'config', message: 'PROBE_URL missing' }],
    }));
    expect(headline(verdict)).toEqual({ status: 'error', class: 'config' });
    expect(verdict.message).toContain('launch: no Chromium; config: PROBE_URL missing');
  });
});

test.describe('transport', () => {
  test('a 1011 close after agent_started is transport, not missing-event or timeout', () => {
    const verdict = judge(buildEvidence(cutBefore(healthyRun(), 'agent_thinking'), 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 150, closeCode: 1011, closeReason: 'Service not ready' }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(verdict.message).toBe(
      'transport: expected the WebSocket stays up from the send to the final agent_completed (or the run goes on on a later socket); ' +
        'socket 0 closed 1011 Internal Error ("Service not ready") at +150ms, and the run never went on on a later socket',
    );
    expect(checkNamed(verdict, 'transport').evidence).toBe('socket 0');
  });

  test('a 1000 close right after the send fails: the run was unfinished', () => {
    const verdict = judge(buildEvidence([], 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 20, closeCode: 1000 }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(verdict.message).toContain('socket 0 closed 1000 Normal Closure at +20ms while the run was unfinished');
  });

  test('no socket at all fails', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { sockets: [] }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(checkNamed(verdict, 'transport').seen).toBe('no WebSocket was opened');
  });

  test('a socket refused at the upgrade (1006 before the send) fails as transport', () => {
    const verdict = judge(buildEvidence([], 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: 510, closeCode: 1006, error: 'Unexpected response code: 403' }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(checkNamed(verdict, 'transport').seen).toBe(
      'no socket was open at the send: socket 0 closed 1006 Abnormal Closure at -490ms after error: Unexpected response code: 403',
    );
  });

  test('a bad subprotocol (1003 before the send) and a close without code are named', () => {
    const sent = buildEvidence([]);
    const verdict = judge({
      ...sent,
      // The page sent its message on socket 1, the only one open at the send.
      frames: sent.frames.map((f) => ({ ...f, socket: 1 })),
      sockets: [
        { socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: 520, closeCode: 1003 },
        { socket: 1, url: 'wss://x/ws', openedAt: 600, closedAt: SENT_AT + 10 },
      ],
    });
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(checkNamed(verdict, 'transport').seen).toBe('socket 1 closed no close code at +10ms, and the run never went on on a later socket');
    const early = judge(buildEvidence([], 'bridge', { sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: 520, closeCode: 1003 }] }));
    expect(checkNamed(early, 'transport').seen).toBe('no socket was open at the send: socket 0 closed 1003 Unsupported Data at -480ms');
  });

  test('a run that completes on a later socket passes, with a warning about the close', () => {
    const events = healthyRun().map((e, i) => (i >= 2 ? { ...e, socket: 1 } : e));
    const verdict = judge(buildEvidence(events, 'bridge', {
      sockets: [
        { socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 250, closeCode: 1011, closeReason: 'Service not ready' },
        { socket: 1, url: 'wss://x/ws', openedAt: SENT_AT + 260 },
      ],
    }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(checkNamed(verdict, 'transport').seen).toBe('run completed on socket 1');
    expect(verdict.warnings).toEqual(['socket 0 closed 1011 Internal Error ("Service not ready") at +250ms during the run; the run completed on socket 1']);
  });

  test('a 1012 Service Restart is not a transport fault: an unfinished run is a timeout', () => {
    const verdict = judge(buildEvidence(cutBefore(healthyRun(), 'tool_executing'), 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 250, closeCode: 1012 }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(checkNamed(verdict, 'transport').status).toBe('pass');
  });

  test('a close after the final agent_completed is fine', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 5000, closeCode: 1006 }],
    }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });
});

test.describe('events-present and completed-in-time', () => {
  const expectedList = `agent_started, agent_thinking, tool_executing, tool_completed, agent_completed for run ${RUN}`;

  for (const type of ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed']) {
    test(`missing ${type} -> missing-event`, () => {
      const verdict = judge(buildEvidence(drop(healthyRun(), type)));
      expect(headline(verdict)).toEqual({ status: 'fail', class: 'missing-event' });
      expect(verdict.message).toBe(`events-present: expected ${expectedList}; missing ${type}`);
    });
  }

  test('missing the final agent_completed -> timeout in completed-in-time, not missing-event', () => {
    const verdict = judge(buildEvidence(drop(healthyRun(), 'agent_completed')));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(verdict.message).toBe(
      `completed-in-time: expected the final agent_completed (the root agent's: no agent name) of run ${RUN} before the probe stopped waiting; ` +
        `run ${RUN} started (agent_started (frame 2)) but its final agent_completed never arrived`,
    );
    expect(verdict.timings).toEqual({ firstEventMs: 100, completeMs: null, answerVisibleMs: null });
  });

  test('only sub-agent agent_completed events do not complete the run', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_completed', { agent: 'reporting' })));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(checkNamed(verdict, 'completed-in-time').seen).toContain('(only a sub-agent completed: reporting)');
  });

  test('a run with no tool events at all -> missing-event naming both', () => {
    const verdict = judge(buildEvidence(drop(drop(healthyRun(), 'tool_executing'), 'tool_completed')));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'missing-event' });
    expect(verdict.message).toBe(`events-present: expected ${expectedList}; missing tool_executing, tool_completed`);
    expect(checkNamed(verdict, 'tool-pairing').status).toBe('pass');
  });

  test('without agent_started the run is found by its first event, with a warning', () => {
    const verdict = judge(buildEvidence(drop(healthyRun(), 'agent_started')));
    expect(verdict.runId).toBe(RUN);
    expect(verdict.warnings).toEqual(["no agent_started for the probe's run; run attributed by its first event, agent_thinking at frame 2"]);
    expect(checkNamed(verdict, 'first-event-budget')).toMatchObject({ status: 'pass', seen: '100ms (to agent_thinking; no agent_started)' });
  });
});

test.describe('first-started', () => {
  test('fails when an agent event comes before agent_started -> order', () => {
    const verdict = judge(buildEvidence(move(healthyRun(), 'agent_thinking', 0)));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'order' });
    expect(verdict.message).toBe(
      'first-started: expected the first agent_started before every other agent event of the run; ' +
        'agent_thinking triage (frame 2) came before agent_started (frame 3)',
    );
  });

  test("ignores the platform's own chatter of the thread before agent_started", () => {
    const events = insert(healthyRun(), 0, { type: 'thread_updated', run: null, data: { title: 'Costs' } });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    // Only the contract's agent events belong to a run: the chatter is neither ordered nor listed.
    expect(verdict.events.map((e) => e.type)).not.toContain('thread_updated');
  });
});

test.describe('tool-pairing', () => {
  test('passes for interleaved tools paired by call id', () => {
    let events = insert(healthyRun(), 3, { type: 'tool_executing', tool: 'cost_query', call: 'c-2' });
    events = insert(events, 5, { type: 'tool_completed', tool: 'cost_query', call: 'c-2' });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(checkNamed(verdict, 'tool-pairing').seen).toBe('2 tool call(s) paired');
  });

  test('pairs by tool name when there is no call id', () => {
    const events = healthyRun().map((e) => (e.call ? { ...e, call: undefined } : e));
    expect(headline(judge(buildEvidence(events)))).toEqual({ status: 'pass', class: null });
  });

  test('a tool_completed of another call is unpaired -> pairing', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'tool_completed', { call: 'c-9' })));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'pairing' });
    expect(verdict.message).toBe(
      'tool-pairing: expected every tool_executing followed by a tool_completed of the same call id (or tool name); ' +
        'tool_executing cost_query (call c-1, frame 4) never completed; tool_completed cost_query (call c-9, frame 5) without a matching tool_executing',
    );
  });

  test('a tool_completed of another tool (no call ids) is unpaired -> pairing', () => {
    const events = healthyRun().map((e) => (e.call ? { ...e, call: undefined } : e));
    const verdict = judge(buildEvidence(patch(events, 'tool_completed', { tool: 'web_search' })));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'pairing' });
    expect(checkNamed(verdict, 'tool-pairing').evidence).toBe('frames 4, 5');
  });

  test('a tool_completed before its tool_executing is unpaired', () => {
    const verdict = judge(buildEvidence(move(healthyRun(), 'tool_completed', 2)));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'pairing' });
  });
});

test.describe('final-after-tools', () => {
  test('fails when a tool event comes after the final agent_completed -> order', () => {
    const verdict = judge(buildEvidence(move(healthyRun(), 'tool_completed', 5)));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'order' });
    expect(verdict.message).toBe(
      'final-after-tools: expected the final agent_completed after every tool event; ' +
        'tool_completed cost_query (call c-1, frame 7) came after the final agent_completed (frame 6)',
    );
  });
});

test.describe('final-answer', () => {
  test('fails without any answer in the frames -> missing-event', () => {
    const events = patch(drop(healthyRun(), 'agent_response'), 'agent_completed', { data: {} });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'missing-event' });
    expect(verdict.message).toBe(
      'final-answer: expected a non-empty answer in the frames (agent_response, or final_report, or partial_result chunks, or stream_chunk chunks, or the final agent_completed); no answer in the frames',
    );
    expect(verdict.answer.frames).toBeNull();
  });

  test('takes final_report executive_summary when the frontend version drops agent_response', () => {
    const events = insert(drop(healthyRun(), 'agent_response'), 4, { type: 'final_report', data: { executive_summary: 'GPU inference drives 62%.' } });
    const verdict = judge(buildEvidence(events, 'wrapper', { page: pageShowing('Summary: GPU inference drives 62%.') }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.answer.frames).toBe('GPU inference drives 62%.');
  });

  test("falls back to the final agent_completed's answer", () => {
    const verdict = judge(buildEvidence(drop(healthyRun(), 'agent_response'), 'flat'));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.answer.frames).toBe(ANSWER);
  });
});

test.describe('answer-rendered and answer-agrees: the answer as people see it', () => {
  test('a page that could not be read -> ui-render', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: null }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(verdict.message).toBe('answer-rendered: expected new visible text in the page after the send; the page could not be read');
  });

  test('nothing new visible but the probe\'s own message -> ui-render', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: pageShowing(null, 'Earlier chat') }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(verdict.message).toBe('answer-rendered: expected new visible text in the page after the send; nothing new became visible in the page after the send');
  });

  test("a conversation list that gains the new conversation, titled with the message cut short, is nothing new", () => {
    const before = 'Earlier chat';
    const message = 'Summarize my usage for yesterday [probe probe-7f3a]';
    const titled = judge(buildEvidence(healthyRun(), 'bridge', { message, page: { scope: 'the page', before, after: `Summarize my usage for yeste… ${before} ${message}` } }));
    expect(checkNamed(titled, 'answer-rendered').seen).toBe('nothing new became visible in the page after the send');
    // A word the page did not show before and the message does not hold is new.
    const error = judge(buildEvidence(healthyRun(), 'bridge', { message, page: { scope: 'the page', before, after: `${before} ${message} Something went wrong` } }));
    expect(checkNamed(error, 'answer-rendered').status).toBe('pass');
  });

  test('a selector whose matches show no visible text -> ui-render', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: { scope: '[data-testid="answer"]', before: '', after: ' \n ' } }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(checkNamed(verdict, 'answer-rendered').seen).toBe('[data-testid="answer"] shows no visible text');
  });

  test('page text that differs from every answer of the frames -> ui-render, naming both', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: pageShowing('Something went wrong. Please try again.') }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(verdict.message).toBe(
      "answer-agrees: expected the run's final answer visible in the page, appearing after the send (markdown rendered or not; whitespace ignored); " +
        `2 final answer(s) in the frames, none visible: frames say "${ANSWER.slice(0, 60)}..."; the page shows "...costs? [${NONCE}] Something went wrong. Please try again."`,
    );
  });

  test('agrees across whitespace and surrounding page text, and says which answer matched', () => {
    const page = { scope: 'the page', before: 'Chats\nNew chat', after: `Chats\nNew chat\nAssistant\n\n  Your biggest cost driver is GPU\ninference:   62% of\nlast month.\nCopy` };
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(checkNamed(verdict, 'answer-agrees').seen).toBe('agent_response is visible');
    expect(verdict.answer).toEqual({ frames: ANSWER, page: ANSWER, matched: 'agent_response' });
  });

  test('a page that shows only part of the answer -> ui-render', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: pageShowing('Your biggest cost driver is GPU inference') }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
  });

  test('any one of the answers counts: the executive summary in the message list, no agent_response', () => {
    const summary = 'GPU inference drives 62% of your costs.';
    const events = insert(drop(healthyRun(), 'agent_response'), 6, { type: 'final_report', data: { executive_summary: summary } });
    // The final completion says something else (a status line); the page shows the summary only.
    const runEvents = patch(events, 'agent_completed', { data: { result: 'Analysis complete.' } });
    const verdict = judge(buildEvidence(runEvents, 'wrapper', { page: pageShowing(`Recommendations: 3 Records: 7 ${summary}`) }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.answer.matched).toBe('final_report');
  });

  test('an answer visible before the send, and not again after it, does not count', () => {
    const before = `Earlier: ${ANSWER}`;
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: { scope: 'the page', before, after: `${before} Thinking...` } }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
    expect(checkNamed(verdict, 'answer-agrees').seen).toContain('the page showed agent_response already before the send, and not again after it');
  });

  test('the same answer once more after the send counts', () => {
    const before = `Earlier: ${ANSWER}`;
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { page: { scope: 'the page', before, after: `${before} Again: ${ANSWER}` } }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });

  test('agrees when the page renders the markdown of the answer (bold, list, link, code, heading)', () => {
    const markdown = '## Costs\n\n**Your biggest** cost driver is `GPU`:\n\n- 62% of [last month](https://example.invalid/m)\n- _inference_ in usage_lookup';
    const run = healthyRun().map((e) =>
      e.type === 'agent_response' ? { ...e, data: { content: markdown } } : e.type === 'agent_completed' ? { ...e, data: { result: markdown } } : e,
    );
    const rendered = 'Costs\nYour biggest cost driver is GPU:\n62% of last month\ninference in usage_lookup';
    expect(headline(judge(buildEvidence(run, 'bridge', { page: pageShowing(rendered) })))).toEqual({ status: 'pass', class: null });
    // A page that shows the markdown as it is agrees too; one that shows another text does not.
    expect(headline(judge(buildEvidence(run, 'bridge', { page: pageShowing(markdown) })))).toEqual({ status: 'pass', class: null });
    expect(headline(judge(buildEvidence(run, 'bridge', { page: pageShowing(rendered.replace('62%', '26%')) })))).toEqual({ status: 'fail', class: 'ui-render' });
  });
});

test.describe('answer-expected', () => {
  test('is only checked when an expected answer is set', () => {
    expect(judge(buildEvidence()).checks.map((c) => c.name)).not.toContain('answer-expected');
  });

  test('passes when the answer matches', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { expectAnswer: 'GPU|cost' }));
    expect(checkNamed(verdict, 'answer-expected')).toMatchObject({ status: 'pass', class: 'fallback-stub' });
    expect(verdict.message).toBe('all 18 checks passed');
  });

  test('fails when it does not -> fallback-stub', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { expectAnswer: '\\d+ tokens' }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'fallback-stub' });
    expect(verdict.message).toContain('answer-expected: expected an answer matches /\\d+ tokens/; no match in "Your biggest');
  });

  test('an invalid regular expression is a config failure', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { expectAnswer: '(' }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'config' });
    expect(verdict.message).toContain('not a valid regular expression');
  });

  test('without an answer it does not hide a timeout as a fallback', () => {
    const verdict = judge(buildEvidence(cutBefore(healthyRun(), 'agent_response'), 'bridge', { expectAnswer: 'GPU', page: pageShowing(null) }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(checkNamed(verdict, 'answer-expected').class).toBe('missing-event');
  });
});

test.describe('isolation', () => {
  const SECRET = 'the other tenant salary table';

  test("another user's event after the send -> isolation, without its payload text", () => {
    const events = insert(healthyRun(), 3, { type: 'agent_thinking', user: 'u-2', run: 'r-9', thread: 't-9', data: { thought: SECRET } });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'isolation' });
    expect(verdict.message).toBe(
      "isolation: expected no event for another user after the send, and no other run's event after the run started; events of user u-2 (agent_thinking)",
    );
    expect(checkNamed(verdict, 'isolation').evidence).toBe('frame 5');
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
  });

  test("another run's event of the same user after the run started -> isolation", () => {
    const events = insert(healthyRun(), 2, { type: 'tool_executing', run: 'r-9', thread: 't-9', tool: 'db', data: { sql: SECRET } });
    const verdict = judge(buildEvidence(events, 'wrapper'));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'isolation' });
    expect(checkNamed(verdict, 'isolation').seen).toBe('events of run r-9 (tool_executing)');
    expect(JSON.stringify(verdict)).not.toContain(SECRET);
  });

  test('a run without run ids: another thread reaching the page is a leak', () => {
    let events: EventSpec[] = healthyRun().map((e) => ({ ...e, run: null }));
    events = insert(events, 2, { type: 'agent_thinking', run: null, thread: 't-9' });
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'isolation' });
    expect(checkNamed(verdict, 'isolation').seen).toBe('events of thread t-9 (agent_thinking)');
  });

  test("passes when another run's events arrived before the send", () => {
    const evidence = buildEvidence();
    const early = inFrame({ type: 'agent_completed', run_id: 'r-0', thread_id: 't-0', user_id: USER }, SENT_AT - 100);
    const verdict = judge({ ...evidence, frames: [early, ...evidence.frames] });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });
});

test.describe('no-error-event', () => {
  test('agent_error then an apologetic agent_completed -> error-event', () => {
    let events = insert(cutBefore(healthyRun(), 'tool_executing'), 2, { type: 'agent_error', data: { error: 'LLM provider unavailable' } });
    events = [...events, { type: 'agent_completed', data: { result: 'Sorry, something went wrong.' } }];
    const verdict = judge(buildEvidence(events, 'bridge', { page: pageShowing('Sorry, something went wrong.') }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'error-event' });
    expect(verdict.message).toBe(
      'no-error-event: expected no agent_error, agent_failed, agent_fallback, agent_death, error event for the run; agent_error at frame 4 "LLM provider unavailable"',
    );
  });

  test('an error event in the wrapper shape counts too', () => {
    const events = insert(healthyRun(), 5, { type: 'agent_fallback', data: { reason: 'supervisor missing' } });
    const verdict = judge(buildEvidence(events, 'wrapper'));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'error-event' });
    expect(checkNamed(verdict, 'no-error-event').seen).toBe('agent_fallback at frame 7 "supervisor missing"');
  });
});

test.describe('no-fallback', () => {
  test('a canned tool name -> fallback-stub', () => {
    const events = healthyRun().map((e) => (e.tool ? { ...e, tool: 'analysis_tool' } : e));
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'fallback-stub' });
    expect(checkNamed(verdict, 'no-fallback').seen).toBe(
      'canned tool tool_executing analysis_tool (call c-1, frame 4), tool_completed analysis_tool (call c-1, frame 5)',
    );
  });

  test('a canned answer that page and frames agree on -> fallback-stub', () => {
    const canned = `Agent response for: What drives my costs? [${NONCE}]`;
    const events = patch(patch(healthyRun(), 'agent_response', { data: { content: canned } }), 'agent_completed', { data: { result: canned } });
    const verdict = judge(buildEvidence(events, 'flat', { page: pageShowing(canned) }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'fallback-stub' });
    expect(verdict.message).toContain('no-fallback: expected no canned fallback');
    expect(verdict.message).toContain('canned answer "Agent response for:');
  });
});

test.describe('time budgets', () => {
  test('agent_started over the warning budget -> degraded', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_started', { at: 6_000 })));
    expect(headline(verdict)).toEqual({ status: 'degraded', class: null });
    expect(verdict.message).toBe('first-event-budget: expected agent_started within 15000ms of the send (warn over 5000ms); 6000ms');
  });

  test('agent_started over the hard budget -> timeout', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_started', { at: 16_000 })));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(verdict.message).toContain('first-event-budget:');
    expect(verdict.timings.firstEventMs).toBe(16_000);
  });

  test('the final agent_completed over the warning budget -> degraded', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_completed', { at: 31_000 })));
    expect(headline(verdict)).toEqual({ status: 'degraded', class: null });
    expect(checkNamed(verdict, 'complete-budget')).toEqual({
      name: 'complete-budget',
      status: 'warn',
      class: 'timeout',
      expected: 'the final agent_completed within 60000ms of the send (warn over 30000ms)',
      seen: '31000ms',
      evidence: 'frame 7',
    });
  });

  test('the final agent_completed over the hard budget -> timeout', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_completed', { at: 61_000 })));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(verdict.message).toContain('complete-budget:');
  });

  test('exactly on the budget is within it', () => {
    const verdict = judge(buildEvidence(patch(healthyRun(), 'agent_started', { at: 5_000 })));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
  });
});

test.describe('class priority', () => {
  test('transport beats isolation, timeout and missing-event', () => {
    const events = insert(cutBefore(healthyRun(), 'tool_executing'), 1, { type: 'agent_thinking', user: 'u-2', run: 'r-2' });
    const verdict = judge(buildEvidence(events, 'bridge', {
      sockets: [{ socket: 0, url: 'wss://x/ws', openedAt: 500, closedAt: SENT_AT + 900, closeCode: 1006 }],
    }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(verdict.checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.class])).toEqual([
      ['transport', 'transport'],
      ['events-present', 'missing-event'],
      ['completed-in-time', 'timeout'],
      ['final-after-tools', 'order'],
      ['final-answer', 'missing-event'],
      ['answer-agrees', 'missing-event'],
      ['isolation', 'isolation'],
      ['complete-budget', 'timeout'],
    ]);
  });

  test('error-event beats fallback-stub and missing-event', () => {
    let events = drop(healthyRun(), 'tool_completed');
    events = insert(events, 3, { type: 'agent_error', tool: 'analysis_tool' });
    expect(headline(judge(buildEvidence(events)))).toEqual({ status: 'fail', class: 'error-event' });
  });

  test('missing-event beats pairing and order', () => {
    // tool_completed missing also leaves tool_executing unpaired.
    const verdict = judge(buildEvidence(move(drop(healthyRun(), 'tool_completed'), 'agent_thinking', 0)));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'missing-event' });
    expect(verdict.checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['events-present', 'first-started', 'tool-pairing']);
  });

  test('a fail beats a warn', () => {
    const events = patch(drop(healthyRun(), 'agent_thinking'), 'agent_started', { at: 6_000 });
    expect(headline(judge(buildEvidence(events)))).toEqual({ status: 'fail', class: 'missing-event' });
  });
});

test.describe('warnings', () => {
  test('the final agent_completed twice -> order (single-final), with a warning', () => {
    const events = [...healthyRun(), { type: 'agent_completed', data: { result: ANSWER } }];
    const verdict = judge(buildEvidence(events));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'order' });
    expect(verdict.message).toBe('single-final: expected exactly one final agent_completed for run r-1; the final agent_completed arrived 2 times');
    expect(verdict.warnings).toEqual(['final agent_completed received 2 times (frames 7, 8)']);
    expect(verdict.events.find((e) => e.type === 'agent_completed')).toEqual({ type: 'agent_completed', firstSeenMs: 600, count: 2 });
  });

  test('a duplicated event -> warning', () => {
    const evidence = buildEvidence();
    const thinking = evidence.frames[3]!;
    const verdict = judge({ ...evidence, frames: [...evidence.frames.slice(0, 4), { ...thinking, t: thinking.t + 1 }, ...evidence.frames.slice(4)] });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings).toEqual(['duplicate agent_thinking received 2 times (frames 3, 4)']);
  });

  test('events without run id are attributed by thread, with a warning', () => {
    const verdict = judge(buildEvidence(healthyRun().map((e) => ({ ...e, run: null }))));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.runId).toBeNull();
    expect(verdict.warnings).toEqual([`the run's agent_started carries no run id; events attributed by thread ${THREAD}`]);
  });

  test('events with neither run id nor thread id are attributed by time, with warnings', () => {
    const evidence = buildEvidence(healthyRun().map((e) => ({ ...e, run: null, thread: null })));
    const verdict = judge({ ...evidence, frames: evidence.frames.filter((f) => f.dir === 'in') });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings).toEqual([
      'probe thread id unknown: no outgoing frame or HTTP send carried the nonce and a thread id; run attributed by user and time',
      "the run's agent_started carries no run id; events attributed by time",
      '6 events carried neither run id nor thread id; attributed to the run by time (after the send, on its sockets)',
    ]);
  });

  test("another thread's run starting first is not taken for the probe's", () => {
    const other = [{ type: 'agent_started', run: 'r-9', thread: 't-9', at: 50 }];
    const events = [...other, ...healthyRun().map((e, i) => (i === 0 ? { ...e, at: 100 } : e))];
    const verdict = judge(buildEvidence(events));
    expect(verdict.runId).toBe(RUN);
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings).toEqual(["1 agent_started after the send were for another thread or user (frame 2); not the probe's run"]);
  });
});

test.describe('a renamed dialect', () => {
  const renamed = () => {
    let events = healthyRun();
    for (const [from, to] of [['agent_started', 'run_started'], ['agent_thinking', 'run_thinking'], ['tool_executing', 'tool_start'], ['tool_completed', 'tool_end'], ['agent_completed', 'run_completed']]) {
      events = rename(events, from as string, to as string);
    }
    return events;
  };
  const aliases: Contract = {
    ...defaultContract,
    aliases: { run_started: 'agent_started', run_thinking: 'agent_thinking', tool_start: 'tool_executing', tool_end: 'tool_completed', run_completed: 'agent_completed' },
  };

  test('fails under the default contract', () => {
    expect(judge(buildEvidence(renamed())).status).toBe('fail');
  });

  test('passes once a contract teaches the names through aliases', () => {
    const verdict = judge(buildEvidence(renamed(), 'wrapper'), aliases);
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed', 'agent_response']);
  });
});

test('the judge is pure: the same evidence gives the same verdict and is left unchanged', () => {
  const evidence = buildEvidence(drop(healthyRun(), 'tool_completed'));
  const copy = structuredClone(evidence);
  expect(judge(evidence)).toEqual(judge(copy));
  expect(evidence).toEqual(copy);
});

test.describe('surface', () => {
  test('the protocol probe has no page: page checks are left out and said so, never passed', () => {
    const verdict = judge({ ...buildEvidence(healthyRun(), 'bridge', { page: null }), surface: 'protocol' });
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.checks.map((c) => c.name)).not.toContain('answer-rendered');
    expect(verdict.checks.map((c) => c.name)).not.toContain('answer-agrees');
    expect(verdict.warnings).toContain('protocol probe: no page, so answer-rendered and answer-agrees were not judged');
  });

  test('the browser probe judges the page: no page answer fails', () => {
    const verdict = judge({ ...buildEvidence(healthyRun(), 'bridge', { page: null }), surface: 'browser' });
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'ui-render' });
  });
});

test.describe("the final completion is the root agent's", () => {
  /** The platform's own emitter: every event names its agent, the Supervisor opens and ends the run. */
  function namedRun(root = 'Supervisor', final = 'supervisor'): EventSpec[] {
    let events = patch(healthyRun(), 'agent_started', { agent: root });
    events = insert(events, 2, { type: 'agent_started', agent: 'data' });
    events = insert(events, 5, { type: 'agent_completed', agent: 'data', data: { status: 'completed', result: 'rows fetched' } });
    return patch(events, 'agent_completed', { agent: final, data: { status: 'completed', result: ANSWER, execution_time_ms: 812, message: 'supervisor completed' } }, 1);
  }

  for (const shape of ['bridge', 'flat', 'wrapper'] as Shape[]) {
    test(`every completion named, the root agent's ends the run (${shape}; names compared case-insensitively)`, () => {
      const verdict = judge(buildEvidence(namedRun(), shape));
      expect(headline(verdict)).toEqual({ status: 'pass', class: null });
      expect(verdict.timings.completeMs).toBe(800);
      expect(checkNamed(verdict, 'single-final').status).toBe('pass');
    });
  }

  test('a completion named like no root agent does not end the run: timeout, naming the sub-agents that completed', () => {
    const verdict = judge(buildEvidence(namedRun('supervisor', 'reporting')));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'timeout' });
    expect(checkNamed(verdict, 'completed-in-time').seen).toContain('(only a sub-agent completed: data, reporting)');
    expect(checkNamed(verdict, 'completed-in-time').expected).toContain('no agent name, or "supervisor"');
  });

  test('a root named in the contract (rootAgents) ends the run even when agent_started names another', () => {
    const contract: Contract = { ...defaultContract, rootAgents: ['Reporting'] };
    expect(headline(judge(buildEvidence(namedRun('supervisor', 'reporting')), contract))).toEqual({ status: 'pass', class: null });
  });

  test("the root agent's completion twice is a duplicated end: order", () => {
    const events = namedRun();
    const final = events[events.length - 1]!;
    const verdict = judge(buildEvidence([...events, { ...final }]));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'order' });
    expect(verdict.message).toContain('single-final');
  });
});

test.describe('no run adopted by mistake', () => {
  test("a foreign run of this user whose agent_response carries only its run id is not the probe's run", () => {
    // Ours never starts; another thread's run arrives, and its answer frame names the run and nothing else.
    const foreign = healthyRun().map((e) => ({ ...e, run: 'r-foreign', thread: 't-other' }));
    const events = patch(foreign, 'agent_response', { thread: null, user: null });
    const verdict = judge(buildEvidence(events, 'bridge', { page: pageShowing(ANSWER) }));
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'isolation' });
    expect(verdict.runId).toBeNull();
    expect(checkNamed(verdict, 'completed-in-time').seen).toBe(`no run started after the send: no event came for the probe's thread ${THREAD}`);
    expect(verdict.warnings.join('\n')).toContain("belong to a run of another thread or user (frame 6); not the probe's run");
  });

  test('a run id of ours stays ours when its events carry no ids but the run id', () => {
    const events = healthyRun().map((e) => (e.type === 'agent_response' ? { ...e, thread: null, user: null } : e));
    expect(headline(judge(buildEvidence(events)))).toEqual({ status: 'pass', class: null });
  });
});

test.describe('requests: failed requests to the target', () => {
  const ticket500 = { t: SENT_AT - 300, method: 'POST', url: 'https://api.staging.example/api/websocket/ticket', status: 500 };

  test('a run that never started after a failed request is transport, naming the request', () => {
    const evidence = buildEvidence([], 'bridge', { httpFailures: [ticket500], page: pageShowing(null) });
    const verdict = judge(evidence);
    expect(headline(verdict)).toEqual({ status: 'fail', class: 'transport' });
    expect(verdict.message).toBe(
      "requests: expected no failed request to the target's hosts kept the run from starting; no run started, and POST /api/websocket/ticket answered 500 (https://api.staging.example)",
    );
  });

  test('a network error names its cause', () => {
    const failure = { t: SENT_AT, method: 'GET', url: 'https://api.staging.example/api/threads', error: 'net::ERR_CONNECTION_REFUSED' };
    const verdict = judge(buildEvidence([], 'bridge', { httpFailures: [failure] }));
    expect(checkNamed(verdict, 'requests').seen).toBe('no run started, and GET /api/threads failed: net::ERR_CONNECTION_REFUSED (https://api.staging.example)');
  });

  test('a run that started anyway passes, with the failed request as a warning', () => {
    const verdict = judge(buildEvidence(healthyRun(), 'bridge', { httpFailures: [ticket500] }));
    expect(headline(verdict)).toEqual({ status: 'pass', class: null });
    expect(verdict.warnings).toContain('failed requests to the target: POST /api/websocket/ticket answered 500 (https://api.staging.example)');
  });
});

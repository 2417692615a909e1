// The fault matrix: every scenario of the reference staging and what the probe must say about it. The
// test (faults.spec.ts) runs the probe on each row; the README's fault table is generated from these rows
// (`npm run docs`), so the table and the tests cannot drift apart.

import type { FailureClass, Status } from '../../src/contract/types';
import { RENAMED_DIALECT } from '../../reference/faults';

export interface MatrixRow {
  /** Unique name of the row; the fault's name unless a row runs a fault with other settings. */
  name: string;
  /** The reference fault switched on for this row. */
  fault: string;
  /** Extra delay for faults that take one (slow-first-event). */
  delayMs?: number;
  /** The flood fault's arguments, for its rows. */
  flood?: { count?: number; perSecond?: number; bytes?: number };
  /** Probe variables for this row, over the test defaults. */
  env?: Record<string, string>;
  /** A contract file the row runs with (PROBE_CONTRACT). */
  contract?: object;
  status: Status;
  class: FailureClass | null;
  /** A phrase the verdict's message must contain (for a pass: a warning must contain it, when set). */
  phrase?: string;
  /** What the row shows, for the README. */
  what: string;
  /** A healthy row that runs under the netra profile too, against the reference's netra layout. */
  netra?: true;
}

/** Rows that wait for a final event that never comes: a short completion budget keeps them fast. */
const SHORT_WAIT = { PROBE_COMPLETE_WARN_MS: '2000', PROBE_COMPLETE_TIMEOUT_MS: '3000' };

/** Rows whose fault is in a follow-up: a conversation of two turns. */
const TWO_TURNS = { PROBE_TURNS: '2' };
/** A fault of a follow-up turn with one turn only: healthy. */
const oneTurn = (fault: string): MatrixRow => ({ name: `${fault} (one turn)`, fault, status: 'pass', class: null, what: 'the same fault, one turn: healthy' });
/** The reference's stored history of a thread, so that a persistence failure says saved or not saved. */
const STORED_HISTORY = '{api}/api/threads/{threadId}/messages';

/** The renamed dialect taught through a contract file alone: wire name -> canonical name. */
export const RENAMED_CONTRACT = {
  aliases: Object.fromEntries(Object.entries(RENAMED_DIALECT).map(([canonical, wire]) => [wire, canonical])),
};

export const MATRIX: MatrixRow[] = [
  // Healthy, in every dialect and shape the platform uses: the probe passes.
  { name: 'healthy', fault: 'healthy', status: 'pass', class: null, what: 'the golden path, bridge events with `data`' },
  { name: 'dialect-flat', fault: 'dialect-flat', status: 'pass', class: null, what: 'fields flattened to the top level' },
  { name: 'dialect-system-message', fault: 'dialect-system-message', status: 'pass', class: null, what: '`system_message` wrappers with `event` and `payload`' },
  { name: 'binary-frames', fault: 'binary-frames', status: 'pass', class: null, what: 'every frame binary (UTF-8 JSON)' },
  { name: 'reconnect-1012-mid-run', fault: 'reconnect-1012-mid-run', status: 'pass', class: null, phrase: '1012', what: 'socket closed 1012 mid-run; the rest of the run arrives on the reconnected socket (warning)' },
  { name: 'noisy-sockets', fault: 'noisy-sockets', status: 'pass', class: null, what: 'heartbeats, pings and an unrelated second socket' },
  { name: 'send-over-rest', fault: 'send-over-rest', status: 'pass', class: null, what: 'the message sent with `POST /api/agent/v2/execute`' },
  { name: 'answer-in-final-report', fault: 'answer-in-final-report', status: 'pass', class: null, what: 'the answer in `final_report.executive_summary`, no `agent_response`' },
  { name: 'malformed-frame', fault: 'malformed-frame', status: 'pass', class: null, phrase: 'not JSON', what: 'one non-JSON frame among healthy ones (warning, no crash)' },
  {
    name: 'flood',
    fault: 'flood',
    flood: { count: 5000, perSecond: 20_000, bytes: 200 },
    status: 'pass',
    class: null,
    what: '5,000 `agent_thinking` frames at 20,000 a second (the flood fault; `npm run bench` runs it at 100,000)',
  },
  { name: 'health-degraded', fault: 'health-degraded', status: 'pass', class: null, what: 'health endpoints say `degraded`; the golden path works' },
  {
    name: 'completions-named',
    fault: 'completions-named',
    status: 'pass',
    class: null,
    what: "every `agent_completed` names its agent (the platform's own emitter); the Supervisor's ends the run",
  },
  {
    name: 'answer-in-message-list',
    fault: 'answer-in-message-list',
    status: 'pass',
    class: null,
    what: 'the executive summary shown as a message without test id; `response-card` holds a report card (no selector set)',
  },
  { name: 'answer-markdown', fault: 'answer-markdown', status: 'pass', class: null, what: 'a markdown answer (bold, list, link, code) rendered as HTML' },
  {
    name: 'dev-sockets',
    fault: 'dev-sockets',
    status: 'pass',
    class: null,
    phrase: 'not agent events',
    what: 'a presence socket and a `/_next/webpack-hmr` socket of untyped frames beside the chat (one warning line per socket)',
  },
  {
    name: 'healthy+answer-selector',
    fault: 'healthy',
    env: { PROBE_ANSWER_SELECTOR: '[data-testid="response-card"]' },
    status: 'pass',
    class: null,
    what: 'the answer read within `PROBE_ANSWER_SELECTOR` only',
  },
  {
    name: 'dialect-renamed+contract',
    fault: 'dialect-renamed',
    contract: RENAMED_CONTRACT,
    status: 'pass',
    class: null,
    what: 'all five events renamed on the wire, taught by a `PROBE_CONTRACT` file alone',
  },
  {
    name: 'flaky-upgrade-once',
    fault: 'flaky-upgrade-once',
    status: 'pass',
    class: null,
    phrase: 'retried',
    what: 'the first upgrade answered 503: retried once before the send, recorded in the verdict',
  },

  // Slow.
  {
    name: 'slow-first-event',
    fault: 'slow-first-event',
    delayMs: 1500,
    env: { PROBE_FIRST_EVENT_WARN_MS: '500' },
    status: 'degraded',
    class: null,
    phrase: 'first-event-budget',
    what: 'first event after the warning budget, within the hard one',
  },
  {
    name: 'slow-first-event+over-budget',
    fault: 'slow-first-event',
    delayMs: 2500,
    env: { PROBE_FIRST_EVENT_WARN_MS: '500', PROBE_FIRST_EVENT_TIMEOUT_MS: '1000' },
    status: 'fail',
    class: 'timeout',
    phrase: 'first-event-budget',
    what: 'first event after the hard budget',
  },

  // Missing events.
  { name: 'missing-agent-started', fault: 'missing-agent-started', status: 'fail', class: 'missing-event', phrase: 'missing agent_started', what: 'no `agent_started`' },
  { name: 'missing-agent-thinking', fault: 'missing-agent-thinking', status: 'fail', class: 'missing-event', phrase: 'missing agent_thinking', what: 'no `agent_thinking`' },
  { name: 'missing-tool-executing', fault: 'missing-tool-executing', status: 'fail', class: 'missing-event', phrase: 'missing tool_executing', what: 'no `tool_executing`' },
  { name: 'missing-tool-completed', fault: 'missing-tool-completed', status: 'fail', class: 'missing-event', phrase: 'missing tool_completed', what: 'no `tool_completed`' },
  {
    name: 'missing-agent-completed',
    fault: 'missing-agent-completed',
    env: SHORT_WAIT,
    status: 'fail',
    class: 'timeout',
    phrase: 'never arrived',
    what: 'no `agent_completed` at all: the run never ends',
  },
  { name: 'no-tool-events', fault: 'no-tool-events', status: 'fail', class: 'missing-event', phrase: 'missing tool_executing, tool_completed', what: 'a run with no tool events' },
  { name: 'stall-after-tool-completed', fault: 'stall-after-tool-completed', env: SHORT_WAIT, status: 'fail', class: 'timeout', phrase: 'never arrived', what: 'the run stalls after `tool_completed`' },
  { name: 'only-subagent-completed', fault: 'only-subagent-completed', env: SHORT_WAIT, status: 'fail', class: 'timeout', phrase: 'sub-agent', what: "only a sub-agent's `agent_completed`, never the final one" },

  // Order and pairing.
  { name: 'completed-before-tools', fault: 'completed-before-tools', status: 'fail', class: 'order', phrase: 'final-after-tools', what: 'final `agent_completed` before the tool events' },
  { name: 'tool-order-swapped', fault: 'tool-order-swapped', status: 'fail', class: 'pairing', phrase: 'tool-pairing', what: '`tool_completed` before its `tool_executing`' },
  { name: 'tool-completed-other-tool', fault: 'tool-completed-other-tool', status: 'fail', class: 'pairing', phrase: 'never completed', what: '`tool_completed` of another tool than the one executing' },
  {
    name: 'tool-completed-after-final',
    fault: 'tool-completed-after-final',
    status: 'fail',
    class: 'order',
    phrase: 'final-after-tools',
    what: '`tool_completed` 150 ms after the final `agent_completed` (heard within `PROBE_FINAL_GRACE_MS`)',
  },
  { name: 'final-completed-twice', fault: 'final-completed-twice', status: 'fail', class: 'order', phrase: 'single-final', what: 'the final `agent_completed` twice' },
  { name: 'duplicate-events', fault: 'duplicate-events', status: 'fail', class: 'order', phrase: 'single-final', what: 'every event delivered twice' },

  // Wrong answers and errors.
  { name: 'empty-answer', fault: 'empty-answer', status: 'fail', class: 'missing-event', phrase: 'final-answer', what: 'the run completes with an empty answer' },
  { name: 'fallback-stub', fault: 'fallback-stub', status: 'fail', class: 'fallback-stub', phrase: 'no-fallback', what: 'the canned fallback: `analysis_tool`, "Agent response for: ..."' },
  { name: 'agent-error', fault: 'agent-error', status: 'fail', class: 'error-event', phrase: 'agent_error', what: '`agent_error` then an apologetic `agent_completed`' },

  // Transport.
  { name: 'close-1011-after-started', fault: 'close-1011-after-started', status: 'fail', class: 'transport', phrase: '1011 Internal Error', what: 'close 1011 "Service not ready" after `agent_started`' },
  { name: 'close-1006-after-started', fault: 'close-1006-after-started', status: 'fail', class: 'transport', phrase: '1006', what: 'the connection drops (1006) after `agent_started`' },
  { name: 'close-1000-after-send', fault: 'close-1000-after-send', status: 'fail', class: 'transport', phrase: '1000', what: 'close 1000 right after the send' },
  { name: 'upgrade-403', fault: 'upgrade-403', status: 'fail', class: 'transport', phrase: 'open chat', what: 'the upgrade answered HTTP 403 (retried once, then failed)' },
  {
    name: 'flaky-upgrade-once+no-retry',
    fault: 'flaky-upgrade-once',
    env: { PROBE_RETRIES_BEFORE_SEND: '0' },
    status: 'fail',
    class: 'transport',
    phrase: 'open chat',
    what: 'the first upgrade answered 503, with retries off',
  },
  { name: 'ticket-500', fault: 'ticket-500', status: 'fail', class: 'transport', phrase: 'POST /api/websocket/ticket answered 500', what: 'the ticket endpoint answers 500' },
  {
    name: 'presence-socket+ticket-500',
    fault: 'presence-socket+ticket-500',
    env: SHORT_WAIT,
    status: 'fail',
    class: 'transport',
    phrase: 'POST /api/websocket/ticket answered 500',
    what: 'the ticket endpoint answers 500 while a presence socket chatters: the chat socket never opens',
  },

  // Login.
  { name: 'login-rejected', fault: 'login-rejected', status: 'fail', class: 'auth', phrase: 'log in', what: 'the login endpoint rejects valid credentials' },
  { name: 'bypass-403', fault: 'bypass-403', env: { PROBE_LOGIN: 'e2e-bypass' }, status: 'fail', class: 'auth', phrase: '403', what: 'the bypass endpoint answers 403 (as in production)' },

  // Isolation.
  { name: 'other-user-run', fault: 'other-user-run', status: 'fail', class: 'isolation', phrase: 'isolation', what: "another user's run delivered to this socket" },
  { name: 'wrong-user-id', fault: 'wrong-user-id', status: 'fail', class: 'isolation', phrase: 'isolation', what: "our run's events carry another user's id" },
  {
    name: 'foreign-run-untagged-answer',
    fault: 'foreign-run-untagged-answer',
    env: SHORT_WAIT,
    status: 'fail',
    class: 'isolation',
    phrase: 'isolation',
    what: "ours never starts; another thread's run of this user arrives, its `agent_response` with a run id only (never adopted)",
  },
  { name: 'foreign-routing', fault: 'foreign-routing', status: 'fail', class: 'isolation', phrase: 'isolation', what: 'every event routed with another run and thread id, none for ours' },

  // The page.
  { name: 'answer-not-rendered', fault: 'answer-not-rendered', status: 'fail', class: 'ui-render', phrase: 'answer-rendered', what: 'the answer is never rendered' },
  { name: 'answer-hidden', fault: 'answer-hidden', status: 'fail', class: 'ui-render', phrase: 'answer-rendered', what: 'the answer is in the DOM, inside a container nobody can see' },
  {
    name: 'stale-answer',
    fault: 'stale-answer',
    status: 'fail',
    class: 'ui-render',
    phrase: 'nothing new became visible',
    what: 'the same answer was visible before the send (history); nothing new after it',
  },
  {
    name: 'answer-in-message-list+card-selector',
    fault: 'answer-in-message-list',
    env: { PROBE_ANSWER_SELECTOR: '[data-testid="response-card"]' },
    status: 'fail',
    class: 'ui-render',
    phrase: 'answer-agrees',
    what: 'a selector pointing at the report card, which never holds the answer text',
  },
  { name: 'answer-mismatch', fault: 'answer-mismatch', status: 'fail', class: 'ui-render', phrase: 'answer-agrees', what: 'the page shows another text than the frames' },
  { name: 'rest-answer-no-events', fault: 'rest-answer-no-events', env: SHORT_WAIT, status: 'fail', class: 'timeout', phrase: 'no run started', what: 'an answer rendered (fetched over REST) with no agent events' },
  { name: 'heartbeats-only', fault: 'heartbeats-only', env: SHORT_WAIT, status: 'fail', class: 'timeout', phrase: 'no run started', what: 'a socket that only ever carries heartbeats' },

  // The answer as the platform sends it: after the completion, in pieces; and where a person cannot see it.
  { name: 'answer-after-final', fault: 'answer-after-final', status: 'pass', class: null, netra: true, what: 'a textless final completion, the answer 1.5 s after it (beyond the final grace)' },
  {
    name: 'late-answer-never-rendered',
    fault: 'late-answer-never-rendered',
    status: 'fail',
    class: 'ui-render',
    phrase: 'answer-rendered',
    what: 'the answer 1.5 s after a textless completion, never shown',
  },
  { name: 'streamed-answer', fault: 'streamed-answer', status: 'pass', class: null, netra: true, what: 'the answer only as `stream_chunk` pieces, each in an element of its own' },
  {
    name: 'streamed-answer-truncated',
    fault: 'streamed-answer-truncated',
    status: 'fail',
    class: 'ui-render',
    phrase: 'only the first',
    what: 'the page shows the first 2 chunks only; the message says how much is missing',
  },
  {
    name: 'completion-final-response',
    fault: 'completion-final-response',
    status: 'pass',
    class: null,
    netra: true,
    what: "the answer only in the final completion's `final_response`",
  },
  {
    name: 'status-line-only',
    fault: 'status-line-only',
    status: 'fail',
    class: 'ui-render',
    phrase: 'answer-agrees',
    what: "the page shows the completion's status line, never the answer that follows it",
  },
  {
    name: 'interim-answer-only',
    fault: 'interim-answer-only',
    status: 'fail',
    class: 'ui-render',
    phrase: 'an earlier answer of the run',
    what: 'an interim reply shown, the final answer after the completion never shown',
  },
  { name: 'answer-sr-only', fault: 'answer-sr-only', status: 'fail', class: 'ui-render', phrase: 'answer-rendered', what: 'the answer only in a visually hidden live region' },
  { name: 'answer-clipped', fault: 'answer-clipped', status: 'fail', class: 'ui-render', phrase: 'answer-rendered', what: 'the answer in a collapsed panel (height 0, overflow hidden)' },
  {
    name: 'external-idp-sub',
    fault: 'external-idp-sub',
    status: 'pass',
    class: null,
    phrase: 'a hint only',
    netra: true,
    what: "the token's `sub` is an identity provider's id, not the user id (warning)",
  },
  { name: 'presence-names-colleague', fault: 'presence-names-colleague', status: 'pass', class: null, netra: true, what: "a presence socket naming a colleague's user id" },
  { name: 'side-socket-error-frame', fault: 'side-socket-error-frame', status: 'pass', class: null, netra: true, what: 'a side socket sends `{"type":"error"}` frames without ids after the send' },
  { name: 'drop-1006-and-resume', fault: 'drop-1006-and-resume', status: 'pass', class: null, phrase: '1006', netra: true, what: 'a 1006 drop mid-run; the run goes on on the reconnected socket (warning)' },
  {
    name: 'page-freezes-after-send',
    fault: 'page-freezes-after-send',
    env: { PROBE_UNRESPONSIVE_MS: '2000' },
    status: 'fail',
    class: 'ui-render',
    phrase: 'stopped responding',
    what: "the page's main thread stuck after the send: the run ends at once",
  },
  {
    name: 'send-button-dead',
    fault: 'send-button-dead',
    env: { PROBE_STEP_TIMEOUT_MS: '3000' },
    status: 'fail',
    class: 'ui-render',
    phrase: 'sent nothing',
    what: 'a send button that does nothing: ui-render, not a run that never started',
  },

  // The conversation: kept after a reload, follow-ups in its thread, each its own run (PROBE_TURNS=2 where the
  // fault is in a follow-up; each such fault is healthy for one turn, which its `(one turn)` row shows).
  {
    name: 'not-persisted',
    fault: 'not-persisted',
    env: { PROBE_THREAD_MESSAGES_URL: STORED_HISTORY },
    status: 'fail',
    class: 'persistence',
    phrase: "does not show turn 1's answer; the backend's history lacks the answer of turn 1 (not saved)",
    what: 'the answer is never stored: after a reload the conversation lacks it, and the stored history says not saved',
  },
  {
    name: 'persisted-not-shown',
    fault: 'persisted-not-shown',
    env: { PROBE_THREAD_MESSAGES_URL: STORED_HISTORY },
    status: 'fail',
    class: 'persistence',
    phrase: 'the backend stores every answer (saved)',
    what: 'stored, but the page shows nothing of the conversation after a reload (saved, not shown)',
  },
  { name: 'thread-not-in-url', fault: 'thread-not-in-url', status: 'pass', class: null, what: 'the URL never names the thread: the probe comes back through the conversation list' },
  { name: 'follow-up-new-thread', fault: 'follow-up-new-thread', env: TWO_TURNS, status: 'fail', class: 'persistence', phrase: 'turn 2 ran in thread', what: 'the second message lands in a new thread: the conversation is lost' },
  oneTurn('follow-up-new-thread'),
  {
    name: 'follow-up-replays-first',
    fault: 'follow-up-replays-first',
    env: TWO_TURNS,
    status: 'fail',
    class: 'isolation',
    phrase: "turn 2 received turn 1's events",
    what: "the second turn's socket gets the first run's events again, before its own",
  },
  oneTurn('follow-up-replays-first'),
  { name: 'follow-up-stale-answer', fault: 'follow-up-stale-answer', env: TWO_TURNS, status: 'fail', class: 'ui-render', phrase: 'turn-2', what: 'the page shows the first answer again as the second' },
  oneTurn('follow-up-stale-answer'),

  // A renamed dialect without its contract file is not a pass.
  { name: 'dialect-renamed', fault: 'dialect-renamed', env: SHORT_WAIT, status: 'fail', class: 'timeout', phrase: 'never arrived', what: 'the renamed dialect without a contract file' },
];

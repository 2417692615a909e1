// The fault switch: every way the reference staging can misbehave, by name. A fault is a small object of
// optional hooks; adding one is a few lines in FAULTS below, nothing elsewhere. The failure modes are the
// ones seen on the real platform (see DESIGN.md), plus healthy variants of its dialects and frontend flags
// so that the probe's fault matrix can prove it passes them too.
import type { IncomingMessage } from 'node:http';
import {
  agentEvent,
  answerFrame,
  healthyRun,
  markdownAnswerFor,
  newId,
  persisted,
  typeOf,
  type AnswerIn,
  type Frame,
  type RunContext,
  type SendOver,
  type Step,
  SUB_AGENT,
  SUPERVISOR,
} from './events';
import { userIdFor } from './tokens';

/** Flags the chat page reads from its injected config. */
export interface PageFlags {
  /** false: the page never renders the answer (the thinking indicator still goes away). */
  renderAnswer?: boolean;
  /** Render this text instead of the answer from the frames. */
  answerText?: string;
  /** The event names this frontend version reads, wire name by canonical name (the others as canonical). */
  dialect?: Readonly<Record<string, string>>;
  /** Also open the unrelated notification socket (/ws/notifications, its own ticket) and count its chatter. */
  notifications?: boolean;
  /** 'rest': after a send, poll GET /api/threads/:id/messages and render the answer from there. Default 'socket'. */
  answerFrom?: 'socket' | 'rest';
  /**
   * 'card' (default): the answer in a message bubble holding a [data-testid=response-card].
   * 'message-list': as the platform's own frontend shows a final_report: the executive summary as an
   * assistant message without test id, and a response-card that holds a report card (no answer text).
   */
  answerLayout?: 'card' | 'message-list';
  /** The answer is put in the DOM inside a container nobody can see (visibility: hidden). */
  answerHidden?: boolean;
  /** The answer is markdown and is rendered as HTML (bold, lists, links, inline code). */
  markdown?: boolean;
  /** On load the thread shows an earlier exchange whose answer is this text. */
  history?: string;
  /** Also open a presence socket (/ws/presence, no ticket, its own frames); once it is open the send button is enabled. */
  presence?: boolean;
  /** Also open a dev server's hot-reload socket (/_next/webpack-hmr on the app host), as `next dev` does. */
  hotReload?: boolean;
  /** Render the root agent's agent_completed `final_response` as the answer (a frontend that reads the completion). */
  answerFromCompletion?: boolean;
  /** Show the root agent_completed's status line (`message`) as an assistant message. */
  showStatusLine?: boolean;
  /** Render the run's first answer only; rendering a later one fails (an interim reply stays on screen). */
  onlyFirstAnswer?: boolean;
  /** Where the answer goes: a visually hidden live region (`sr-only`) or a collapsed panel (`clipped`). */
  answerPlacement?: 'sr-only' | 'clipped';
  /** Render only this many chunks of a streamed answer (stream_chunk, partial_result); the rest never show. */
  streamRenderLimit?: number;
  /** Shortly after the send the page's main thread is stuck for good (a busy loop). */
  freezeAfterSend?: boolean;
  /** The send button is there and enabled, but clicking it (or Enter) does nothing. */
  deadSendButton?: boolean;
  /**
   * Where the page keeps the current thread: 'query' (default) `/chat?thread=<id>`, 'path' `/chat/<id>` (the
   * platform's frontend), 'none': never in the URL, so a reload opens a new chat and the user returns
   * through the conversation list. The page reads either form from the URL it loads (unless 'none').
   */
  threadUrl?: 'query' | 'path' | 'none';
  /** false: a thread loaded from the URL or the list shows none of its history (live answers still render). */
  renderHistory?: boolean;
  /** The second message of a thread goes to a new thread the page opens for it (the URL keeps the first). */
  followUpNewThread?: boolean;
  /** From the second answer of a thread on, the page shows the thread's first answer again instead of the new one. */
  staleFollowUps?: boolean;
}

/** How the agent socket behaves, for sockets opened while the fault is set. */
export interface SocketBehaviour {
  /** Every frame the server sends goes as a binary frame carrying UTF-8 JSON. */
  binary?: boolean;
  /** false: no connection_established on connect. */
  greet?: boolean;
  /** A heartbeat every this many ms, not scaled by speed (instead of 15 s x speed, none at speed 0). */
  heartbeatMs?: number;
  /** false: the server ignores whatever the client sends (no pong, no error, no run). */
  listen?: boolean;
  /** The presence socket's frames name this colleague (`user_id`), as typing and presence indicators do. */
  presenceUser?: string;
  /** After its notifications the notification socket keeps sending `{"type":"error"}` frames with no ids. */
  notificationErrors?: boolean;
  /** The connection frame's user id as the platform sends it: `user_id` at the top level, cut to 8 characters and `...`. */
  truncatedGreeting?: boolean;
}

export interface HttpOverride {
  status: number;
  body: Record<string, unknown>;
}

/** One run as the other runs of the server see it (Crowd.runs). */
export interface RunRecord {
  /** As the run's frames carry it (after onRunStart). */
  readonly runId: string;
  /** The sender. */
  readonly userId: string;
  readonly threadId: string;
  /** Crowd.now() at the start. */
  readonly startedAt: number;
  /** Crowd.now() when its last step was played or it was given up; undefined while under way. */
  endedAt?: number;
}

/**
 * What a fault that only shows with several users sees of the server: the runs since the fault was set
 * (or reset) and who is online. One per server; a fresh one whenever the fault is set or reset.
 */
export interface Crowd {
  /** Runs started since the fault was set or reset, oldest first (long-ended ones are dropped). */
  readonly runs: readonly RunRecord[];
  /** The distinct users who started a run since the fault was set or reset, in the order of their first run. */
  readonly users: readonly string[];
  /** Users with an open agent socket, the most recently connected last. */
  online(): string[];
  /** Monotonic milliseconds (startedAt, endedAt are on this clock); not scaled by speed. */
  now(): number;
  /** The fault's own state on this server, made by `init` on first use of `key`; gone when the fault is set or reset. */
  memo<T>(key: string, init: () => T): T;
}

/** A frame a run is about to send (a `send` or `raw` step; each frame of a burst as a `send` step), for Fault.deliver. */
export interface Outgoing {
  step: Step;
  /** The thread's owner, whose sockets get the frame when no fault says otherwise. */
  owner: string;
  run: RunRecord;
}

export interface Fault {
  /** One line: what goes wrong, as a reader of the fault list needs it. */
  describe: string;
  /** Rewrites the run's context before its steps are built (e.g. gives it another run's id); sees the other runs. */
  onRunStart?(ctx: RunContext, crowd: Crowd): RunContext;
  /** Rewrites the steps of a run: drop, reorder, duplicate, rename, insert frames or closes; sees the other runs. */
  editRun?(steps: Step[], ctx: RunContext, crowd: Crowd): Step[];
  /**
   * The users a frame of a run goes to, in order (default `[owner]`): a user listed twice gets it twice, `[]`
   * drops it. Sees the other runs and who is online, so a routing bug between users fits here.
   */
  deliver?(out: Outgoing, crowd: Crowd): readonly string[];
  /** Refuses the WebSocket upgrade with this HTTP status (e.g. a firewall rule); `attempt` counts upgrades from 1 since the fault was set or reset. */
  onUpgrade?(req: IncomingMessage, attempt: number): { status: number } | undefined;
  /** Answers the ticket request with this instead. */
  onTicket?(): HttpOverride | undefined;
  /** Answers a login (form, bypass, or the OAuth-like redirect, which sends the error to /login?error=) with this instead. */
  onLogin?(kind: 'password' | 'bypass' | 'oauth'): HttpOverride | undefined;
  /** Status the health endpoints report. */
  health?: 'healthy' | 'degraded';
  /** Flags for the chat page. */
  page?: PageFlags;
  /** How the agent socket behaves. */
  socket?: SocketBehaviour;
  /** Frontend settings this fault imposes over the server's options. */
  settings?: { sendOver?: SendOver; answerIn?: AnswerIn };
  /** Tokens carry an external identity provider's id in `sub`, not the user id (the platform maps the email). */
  externalSub?: boolean;
}

// Small editors, so each fault reads as what it does.
const dropTypes =
  (...types: string[]) =>
  (steps: Step[]): Step[] =>
    steps.filter((s) => !types.includes(typeOf(s)));

const mapFrames =
  (fn: (f: Frame) => Frame) =>
  (steps: Step[]): Step[] =>
    steps.map((s) => ('send' in s ? { ...s, send: fn(s.send) } : s));

/** Keeps the steps up to and including the first of `type`, then does `then` (maybe nothing) instead of the rest. */
const cutAfterFirst =
  (type: string, ...then: Step[]) =>
  (steps: Step[]): Step[] => {
    const i = steps.findIndex((s) => typeOf(s) === type);
    return i < 0 ? steps : [...steps.slice(0, i + 1), ...then];
  };

/** Inserts `extra` right after the first step of `type`. */
const insertAfterFirst = (steps: Step[], type: string, ...extra: Step[]): Step[] => {
  const i = steps.findIndex((s) => typeOf(s) === type);
  return i < 0 ? steps : [...steps.slice(0, i + 1), ...extra, ...steps.slice(i + 1)];
};

const isAgentEvent = (f: Frame): boolean => typeof f.data === 'object' && f.data !== null;
const isAnswerFrame = (s: Step): boolean => typeOf(s) === 'agent_response' || typeOf(s) === 'final_report';
const isFinalCompleted = (s: Step): boolean => typeOf(s) === 'agent_completed' && 'send' in s && !('agent_name' in s.send);
/** The final agent_completed as it goes out: no agent_name, or the Supervisor's once the platform named it (nameCompletions). */
const isFinalAsSent = (s: Step): boolean => isFinalCompleted(s) || (typeOf(s) === 'agent_completed' && 'send' in s && s.send.agent_name === SUPERVISOR);
const stamp = (type: string): Frame => ({ type, timestamp: new Date().toISOString() });

/** Drops the frames a run sends but keeps its other steps (persist, closes) and its duration. */
const withoutFrames = (steps: Step[]): Step[] => {
  const out: Step[] = [];
  let carried = 0;
  for (const s of steps) {
    if ('send' in s || 'raw' in s) {
      carried += s.pauseMs ?? 0;
    } else {
      out.push({ ...s, pauseMs: (s.pauseMs ?? 0) + carried });
      carried = 0;
    }
  }
  return out;
};

/**
 * Every agent_completed names its agent, as the platform's own emitter (the agent WebSocket bridge) sends
 * it: the final one is the Supervisor's, `{agent_name, data: {status, result, execution_time_ms, message}}`.
 */
export const nameCompletions = mapFrames((f) => {
  if (f.type !== 'agent_completed' || 'agent_name' in f) return f;
  const data = (isAgentEvent(f) ? f.data : {}) as Frame;
  return {
    ...f,
    agent_name: SUPERVISOR,
    data: { ...data, status: 'completed', result: data.result, execution_time_ms: 1480, message: `${SUPERVISOR} completed` },
  };
});

/**
 * The final completion as the platform's emitter sends it for its Supervisor: a status line in `message` and
 * the report object in `result` (agent, success, duration, steps), no answer text. The answer comes after.
 */
export const textlessCompletion = mapFrames((f) => {
  if (f.type !== 'agent_completed' || (typeof f.agent_name === 'string' && f.agent_name !== SUPERVISOR)) return f;
  const agent = typeof f.agent_name === 'string' ? f.agent_name : SUPERVISOR;
  const report = { agent_name: agent, success: true, duration_ms: 1480, step_count: 3, status: 'completed' };
  const data = (isAgentEvent(f) ? f.data : {}) as Frame;
  return { ...f, data: { ...data, status: 'completed', result: report, execution_time_ms: 1480, message: `${agent} has completed processing your request` } };
});

/** How late after the final completion a late answer comes: beyond PROBE_FINAL_GRACE_MS (1 s), as on the platform. */
export const LATE_ANSWER_MS = 1500;

/** The answer frames that follow the final completion come LATE_ANSWER_MS after it (not scaled by speed). */
const answerLate = (steps: Step[]): Step[] => {
  const final = steps.findIndex(isFinalAsSent);
  return steps.map((s, i) => (i > final && isAnswerFrame(s) ? { ...s, pauseMs: 0, holdMs: LATE_ANSWER_MS } : s));
};

/** The answer as `stream_chunk` pieces (no answer frame), 100 ms apart after the final completion. */
const streamed = (steps: Step[], ctx: RunContext): Step[] => {
  const words = ctx.answer.split(/(?<= )/);
  const size = Math.ceil(words.length / 4);
  const pieces = Array.from({ length: Math.ceil(words.length / size) }, (_, i) => words.slice(i * size, (i + 1) * size).join(''));
  const head = { run_id: ctx.runId, thread_id: ctx.threadId, user_id: ctx.userId };
  const chunks: Step[] = pieces.map((content) => ({ pauseMs: 100, send: { type: 'stream_chunk', ...head, timestamp: '', payload: { content, is_complete: false } } }));
  return [...steps.filter((s) => !isAnswerFrame(s)), ...chunks];
};

/**
 * The renamed dialect of the `dialect-renamed` fault: wire name by canonical name. Everything else (the
 * bridge shape, agent_response) as in the healthy run.
 */
export const RENAMED_DIALECT = {
  agent_started: 'run.begin',
  agent_thinking: 'run.reasoning',
  tool_executing: 'tool.start',
  tool_completed: 'tool.end',
  agent_completed: 'run.done',
} as const satisfies Record<string, string>;

/** After a close the client needs a moment to reconnect; a run held for it is given up after this. */
const RECONNECT_WAIT_MS = 10_000;
/** Heartbeats of the faults that show the socket is alive while nothing else happens; not scaled by speed. */
const ALIVE_HEARTBEAT_MS = 300;

const OTHER_USER_EMAIL = 'someone-else@reference.test';

/** Another user's complete run, as a routing bug would deliver it. */
function foreignRun(ctx: RunContext): Step[] {
  const text = 'SECRET-OTHER-USER';
  return healthyRun({ ...ctx, runId: newId('run'), threadId: newId('thread'), userId: userIdFor(OTHER_USER_EMAIL), message: text, answer: `${text}: private figures of another account.` });
}

function interleave(ours: Step[], theirs: Step[]): Step[] {
  const out: Step[] = [];
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    const a = ours[i];
    const b = theirs[i];
    if (a) out.push(a);
    if (b) out.push({ ...b, pauseMs: 0 });
  }
  return out;
}

/** shared-run-id: a run started within this long of the previous run's start (or while one is under way) shares its id. */
const SHARED_RUN_WINDOW_MS = 5000;
/** final-dropped-on-collision: a final agent_completed this soon after another run's is dropped. */
const FINAL_COLLISION_MS = 500;

/** The other user a run's frames also go to under cross-user-delivery: chosen at its first frame, then kept. */
function peerOf({ owner, run }: Outgoing, crowd: Crowd): string | undefined {
  const peers = crowd.memo('cross-user-delivery', () => new WeakMap<RunRecord, string>());
  const known = peers.get(run);
  if (known !== undefined) return known;
  const others = crowd.online().filter((u) => u !== owner);
  const busy = [...crowd.runs].reverse().find((r) => r !== run && r.endedAt === undefined && others.includes(r.userId));
  const peer = busy?.userId ?? others.at(-1);
  if (peer !== undefined) peers.set(run, peer);
  return peer;
}

const DEFAULT_SLOW_MS = 5000;
const TICKET_500: HttpOverride = { status: 500, body: { error: 'Internal Server Error' } };
/** follow-up-replays-first: the pause before each replayed frame of the first run (scaled by speed). */
const REPLAY_PAUSE_MS = 20;
/** The answer of the stale-answer fault, already in the thread before the probe sends. */
const STALE_ANSWER = 'Your usage is within the plan limits.';

export const FAULTS = {
  healthy: { describe: 'Everything works: the full golden path, answer rendered.' },

  // Missing events.
  'missing-agent-started': { describe: 'No agent_started events at all.', editRun: dropTypes('agent_started') },
  'missing-agent-thinking': { describe: 'No agent_thinking events at all.', editRun: dropTypes('agent_thinking') },
  'missing-tool-executing': { describe: 'No tool_executing; tool_completed still comes.', editRun: dropTypes('tool_executing') },
  'missing-tool-completed': { describe: 'No tool_completed; the rest as usual, incl. the final agent_completed and the answer.', editRun: dropTypes('tool_completed') },
  'missing-agent-completed': { describe: 'No agent_completed (sub-agent nor final); the answer frame still comes.', editRun: dropTypes('agent_completed') },
  'no-tool-events': { describe: 'The run has no tool events at all (seen on the platform).', editRun: dropTypes('tool_executing', 'tool_completed') },

  // Order, pairing, duplicates, content.
  'duplicate-events': {
    describe: 'Every agent event is sent twice in a row.',
    editRun: (steps) => steps.flatMap((s) => ('send' in s && isAgentEvent(s.send) ? [s, { send: s.send }] : [s])),
  },
  'tool-order-swapped': {
    describe: 'tool_completed arrives before its tool_executing.',
    editRun: (steps) => {
      const out = [...steps];
      const i = out.findIndex((s) => typeOf(s) === 'tool_executing');
      const j = out.findIndex((s) => typeOf(s) === 'tool_completed');
      if (i >= 0 && j >= 0) [out[i], out[j]] = [out[j] as Step, out[i] as Step];
      return out;
    },
  },
  'completed-before-tools': {
    describe: 'The final agent_completed comes before the tool events.',
    editRun: (steps) => {
      const final = steps.findIndex(isFinalCompleted);
      const tool = steps.findIndex((s) => typeOf(s) === 'tool_executing');
      if (final < 0 || tool < 0) return steps;
      const rest = steps.filter((_, k) => k !== final);
      return [...rest.slice(0, tool), steps[final] as Step, ...rest.slice(tool)];
    },
  },
  'empty-answer': { describe: 'The run completes with an empty answer.', editRun: (_s, ctx) => healthyRun({ ...ctx, answer: '' }) },
  'fallback-stub': {
    describe: 'The canned fallback handler answers: tool "analysis_tool", answer "Agent response for: MESSAGE".',
    editRun: (_s, ctx) => healthyRun({ ...ctx, toolName: 'analysis_tool', answer: `Agent response for: ${ctx.message}` }),
  },
  'agent-error': {
    describe: 'The sub-agent fails: agent_error after tool_executing, then an apologetic final agent_completed and answer.',
    editRun: (steps, ctx) => {
      const upTo = steps.findIndex((s) => typeOf(s) === 'tool_executing');
      const sorry = 'Sorry, something went wrong while processing your request. Please try again.';
      return [
        ...steps.slice(0, upTo + 1),
        { pauseMs: 300, send: agentEvent(ctx, 'agent_error', 'data_agent', { error: 'usage_lookup failed: upstream timeout', recoverable: false }) },
        { pauseMs: 100, persist: persisted(ctx, sorry) },
        { send: agentEvent(ctx, 'agent_completed', null, { result: sorry }) },
        { pauseMs: 50, send: answerFrame(ctx, sorry) },
      ];
    },
  },

  // Isolation.
  'other-user-run': {
    describe: 'Another user\'s run (other user_id, run_id, thread, text "SECRET-OTHER-USER") is delivered to this socket besides ours.',
    editRun: (steps, ctx) => interleave(steps, foreignRun(ctx)),
  },
  'wrong-user-id': {
    describe: "Our run's agent events carry another user's user_id.",
    editRun: mapFrames((f) => (isAgentEvent(f) ? { ...f, user_id: userIdFor(OTHER_USER_EMAIL) } : f)),
  },

  // Several users at once: each shows only when two or more users run together; one user alone is healthy.
  'cross-user-delivery': {
    describe:
      "Every frame of a run goes to its user's sockets and to one other online user's (the user of another run under way, else the most recently connected other user); one user alone is healthy.",
    deliver: (out, crowd) => {
      const peer = peerOf(out, crowd);
      return peer === undefined ? [out.owner] : [out.owner, peer];
    },
  },
  'shared-run-id': {
    describe: `A run started while another user's run is under way (or within ${SHARED_RUN_WINDOW_MS / 1000} s of its start) reuses that run's run_id, so a group of users sending together share the first one's; frames otherwise healthy, each to its own user.`,
    onRunStart: (ctx, crowd) => {
      const group = crowd.runs.filter((r) => r.userId !== ctx.userId && (r.endedAt === undefined || crowd.now() - r.startedAt < SHARED_RUN_WINDOW_MS));
      const previous = group.at(-1);
      return previous ? { ...ctx, runId: previous.runId } : ctx;
    },
  },
  'duplicate-for-one-user': {
    describe: 'Every frame of the runs of one user (the second distinct user to start a run since the fault was set) is delivered twice; the other users are healthy.',
    deliver: ({ owner, run }, crowd) => (run.userId === crowd.users[1] ? [owner, owner] : [owner]),
  },
  'final-dropped-on-collision': {
    describe: `A run's final agent_completed is dropped when another user's final went out less than ${FINAL_COLLISION_MS} ms before (the answer still comes); the first run to finish, or one user alone, is healthy.`,
    deliver: ({ step, owner, run }, crowd) => {
      if (!isFinalAsSent(step)) return [owner];
      const last = crowd.memo('final-dropped-on-collision', () => ({ userId: '', at: -Infinity }));
      if (last.userId !== '' && last.userId !== run.userId && crowd.now() - last.at < FINAL_COLLISION_MS) return [];
      last.userId = run.userId;
      last.at = crowd.now();
      return [owner];
    },
  },

  // Transport.
  'close-1011-after-started': {
    describe: 'After the first agent_started the socket closes 1011 "Service not ready"; the run never finishes.',
    editRun: cutAfterFirst('agent_started', { pauseMs: 100, close: { code: 1011, reason: 'Service not ready' } }),
  },
  'close-1006-after-started': {
    describe: 'After the first agent_started the connection drops without a close frame (1006); the run never finishes.',
    editRun: cutAfterFirst('agent_started', { pauseMs: 100, terminate: true }),
  },
  'close-1000-after-send': {
    describe: 'Right after the message arrives the socket closes 1000 (normal); no event, and the page does not reconnect.',
    editRun: () => [{ pauseMs: 50, close: { code: 1000, reason: 'Normal closure' } }],
  },
  'upgrade-403': { describe: 'The WebSocket upgrade is refused with HTTP 403 (firewall rule).', onUpgrade: () => ({ status: 403 }) },
  'flaky-upgrade-once': {
    describe: 'The first WebSocket upgrade after the fault is set (or reset) answers HTTP 503; every later one succeeds.',
    onUpgrade: (_req, attempt) => (attempt === 1 ? { status: 503 } : undefined),
  },
  'slow-first-event': {
    describe: `The first event is held back delayMs (control body {fault, delayMs}; default ${DEFAULT_SLOW_MS} ms, not scaled by speed).`,
    editRun: (steps, ctx) => steps.map((s, i) => (i === 0 ? { ...s, holdMs: ctx.delayMs > 0 ? ctx.delayMs : DEFAULT_SLOW_MS } : s)),
  },

  // The run stalls, ends early or goes astray.
  'stall-after-tool-completed': {
    describe: 'The run stops after tool_completed: the socket stays open and heartbeats go on (every 300 ms), nothing else comes.',
    editRun: cutAfterFirst('tool_completed'),
    socket: { heartbeatMs: ALIVE_HEARTBEAT_MS },
  },
  'only-subagent-completed': {
    describe: "The sub-agent's agent_completed (with agent_name) comes; the final one (no agent_name) and the answer never do.",
    editRun: cutAfterFirst('agent_completed'),
  },
  'tool-completed-other-tool': {
    describe: 'tool_completed names another tool ("billing_lookup") and another call_id than its tool_executing.',
    editRun: mapFrames((f) =>
      f.type === 'tool_completed' ? { ...f, data: { ...(f.data as Frame), tool_name: 'billing_lookup', call_id: newId('call') } } : f,
    ),
  },
  'final-completed-twice': {
    describe: 'The final agent_completed is sent twice, byte-identical, then agent_response once.',
    editRun: (steps) => steps.map((s) => ('send' in s && isFinalCompleted(s) ? { ...s, times: 2 } : s)),
  },
  'foreign-run-untagged-answer': {
    describe:
      "Our run never starts; a run of this user in another thread (its own run_id and thread_id) arrives instead, and its agent_response carries its run_id only (no thread or user id).",
    editRun: (_s, ctx) =>
      mapFrames((f) => (f.type === 'agent_response' ? { type: f.type, run_id: f.run_id, timestamp: f.timestamp, payload: f.payload } : f))(
        healthyRun({ ...ctx, runId: newId('run'), threadId: newId('thread'), message: 'An earlier question', answer: 'UNTAGGED-FOREIGN-ANSWER: figures of another thread.' }),
      ),
  },
  'foreign-routing': {
    describe: "Every frame of our run (incl. the answer) carries another run_id and thread_id than ours (same user); the page, which ignores other threads, renders nothing.",
    editRun: (steps) => {
      const ids = { run_id: newId('run'), thread_id: newId('thread') };
      return mapFrames((f) => (typeof f.run_id === 'string' ? { ...f, ...ids } : f))(steps);
    },
  },
  'rest-answer-no-events': {
    describe: 'The socket carries no run frames at all (connection_established and heartbeats only); the page polls GET /api/threads/:id/messages and renders the answer from there.',
    editRun: withoutFrames,
    page: { answerFrom: 'rest' },
  },
  'heartbeats-only': {
    describe: 'The socket only ever carries heartbeats (every 300 ms): no connection_established, no answer to anything sent, no run.',
    editRun: () => [],
    socket: { greet: false, heartbeatMs: ALIVE_HEARTBEAT_MS, listen: false },
  },

  // Auth and health.
  'ticket-500': { describe: 'The WebSocket ticket endpoint answers 500.', onTicket: () => TICKET_500 },
  'presence-socket+ticket-500': {
    describe: 'The ticket endpoint answers 500, so the chat socket never opens; a presence socket (no ticket) opens and chatters, and the page enables sending on it.',
    onTicket: () => TICKET_500,
    page: { presence: true },
  },
  'login-rejected': {
    describe: 'Every login (form POST /auth/login, the E2E bypass, the OAuth-like path) answers 401 {"error":"Invalid credentials"}, even for valid credentials.',
    onLogin: () => ({ status: 401, body: { error: 'Invalid credentials' } }),
  },
  'bypass-403': {
    describe: 'The E2E bypass login answers 403, as in production.',
    onLogin: (kind) => (kind === 'bypass' ? { status: 403, body: { error: 'E2E bypass is disabled in this environment' } } : undefined),
  },
  'health-degraded': { describe: 'Health endpoints answer "degraded"; everything else works.', health: 'degraded' },

  // Frontend.
  'answer-not-rendered': { describe: 'All frames as healthy, but the page never renders the answer (the thinking indicator still goes away).', page: { renderAnswer: false } },
  'answer-mismatch': { describe: 'The page renders a text other than the answer in the frames.', page: { answerText: 'Here is a summary of your account.' } },
  'answer-hidden': { describe: 'All frames as healthy; the page puts the answer in the DOM inside a container nobody can see (visibility: hidden).', page: { answerHidden: true } },
  'stale-answer': {
    describe: `The thread already shows an earlier exchange answered "${STALE_ANSWER}"; the run answers the same text, and the page renders nothing new.`,
    editRun: (_s, ctx) => healthyRun({ ...ctx, answer: STALE_ANSWER }),
    page: { history: STALE_ANSWER, renderAnswer: false },
  },

  // The answer after the completion, in pieces, and where a person cannot see it.
  'answer-after-final': {
    describe: `Healthy, as the platform sends it: the final agent_completed carries a report object and a status line, no answer text; the answer frame comes ${LATE_ANSWER_MS} ms after it (beyond the final grace).`,
    editRun: (steps) => answerLate(textlessCompletion(steps)),
  },
  'late-answer-never-rendered': {
    describe: `The frames as in answer-after-final (the answer ${LATE_ANSWER_MS} ms after a textless completion), but the page never shows it.`,
    editRun: (steps) => answerLate(textlessCompletion(steps)),
    page: { renderAnswer: false },
  },
  'streamed-answer': {
    describe: 'Healthy, the answer only as stream_chunk pieces (payload.content, is_complete false) after a textless completion; the page appends each piece in an element of its own.',
    editRun: (steps, ctx) => streamed(textlessCompletion(steps), ctx),
  },
  'streamed-answer-truncated': {
    describe: 'The answer only as stream_chunk pieces, but the page stops after the first 2 of them.',
    editRun: (steps, ctx) => streamed(textlessCompletion(steps), ctx),
    page: { streamRenderLimit: 2 },
  },
  'completion-final-response': {
    describe: 'Healthy: the answer only in the final agent_completed, as `data.final_response` (with `status`), no answer frame; the page renders it from the completion.',
    editRun: (steps, ctx) =>
      mapFrames((f) => (f.type === 'agent_completed' && !('agent_name' in f) ? { ...f, data: { status: 'completed', final_response: ctx.answer } } : f))(
        steps.filter((s) => !isAnswerFrame(s)),
      ),
    page: { answerFromCompletion: true },
  },
  'status-line-only': {
    describe:
      "A textless final completion whose status line (\"supervisor has completed processing your request\") the page shows as a message; the real answer comes after it, and the page never shows it.",
    editRun: (steps) => textlessCompletion(steps),
    page: { showStatusLine: true, renderAnswer: false },
  },
  'interim-answer-only': {
    describe:
      'An interim agent_response ("Working on it...") before a textless final completion, shown; the real answer comes after the completion, and the page fails to render it: only the interim reply is on screen.',
    editRun: (steps, ctx) => insertAfterFirst(textlessCompletion(steps), 'agent_thinking', { pauseMs: 50, send: answerFrame(ctx, 'Working on it: looking up your usage records...') }),
    page: { onlyFirstAnswer: true },
  },
  'answer-sr-only': {
    describe: 'All frames as healthy; the page puts the answer only in a visually hidden live region (1x1 px, clipped), for screen readers.',
    page: { answerPlacement: 'sr-only' },
  },
  'answer-clipped': {
    describe: 'All frames as healthy; the page puts the answer inside a collapsed panel (height 0, overflow hidden): in the DOM, with a box of its own, clipped to nothing.',
    page: { answerPlacement: 'clipped' },
  },
  'external-idp-sub': {
    describe: "Healthy, but login tokens carry an external identity provider's id in `sub` (`idp|...`), not the platform's user id, which the events and the connection frame carry.",
    externalSub: true,
  },
  'presence-names-colleague': {
    describe: "Healthy, plus a presence socket whose frames (every 300 ms) name a colleague's user id: the page's business, not the run's.",
    page: { presence: true },
    socket: { presenceUser: userIdFor('colleague@reference.test') },
  },
  'side-socket-error-frame': {
    describe: 'Healthy, plus the notification socket, which after its notifications sends `{"type":"error"}` frames with no ids (a subscription of another feature), after the send too.',
    page: { notifications: true },
    socket: { notificationErrors: true },
  },
  'drop-1006-and-resume': {
    describe: "Healthy, but after tool_executing the connection drops without a close frame (1006); the page reconnects and the rest of the run (same run_id) comes on its new socket.",
    editRun: (steps) => insertAfterFirst(steps, 'tool_executing', { pauseMs: 50, terminate: true }, { waitForSocket: { timeoutMs: RECONNECT_WAIT_MS } }),
  },
  'page-freezes-after-send': {
    describe: "The frames as healthy, but right after the send the page's main thread is stuck for good (a busy loop).",
    page: { freezeAfterSend: true },
  },
  'send-button-dead': {
    describe: 'The send button is there and enabled, but clicking it (or pressing Enter) does nothing: no message leaves the page.',
    page: { deadSendButton: true },
  },

  // Conversations: the history a reload shows, and the turns after the first.
  'not-persisted': {
    describe: 'The answer is never stored (no persist step): the live answer renders, but after a reload the thread holds the user message alone.',
    editRun: (steps) => steps.filter((s) => !('persist' in s)),
  },
  'persisted-not-shown': {
    describe: "The answer is stored (the thread's REST history has it), but the page shows none of a thread's history when it loads one (after a reload, or from the list); live answers still render.",
    page: { renderHistory: false },
  },
  'thread-not-in-url': {
    describe: 'Healthy, but the URL never carries the thread: a reload opens a new, empty chat, and the conversation is found again in the conversation list.',
    page: { threadUrl: 'none' },
  },
  'follow-up-new-thread': {
    describe: "The second message of a thread goes to a new thread the page opens for it (its run has another thread_id; the URL keeps the first): the conversation is split, and a reload of the first shows the first exchange only. A single turn is healthy.",
    page: { followUpNewThread: true },
  },
  'follow-up-replays-first': {
    describe: "Every later run of a thread first gets the frames of the thread's first run again (its run_id, event for event), then its own. A single turn is healthy.",
    editRun: (steps, ctx, crowd) => {
      const firsts = crowd.memo('follow-up-replays-first', () => new Map<string, Step[]>());
      const first = firsts.get(ctx.threadId);
      if (!first) {
        firsts.set(ctx.threadId, steps.filter((s) => 'send' in s));
        return steps;
      }
      return [...first.map((s) => ({ ...s, pauseMs: REPLAY_PAUSE_MS })), ...steps];
    },
  },
  'follow-up-stale-answer': {
    describe: "From the second turn of a thread on, the page shows the thread's first answer again instead of the new one (the frames are right). A single turn is healthy.",
    page: { staleFollowUps: true },
  },

  // Load.
  flood: {
    describe:
      'Healthy, but the data agent floods the socket with agent_thinking frames before its tool call: count, rate and size are the fault\'s arguments (control body {fault, flood: {count, perSecond, bytes}}; default 100000 frames, 20000 a second, ~200 bytes each).',
    editRun: (steps, ctx) => {
      const { count, perSecond, bytes } = ctx.flood;
      const head = agentEvent(ctx, 'agent_thinking', SUB_AGENT, { thought: '', step: 0 });
      const pad = Math.max(0, bytes - JSON.stringify(head).length - 8);
      const thought = 'Scanning usage records. '.repeat(Math.ceil(pad / 24)).slice(0, pad);
      const burst: Step = { burst: { count, perSecond, frame: (i) => agentEvent(ctx, 'agent_thinking', SUB_AGENT, { thought, step: i + 1 }) } };
      const i = steps.findIndex((s) => typeOf(s) === 'tool_executing');
      return i < 0 ? steps : [...steps.slice(0, i), burst, ...steps.slice(i)];
    },
  },

  // Healthy variants the probe must pass: other dialects and frontend versions.
  'dialect-flat': {
    describe: 'Healthy, but agent events have their data fields flattened to the top level.',
    editRun: mapFrames((f) => {
      if (!isAgentEvent(f)) return f;
      const { data, ...rest } = f;
      return { ...rest, ...(data as Frame) };
    }),
  },
  'dialect-system-message': {
    describe: 'Healthy, but agent events come wrapped: {"type":"system_message","event":TYPE,"payload":{...}}.',
    editRun: mapFrames((f) => {
      if (!isAgentEvent(f)) return f;
      const { type, data, ...rest } = f;
      return { type: 'system_message', event: type, payload: { ...rest, ...(data as Frame) } };
    }),
  },
  'dialect-renamed': {
    describe: `Healthy, but the five agent events have other names on the wire (${Object.entries(RENAMED_DIALECT)
      .map(([from, to]) => `${from}->${to}`)
      .join(', ')}); the page reads them.`,
    editRun: mapFrames((f) => {
      const renamed = typeof f.type === 'string' ? (RENAMED_DIALECT as Record<string, string>)[f.type] : undefined;
      return renamed ? { ...f, type: renamed } : f;
    }),
    page: { dialect: RENAMED_DIALECT },
  },
  'binary-frames': {
    describe: 'Healthy, but every frame the server sends (events, connection_established, heartbeats) is a binary frame carrying UTF-8 JSON.',
    socket: { binary: true },
  },
  'reconnect-1012-mid-run': {
    describe: 'Healthy, but after tool_executing the socket closes 1012 "Service Restart"; the rest of the run (same run_id) comes on the user\'s next socket (given up after 10 s).',
    editRun: (steps) =>
      insertAfterFirst(steps, 'tool_executing', { pauseMs: 50, close: { code: 1012, reason: 'Service Restart' } }, { waitForSocket: { timeoutMs: RECONNECT_WAIT_MS } }),
  },
  'noisy-sockets': {
    describe:
      'Healthy, plus a heartbeat after every event, a server ping (the page answers pong) after every other, and a second socket (/ws/notifications) with its own chatter and no agent events.',
    editRun: (steps) => {
      let events = 0;
      return steps.flatMap((s) => {
        if (!('send' in s)) return [s];
        const noise: Step[] = [{ send: stamp('heartbeat') }];
        if (events++ % 2 === 0) noise.push({ send: stamp('ping') });
        return [s, ...noise];
      });
    },
    page: { notifications: true },
  },
  'malformed-frame': {
    describe: 'Healthy, plus one truncated, non-JSON text frame (`{"type": "agent_thinking", "run_id": ..., "data": {"thought": "Rout`) right after the first agent_started.',
    editRun: (steps, ctx) => insertAfterFirst(steps, 'agent_started', { pauseMs: 50, raw: `{"type": "agent_thinking", "run_id": "${ctx.runId}", "data": {"thought": "Rout` }),
  },
  'send-over-rest': { describe: 'Healthy, but the page sends the message with POST /api/agent/v2/execute.', settings: { sendOver: 'rest' } },
  'completions-named': {
    describe: "Healthy, but every agent_completed names its agent, as the platform's own emitter does: the final one is the Supervisor's, with data {status, result, execution_time_ms, message}.",
    editRun: nameCompletions,
  },
  'answer-in-message-list': {
    describe: "Healthy, as the platform's own frontend shows a final_report: the executive summary as an assistant message without test id; the response-card holds a report card (no answer text).",
    settings: { answerIn: 'final_report' },
    page: { answerLayout: 'message-list' },
  },
  'answer-markdown': {
    describe: 'Healthy, but the answer is markdown (bold, a list, a link, inline code) and the page renders it as HTML.',
    editRun: (_s, ctx) => healthyRun({ ...ctx, answer: markdownAnswerFor(ctx.message) }),
    page: { markdown: true },
  },
  'dev-sockets': {
    describe: 'Healthy, plus a presence socket (/ws/presence, a frame every 300 ms) and a dev server\'s hot-reload socket (/_next/webpack-hmr: untyped JSON and non-JSON heartbeats) beside the chat socket.',
    page: { presence: true, hotReload: true },
  },
  'tool-completed-after-final': {
    describe: 'tool_completed arrives 150 ms after the final agent_completed (not scaled by speed), before the answer.',
    editRun: (steps) => {
      const tool = steps.find((s) => typeOf(s) === 'tool_completed');
      const rest = steps.filter((s) => s !== tool);
      const final = rest.findIndex(isFinalCompleted);
      if (!tool || final < 0) return steps;
      return [...rest.slice(0, final + 1), { ...tool, pauseMs: 0, holdMs: 150 }, ...rest.slice(final + 1)];
    },
  },
  'answer-in-final-report': {
    describe: 'Healthy, but the frontend version that reads final_report.payload.executive_summary (no agent_response).',
    settings: { answerIn: 'final_report' },
  },
} satisfies Record<string, Fault>;

/**
 * What the netra layout plays under every fault, as the platform's own emitter and frontend do: every
 * agent_completed names its agent, the Supervisor's carries a report object and a status line (no answer
 * text), the final_report follows it LATE_ANSWER_MS later, and its executive summary is shown as a message.
 * The connection frame names the user cut short, as the platform's does.
 */
export const NETRA_PLATFORM = {
  describe:
    "The platform's own emitter and frontend: completions named, the Supervisor's with a report object and no answer text, the final_report 1.5 s after it, shown in the message list; a conversation's URL is /chat/<thread id>.",
  editRun: (steps) => answerLate(textlessCompletion(nameCompletions(steps))),
  page: { ...FAULTS['answer-in-message-list'].page, threadUrl: 'path' },
  socket: { truncatedGreeting: true },
} satisfies Fault;

export type FaultName = keyof typeof FAULTS;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULTS, name);
}

export function getFault(name: string): Fault {
  if (!isFaultName(name)) throw new UnknownFaultError(name);
  return FAULTS[name];
}

export class UnknownFaultError extends Error {
  readonly known = FAULT_NAMES;
  constructor(readonly fault: string) {
    super(`Unknown fault "${fault}". Known faults: ${FAULT_NAMES.join(', ')}`);
    this.name = 'UnknownFaultError';
  }
}

// The fault switch: every way the reference staging can misbehave, by name. A fault is a small object of
// optional hooks; adding one is a few lines in FAULTS below, nothing elsewhere. The failure modes are the
// ones seen on the real platform (see DESIGN.md), plus healthy variants of its dialects and frontend flags
// so that the probe's fault matrix can prove it passes them too.
import type { IncomingMessage } from 'node:http';
import {
  agentEvent,
  answerFrame,
  healthyRun,
  newId,
  typeOf,
  type AnswerIn,
  type Frame,
  type RunContext,
  type SendOver,
  type Step,
} from './events';
import { userIdFor } from './tokens';

/** Flags the chat page reads from its injected config. */
export interface PageFlags {
  /** false: the page never renders the answer (the thinking indicator still goes away). */
  renderAnswer?: boolean;
  /** Render this text instead of the answer from the frames. */
  answerText?: string;
}

export interface HttpOverride {
  status: number;
  body: Record<string, unknown>;
}

export interface Fault {
  /** One line: what goes wrong, as a reader of the fault list needs it. */
  describe: string;
  /** Rewrites the steps of a run: drop, reorder, duplicate, rename, insert frames or closes. */
  editRun?(steps: Step[], ctx: RunContext): Step[];
  /** Refuses the WebSocket upgrade with this HTTP status (e.g. a firewall rule). */
  onUpgrade?(req: IncomingMessage): { status: number } | undefined;
  /** Answers the ticket request with this instead. */
  onTicket?(): HttpOverride | undefined;
  /** Answers a login (form or bypass) with this instead. */
  onLogin?(kind: 'password' | 'bypass'): HttpOverride | undefined;
  /** Status the health endpoints report. */
  health?: 'healthy' | 'degraded';
  /** Flags for the chat page. */
  page?: PageFlags;
  /** Frontend settings this fault imposes over the server's options. */
  settings?: { sendOver?: SendOver; answerIn?: AnswerIn };
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

/** Keeps the steps up to and including the first of `type`, then does `then` instead of the rest. */
const cutAfterFirst =
  (type: string, then: Step) =>
  (steps: Step[]): Step[] => {
    const i = steps.findIndex((s) => typeOf(s) === type);
    return i < 0 ? steps : [...steps.slice(0, i + 1), then];
  };

const isAgentEvent = (f: Frame): boolean => typeof f.data === 'object' && f.data !== null;

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

const DEFAULT_SLOW_MS = 5000;

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
      const final = steps.findIndex((s) => typeOf(s) === 'agent_completed' && 'send' in s && !('agent_name' in s.send));
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
        { pauseMs: 100, send: agentEvent(ctx, 'agent_completed', null, { result: sorry }) },
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
  'slow-first-event': {
    describe: `The first event is held back delayMs (control body {fault, delayMs}; default ${DEFAULT_SLOW_MS} ms, not scaled by speed).`,
    editRun: (steps, ctx) => steps.map((s, i) => (i === 0 ? { ...s, holdMs: ctx.delayMs > 0 ? ctx.delayMs : DEFAULT_SLOW_MS } : s)),
  },

  // Auth and health.
  'ticket-500': { describe: 'The WebSocket ticket endpoint answers 500.', onTicket: () => ({ status: 500, body: { error: 'Internal Server Error' } }) },
  'bypass-403': {
    describe: 'The E2E bypass login answers 403, as in production.',
    onLogin: (kind) => (kind === 'bypass' ? { status: 403, body: { error: 'E2E bypass is disabled in this environment' } } : undefined),
  },
  'health-degraded': { describe: 'Health endpoints answer "degraded"; everything else works.', health: 'degraded' },

  // Frontend.
  'answer-not-rendered': { describe: 'All frames as healthy, but the page never renders the answer (the thinking indicator still goes away).', page: { renderAnswer: false } },
  'answer-mismatch': { describe: 'The page renders a text other than the answer in the frames.', page: { answerText: 'Here is a summary of your account.' } },

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
  'send-over-rest': { describe: 'Healthy, but the page sends the message with POST /api/agent/v2/execute.', settings: { sendOver: 'rest' } },
  'answer-in-final-report': {
    describe: 'Healthy, but the frontend version that reads final_report.payload.executive_summary (no agent_response).',
    settings: { answerIn: 'final_report' },
  },
} satisfies Record<string, Fault>;

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

// The frames of one agent run, as the platform sends them, and the steps that play them. Pure: no I/O,
// no timers. Faults (faults.ts) edit the list of steps this file builds; agent.ts plays it.
import { createHash, randomBytes } from 'node:crypto';

export type Frame = Record<string, unknown>;
export type AnswerIn = 'agent_response' | 'final_report';
export type SendOver = 'ws' | 'rest';

/** When a step happens: `pauseMs` is a realistic pause scaled by the server's speed; `holdMs` is not scaled (fault delays that tests rely on). */
export interface StepTiming {
  pauseMs?: number;
  holdMs?: number;
}

/** What a run's answer looks like in the thread's history (GET /api/threads/:id/messages). */
export interface Persisted {
  threadId: string;
  runId: string;
  content: string;
}

/**
 * One thing the server does during a run:
 * - `send` a frame to the user's sockets (`times` > 1: that many byte-identical copies in a row);
 * - `raw`: send this text as it is (not JSON: a proxy's error page, a truncated frame);
 * - `close` the user's sockets, or `terminate` them without a close frame (1006);
 * - `waitForSocket`: hold the rest of the run until the user has an open socket again (after a close the
 *   client reconnects); give the run up after `timeoutMs` (not scaled by speed);
 * - `persist`: the agent saves its answer in the thread's history, which the REST API serves;
 * - `burst`: send `count` frames made by `frame(i)`, `perSecond` of them a second (in 10 ms ticks), then go on.
 */
export type Step = StepTiming &
  (
    | { send: Frame; times?: number }
    | { raw: string }
    | { close: { code: number; reason: string } }
    | { terminate: true }
    | { waitForSocket: { timeoutMs: number } }
    | { persist: Persisted }
    | { burst: { count: number; perSecond: number; frame: (i: number) => Frame } }
  );

/** The flood fault's arguments: how many agent_thinking frames, how fast, and about how big each is. */
export interface FloodSpec {
  count: number;
  perSecond: number;
  bytes: number;
}

export const DEFAULT_FLOOD: FloodSpec = { count: 100_000, perSecond: 20_000, bytes: 200 };

/** The flood's arguments as given (each a whole number >= 1, at most 10,000,000); throws naming the bad one. */
export function checkFlood(flood: unknown): Partial<FloodSpec> | undefined {
  if (flood === undefined) return undefined;
  if (typeof flood !== 'object' || flood === null) throw new Error('flood must be an object {count, perSecond, bytes}');
  const out: Partial<FloodSpec> = {};
  for (const key of ['count', 'perSecond', 'bytes'] as const) {
    const v = (flood as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10_000_000) throw new Error(`flood.${key} must be a whole number from 1 to 10000000 (got ${JSON.stringify(v)})`);
    out[key] = v;
  }
  return out;
}

export interface RunContext {
  message: string;
  runId: string;
  threadId: string;
  userId: string;
  /** The answer the agent gives; faults may rebuild a run with another one. */
  answer: string;
  toolName: string;
  answerIn: AnswerIn;
  /** Extra delay set with the fault (control endpoint `delayMs`), for faults that take one. */
  delayMs: number;
  /** The flood fault's arguments (control endpoint `flood`). */
  flood: FloodSpec;
}

export const SUPERVISOR = 'supervisor';
export const SUB_AGENT = 'data_agent';
export const TOOL_NAME = 'usage_lookup';

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Deterministic in the message and containing it, so a probe can tie the answer to what it sent. */
export function answerFor(message: string): string {
  const { records, peakHour } = usageFor(message);
  return `Reference answer for "${message}": ${records} usage records found, peak at ${peakHour}:00.`;
}

/** The same answer written in markdown (bold, a list, a link, inline code), as a model often writes it. */
export function markdownAnswerFor(message: string): string {
  const { records, peakHour } = usageFor(message);
  return [
    `**Reference answer** for "${message}":`,
    '',
    `- ${records} usage records found`,
    `- peak at [${peakHour}:00](/usage/peak)`,
    '',
    'Looked up with `usage_lookup`.',
  ].join('\n');
}

/** What the fake usage_lookup tool finds for a message; the answer quotes the same figures. */
function usageFor(message: string): { records: number; peakHour: string } {
  const h = createHash('sha256').update(message).digest();
  return { records: 1 + ((h[0] ?? 0) % 9), peakHour: String((h[1] ?? 0) % 24).padStart(2, '0') };
}

/** The bridge dialect: `{type, run_id, thread_id, user_id, agent_name, timestamp, data}`; no agent_name key at all when none. */
export function agentEvent(ctx: Pick<RunContext, 'runId' | 'threadId' | 'userId'>, type: string, agentName: string | null, data: Frame): Frame {
  return {
    type,
    run_id: ctx.runId,
    thread_id: ctx.threadId,
    user_id: ctx.userId,
    ...(agentName ? { agent_name: agentName } : {}),
    timestamp: new Date().toISOString(),
    data,
  };
}

/** The frame the UI shows the answer from, in the place this frontend version reads it. */
export function answerFrame(ctx: Pick<RunContext, 'runId' | 'threadId' | 'userId' | 'answerIn'>, text: string): Frame {
  const head = { run_id: ctx.runId, thread_id: ctx.threadId, user_id: ctx.userId, timestamp: new Date().toISOString() };
  return ctx.answerIn === 'final_report'
    ? { type: 'final_report', ...head, payload: { executive_summary: text, recommendations: [], data_sources: [TOOL_NAME] } }
    : { type: 'agent_response', ...head, payload: { content: text } };
}

/** A healthy run: supervisor, one sub-agent with one tool call, the final agent_completed, the answer. ~1.5 s at speed 1. */
export function healthyRun(ctx: RunContext): Step[] {
  const callId = newId('call');
  const e = (type: string, agent: string | null, data: Frame) => agentEvent(ctx, type, agent, data);
  return [
    { pauseMs: 150, send: e('agent_started', SUPERVISOR, { message: 'Supervisor started' }) },
    { pauseMs: 200, send: e('agent_thinking', SUPERVISOR, { thought: 'Routing the request to the data agent.' }) },
    { pauseMs: 150, send: e('agent_started', SUB_AGENT, { message: 'Data agent started' }) },
    { pauseMs: 200, send: e('agent_thinking', SUB_AGENT, { thought: 'Looking up usage records for the request.' }) },
    { pauseMs: 150, send: e('tool_executing', SUB_AGENT, { tool_name: ctx.toolName, call_id: callId, args: { query: ctx.message } }) },
    { pauseMs: 350, send: e('tool_completed', SUB_AGENT, { tool_name: ctx.toolName, call_id: callId, result: { ...usageFor(ctx.message), status: 'ok' } }) },
    { pauseMs: 150, send: e('agent_completed', SUB_AGENT, { result: 'Usage records collected.' }) },
    { pauseMs: 150, persist: persisted(ctx, ctx.answer) },
    { send: e('agent_completed', null, { result: ctx.answer }) },
    { pauseMs: 50, send: answerFrame(ctx, ctx.answer) },
  ];
}

/** The persist step of a run's answer. */
export function persisted(ctx: Pick<RunContext, 'runId' | 'threadId'>, content: string): Persisted {
  return { threadId: ctx.threadId, runId: ctx.runId, content };
}

/** The frame a step sends, if it sends one. */
export function frameOf(step: Step): Frame | null {
  return 'send' in step ? step.send : null;
}

/** The type of the frame a step sends ('' for closes). */
export function typeOf(step: Step): string {
  const f = frameOf(step);
  return f && typeof f.type === 'string' ? f.type : '';
}

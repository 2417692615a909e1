// Hand-made evidence for the judge and normalizer tests: a healthy run as a list of event specs, rendered
// into frames in any of the three wire shapes, and small helpers to break it one way at a time.
import { defaultContract, type Contract } from '../../src/contract/contract';
import { FrameLog } from '../../src/contract/frame-log';
import type { AgentEvent, Evidence, FrameRecord, FramedEvidence, PageText, SocketRecord } from '../../src/contract/types';
import { TimelineBuilder, type TimelineRow } from '../../src/report/timeline';

export const USER = 'u-1';
export const THREAD = 't-1';
export const RUN = 'r-1';
export const NONCE = 'probe-7f3a';
export const SENT_AT = 1000;
export const ANSWER = 'Your biggest cost driver is GPU inference: 62% of last month.';

export type Shape = 'bridge' | 'flat' | 'wrapper';

/** One event of a run. Ids default to the probe's; `null` leaves the field off the wire. */
export interface EventSpec {
  type: string;
  /** ms after the send; defaults to 100ms after the previous event. */
  at?: number;
  socket?: number;
  run?: string | null;
  thread?: string | null;
  user?: string | null;
  agent?: string;
  tool?: string;
  call?: string;
  /** Extra fields: in `data` (bridge), at the top level (flat), in `payload` (wrapper). */
  data?: Record<string, unknown>;
}

export function healthyRun(): EventSpec[] {
  return [
    { type: 'agent_started' },
    { type: 'agent_thinking', agent: 'triage', data: { thought: 'Looking at your costs' } },
    { type: 'tool_executing', agent: 'data', tool: 'cost_query', call: 'c-1' },
    { type: 'tool_completed', agent: 'data', tool: 'cost_query', call: 'c-1', data: { rows: 3 } },
    { type: 'agent_response', data: { content: ANSWER } },
    { type: 'agent_completed', data: { result: ANSWER } },
  ];
}

/** The event's fields as the wire carries them, before the shape puts them somewhere. */
function wireFields(spec: EventSpec, t: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const put = (key: string, value: string | null | undefined, fallback?: string) => {
    const v = value === undefined ? fallback : value;
    if (v !== undefined && v !== null) fields[key] = v;
  };
  put('run_id', spec.run, RUN);
  put('thread_id', spec.thread, THREAD);
  put('user_id', spec.user, USER);
  put('agent_name', spec.agent);
  put('tool_name', spec.tool);
  put('call_id', spec.call);
  fields.timestamp = t;
  return fields;
}

export function eventObject(spec: EventSpec, shape: Shape, t: number): Record<string, unknown> {
  const fields = wireFields(spec, t);
  const data = spec.data ?? {};
  switch (shape) {
    case 'bridge': {
      // The bridge keeps ids at the top level and the event's own content in `data`.
      const { tool_name, call_id, ...top } = fields;
      const inner = { ...(tool_name === undefined ? {} : { tool_name }), ...(call_id === undefined ? {} : { call_id }), ...data };
      return { type: spec.type, ...top, data: inner };
    }
    case 'flat':
      return { type: spec.type, ...fields, ...data };
    case 'wrapper':
      return { type: 'system_message', event: spec.type, payload: { ...fields, ...data } };
  }
}

export function inFrame(value: unknown, t: number, socket = 0): FrameRecord {
  return { t, socket, dir: 'in', kind: 'text', payload: typeof value === 'string' ? value : JSON.stringify(value) };
}

export function outFrame(value: unknown, t: number, socket = 0): FrameRecord {
  return { ...inFrame(value, t, socket), dir: 'out' };
}

/** The frames of a run: the connection, the probe's own send carrying the nonce, then the events. */
export function runFrames(events: EventSpec[], shape: Shape = 'bridge'): FrameRecord[] {
  const frames: FrameRecord[] = [
    inFrame({ type: 'connection_established', user_id: USER }, SENT_AT - 400),
    outFrame({ type: 'start_agent', payload: { user_request: `What drives my costs? [${NONCE}]`, thread_id: THREAD } }, SENT_AT),
  ];
  let at = 0;
  for (const spec of events) {
    at = spec.at ?? at + 100;
    frames.push(inFrame(eventObject(spec, shape, SENT_AT + at), SENT_AT + at, spec.socket ?? 0));
  }
  return frames;
}

export function buildEvidence(events: EventSpec[] = healthyRun(), shape: Shape = 'bridge', extra: Partial<Evidence> = {}): FramedEvidence {
  return {
    nonce: NONCE,
    message: `What drives my costs? [${NONCE}]`,
    userId: USER,
    sentAt: SENT_AT,
    frames: runFrames(events, shape),
    sockets: [{ socket: 0, url: 'wss://api.staging.example/ws', openedAt: SENT_AT - 500 }],
    httpSends: [],
    page: pageShowing(ANSWER),
    stepFailures: [],
    budgets: { firstEventWarnMs: 5_000, firstEventMs: 15_000, completeWarnMs: 30_000, completeMs: 60_000 },
    ...extra,
  };
}

/** The page as the probe read it: the probe's message, then `answer` (null: nothing), which was not there before the send. */
export function pageShowing(answer: string | null, before = ''): PageText {
  return { scope: 'the page', before, after: answer === null ? `${before} What drives my costs? [${NONCE}]` : `${before} What drives my costs? [${NONCE}] ${answer}` };
}

// Helpers to break a healthy run one way at a time. Each returns a new list.

/** Without the nth event of `type`. */
export function drop(events: EventSpec[], type: string, nth = 0): EventSpec[] {
  const index = indexOf(events, type, nth);
  return events.filter((_, i) => i !== index);
}

/** Every event of type `from` renamed to `to`. */
export function rename(events: EventSpec[], from: string, to: string): EventSpec[] {
  return events.map((e) => (e.type === from ? { ...e, type: to } : e));
}

/** The first event of `type` moved to position `to` (times follow the new order). */
export function move(events: EventSpec[], type: string, to: number): EventSpec[] {
  const index = indexOf(events, type, 0);
  const rest = events.filter((_, i) => i !== index);
  rest.splice(to, 0, events[index] as EventSpec);
  return rest;
}

/** `spec` inserted at position `at`. */
export function insert(events: EventSpec[], at: number, spec: EventSpec): EventSpec[] {
  return [...events.slice(0, at), spec, ...events.slice(at)];
}

/** The nth event of `type` with `changes` applied. */
export function patch(events: EventSpec[], type: string, changes: Partial<EventSpec>, nth = 0): EventSpec[] {
  const index = indexOf(events, type, nth);
  return events.map((e, i) => (i === index ? { ...e, ...changes } : e));
}

/** Only the events before the first one of `type`: a run cut off there. */
export function cutBefore(events: EventSpec[], type: string): EventSpec[] {
  return events.slice(0, indexOf(events, type, 0));
}

function indexOf(events: EventSpec[], type: string, nth: number): number {
  const indexes = events.flatMap((e, i) => (e.type === type ? [i] : []));
  const index = indexes[nth];
  if (index === undefined) throw new Error(`no ${type} #${nth} in the run`);
  return index;
}

/** A whole list of frames logged at once, as the probe logs them one by one: the events and the warnings. */
export function normalizeFrames(frames: FrameRecord[], contract: Contract = defaultContract): { events: AgentEvent[]; warnings: string[] } {
  const log = FrameLog.of(frames, contract);
  return { events: log.events, warnings: log.warnings() };
}

/** The timeline of a whole list of frames at once, as the probe builds it frame by frame. */
export function buildTimeline(frames: FrameRecord[], sockets: SocketRecord[], sentAt: number | null, contract: Contract = defaultContract): TimelineRow[] {
  const log = new FrameLog(contract);
  const timeline = new TimelineBuilder();
  for (const frame of frames) timeline.add(frame, log.add(frame));
  return timeline.rows(sockets, sentAt);
}

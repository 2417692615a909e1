// Frames -> agent events. The platform speaks several shapes at once (bridge `{type, data}`, flat, and
// `{type: system_message, event, payload}` wrappers); everything dialect-specific comes from the contract.
import { agentEventTypes, defaultContract, type Contract } from './contract';
import { isRecord, lookup, parseFrame } from './fields';
import type { AgentEvent, FrameRecord } from './types';

export interface Normalized {
  events: AgentEvent[];
  warnings: string[];
}

/** Per-frame warnings a socket that carries agent events gets at most; the rest are counted. */
const MAX_FRAME_WARNINGS = 10;

export function normalizeFrames(frames: FrameRecord[], contract: Contract = defaultContract): Normalized {
  const events: AgentEvent[] = [];
  const problems = new Map<number, string[]>();
  frames.forEach((frame, index) => {
    // Only what the browser received is an agent event; what it sent is the probe's own message.
    if (frame.dir !== 'in') return;
    const problem = (text: string) => problems.set(frame.socket, [...(problems.get(frame.socket) ?? []), `frame ${index} (socket ${frame.socket}): ${text}`]);
    const parsed = parseFrame(frame);
    if (!parsed.ok) return problem(parsed.reason);
    if (!isRecord(parsed.value)) {
      const kind = Array.isArray(parsed.value) ? 'an array' : parsed.value === null ? 'null' : typeof parsed.value;
      return problem(`JSON is ${kind}, not an object`);
    }
    const event = toEvent(parsed.value, frame, index, contract);
    if (typeof event === 'string') problem(event);
    else if (event !== null) events.push(event);
  });
  return { events, warnings: frameWarnings(problems, events, contract) };
}

/**
 * A bad frame on the socket that carries the run is worth a line of its own. Other sockets of the page
 * (presence, notifications, a dev server's hot reload) speak their own protocols: one line per socket.
 */
function frameWarnings(problems: Map<number, string[]>, events: AgentEvent[], contract: Contract): string[] {
  const agentTypes = agentEventTypes(contract);
  const carriesRun = new Set(events.filter((e) => agentTypes.has(e.type)).map((e) => e.socket));
  const warnings: string[] = [];
  for (const [socket, list] of problems) {
    if (!carriesRun.has(socket)) {
      warnings.push(`socket ${socket}: ${list.length} frame(s) that are not agent events, e.g. ${list[0]}`);
      continue;
    }
    warnings.push(...list.slice(0, MAX_FRAME_WARNINGS));
    if (list.length > MAX_FRAME_WARNINGS) warnings.push(`socket ${socket}: ${list.length - MAX_FRAME_WARNINGS} more bad frames (frames.ndjson has them all)`);
  }
  return warnings;
}

/** The event, null for transport noise, or a reason string when the object is not an event. */
function toEvent(raw: Record<string, unknown>, frame: FrameRecord, index: number, contract: Contract): AgentEvent | string | null {
  const wireType = raw[contract.typeField];
  if (typeof wireType !== 'string' || wireType === '') return `no "${contract.typeField}" field`;

  const { wrapper } = contract;
  const eventName = raw[wrapper.eventField];
  const isWrapper = wrapper.types.includes(wireType) && typeof eventName === 'string' && eventName !== '';
  const name = isWrapper ? eventName : wireType;
  const type = Object.hasOwn(contract.aliases, name) ? (contract.aliases[name] ?? name) : name;
  if (contract.ignoreTypes.includes(type)) return null;

  const containers = isWrapper && !contract.containers.includes(wrapper.payloadField)
    ? [...contract.containers, wrapper.payloadField]
    : contract.containers;
  const nested = containers.filter((c) => c !== '' && isRecord(raw[c]));
  const shape = isWrapper ? 'wrapper' : nested.length > 0 ? 'bridge' : 'flat';
  const find = (paths: string[]) => lookup(raw, paths, containers);

  const event: AgentEvent = { type, t: frame.t, socket: frame.socket, frame: index, shape, fields: mergeFields(raw, nested) };
  const { fields } = contract;
  assign(event, 'runId', find(fields.runId));
  assign(event, 'threadId', find(fields.threadId));
  assign(event, 'userId', find(fields.userId));
  assign(event, 'agentName', find(fields.agentName));
  assign(event, 'toolName', find(fields.toolName));
  assign(event, 'callId', find(fields.callId));

  // Sub-agents emit their own agent_completed; which one is the run's final one is the judge's call (attribution).
  if (type === contract.events.completed) assign(event, 'answer', find(fields.answer));
  const answerEvent = contract.answerEvents.find((a) => a.type === type);
  if (answerEvent) assign(event, 'answer', find(answerEvent.paths));
  return event;
}

// Optional fields stay absent rather than `undefined`, so that events compare cleanly and serialize small.
function assign<K extends 'runId' | 'threadId' | 'userId' | 'agentName' | 'toolName' | 'callId' | 'answer'>(
  event: AgentEvent,
  key: K,
  value: string | undefined,
): void {
  if (value !== undefined) event[key] = value;
}

/** Top-level fields, then each nested container's fields over them: what a reader wants to see. */
function mergeFields(raw: Record<string, unknown>, nested: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const copy = (from: Record<string, unknown>, skip: string[]) => {
    for (const [key, value] of Object.entries(from)) {
      // `__proto__` from JSON.parse is an own key; assigning it would change the prototype instead.
      if (key !== '__proto__' && !skip.includes(key)) fields[key] = value;
    }
  };
  copy(raw, nested);
  for (const container of nested) copy(raw[container] as Record<string, unknown>, []);
  return fields;
}

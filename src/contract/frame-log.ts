// Frames -> agent events, one frame at a time, as they arrive. The platform speaks several shapes at once
// (bridge `{type, data}`, flat, and `{type: system_message, event, payload}` wrappers); everything
// dialect-specific comes from the contract.
//
// The log keeps what the judge needs and nothing more, so that a run of 100,000 frames costs a few MB, not
// hundreds: each agent event as a small record (its ids, its answer, a digest of its payload), the probe's
// own sends (where its thread id is learned), counts by socket and the first bad frames of each socket. The
// frames themselves go to frames.ndjson; the log never holds a payload it does not need.

import { createHash } from 'node:crypto';
import { agentEventTypes, defaultContract, type Contract } from './contract';
import { isRecord, lookup, lookupFlag, parseFrame } from './fields';
import type { AgentEvent, FrameRecord } from './types';

/** Per-frame warnings a socket that carries agent events gets at most; the rest are counted. */
const MAX_FRAME_WARNINGS = 10;

/** Connection frames whose user id is kept: enough to tell whose sockets these are. */
const MAX_CONNECTION_USERS = 5;

/** Where an error event says what went wrong, tried in order. */
const ERROR_MESSAGE_PATHS = ['error.message', 'error', 'message', 'detail', 'reason'];

/** What a frame was: a label for a reader (the agent event with its agent, or the raw type), and the event. */
export interface Logged {
  label: string;
  event?: AgentEvent;
}

interface SocketProblems {
  count: number;
  /** The first MAX_FRAME_WARNINGS problems, as lines. */
  first: string[];
}

export class FrameLog {
  /** Every agent event received, in arrival order. */
  readonly events: AgentEvent[] = [];
  /** Outgoing frames that carry one of the probe's nonces (one a turn): its own sends. */
  readonly sent: FrameRecord[] = [];
  /** How many frames each socket received. */
  readonly receivedBySocket = new Map<number, number>();
  /** Frames seen, both directions: the next frame's index. */
  count = 0;
  /** When the last incoming frame was received; null before the first. */
  lastReceivedAt: number | null = null;
  /** The user ids connection frames announced (the first few, each once). */
  readonly connectionUserIds: string[] = [];
  private readonly problems = new Map<number, SocketProblems>();
  /** One copy of each id string: 100,000 events of one run share their run, thread and user ids. */
  private readonly strings = new Map<string, string>();
  /** The probe's nonces: a frame carrying one of them is its own send. */
  private readonly nonces: string[] = [];

  constructor(
    readonly contract: Contract = defaultContract,
    /** Marks the probe's own sends; '' keeps none. A conversation adds one a turn (watchNonce). */
    nonce = '',
  ) {
    if (nonce !== '') this.nonces.push(nonce);
  }

  /** A further turn's nonce: its sends are the probe's too. */
  watchNonce(nonce: string): void {
    if (nonce !== '' && !this.nonces.includes(nonce)) this.nonces.push(nonce);
  }

  static of(frames: FrameRecord[], contract: Contract = defaultContract, nonce = ''): FrameLog {
    const log = new FrameLog(contract, nonce);
    for (const frame of frames) log.add(frame);
    return log;
  }

  /** Takes one frame; returns what it was. */
  add(frame: FrameRecord): Logged {
    const index = this.count++;
    if (frame.dir === 'out') {
      if (this.nonces.some((n) => frame.payload.includes(n))) this.sent.push(frame);
      return { label: this.sentLabel(frame) };
    }
    // Only what the browser received is an agent event; what it sent is the probe's own message.
    this.receivedBySocket.set(frame.socket, (this.receivedBySocket.get(frame.socket) ?? 0) + 1);
    this.lastReceivedAt = frame.t;
    const parsed = parseFrame(frame);
    if (!parsed.ok) return this.problem(frame, index, parsed.reason, frame.kind === 'binary' && frame.encoding === 'base64' ? 'binary' : 'malformed');
    if (!isRecord(parsed.value)) {
      const kind = Array.isArray(parsed.value) ? 'an array' : parsed.value === null ? 'null' : typeof parsed.value;
      return this.problem(frame, index, `JSON is ${kind}, not an object`, 'untyped');
    }
    const event = this.toEvent(parsed.value, frame, index);
    if (typeof event === 'string') return this.problem(frame, index, event, 'untyped');
    if (event === null) return { label: String(parsed.value[this.contract.typeField]) };
    this.events.push(event);
    return { label: event.agentName ? `${event.type} (${event.agentName})` : event.type, event };
  }

  /** What a sent frame was: its type (the contract's type field), else why it has none. */
  private sentLabel(frame: FrameRecord): string {
    const parsed = parseFrame(frame);
    if (!parsed.ok) return frame.kind === 'binary' && frame.encoding === 'base64' ? 'binary' : 'malformed';
    const type = isRecord(parsed.value) ? parsed.value[this.contract.typeField] : undefined;
    return typeof type === 'string' ? type : 'untyped';
  }

  /**
   * A bad frame on the socket that carries the run is worth a line of its own. Other sockets of the page
   * (presence, notifications, a dev server's hot reload) speak their own protocols: one line per socket.
   */
  warnings(): string[] {
    const agentTypes = agentEventTypes(this.contract);
    const carriesRun = new Set(this.events.filter((e) => agentTypes.has(e.type)).map((e) => e.socket));
    const warnings: string[] = [];
    for (const [socket, { count, first }] of this.problems) {
      if (!carriesRun.has(socket)) {
        warnings.push(`socket ${socket}: ${count} frame(s) that are not agent events, e.g. ${first[0]}`);
        continue;
      }
      warnings.push(...first);
      if (count > first.length) warnings.push(`socket ${socket}: ${count - first.length} more bad frames (frames.ndjson has them all)`);
    }
    return warnings;
  }

  private problem(frame: FrameRecord, index: number, text: string, label: string): Logged {
    const known = this.problems.get(frame.socket) ?? { count: 0, first: [] };
    known.count += 1;
    if (known.first.length < MAX_FRAME_WARNINGS) known.first.push(`frame ${index} (socket ${frame.socket}): ${text}`);
    this.problems.set(frame.socket, known);
    return { label };
  }

  /** The event, null for transport noise, or a reason string when the object is not an event. */
  private toEvent(raw: Record<string, unknown>, frame: FrameRecord, index: number): AgentEvent | string | null {
    const contract = this.contract;
    const wireType = raw[contract.typeField];
    if (typeof wireType !== 'string' || wireType === '') return `no "${contract.typeField}" field`;

    const { wrapper } = contract;
    const eventName = raw[wrapper.eventField];
    const isWrapper = wrapper.types.includes(wireType) && typeof eventName === 'string' && eventName !== '';
    const name = isWrapper ? eventName : wireType;
    const type = Object.hasOwn(contract.aliases, name) ? (contract.aliases[name] ?? name) : name;
    if (contract.ignoreTypes.includes(type)) return null;

    const containers =
      isWrapper && !contract.containers.includes(wrapper.payloadField) ? [...contract.containers, wrapper.payloadField] : contract.containers;
    if (contract.connectionEvents.includes(type)) {
      // Whose socket this is, as the platform says it: the judge compares it with the login's user.
      const announced = lookup(raw, contract.fields.userId, containers);
      if (announced !== undefined && !this.connectionUserIds.includes(announced) && this.connectionUserIds.length < MAX_CONNECTION_USERS) this.connectionUserIds.push(announced);
      return null;
    }
    const nested = containers.filter((c) => c !== '' && isRecord(raw[c]));
    const shape = isWrapper ? 'wrapper' : nested.length > 0 ? 'bridge' : 'flat';
    const find = (paths: string[]) => lookup(raw, paths, containers);

    // The payload's digest stands for its content: two frames with one digest are the same event twice.
    const digest = createHash('sha1').update(frame.payload).digest('base64').slice(0, 16);
    const event: AgentEvent = { type: this.intern(type), t: frame.t, socket: frame.socket, frame: index, shape, digest };
    const { fields } = contract;
    this.assign(event, 'runId', find(fields.runId));
    this.assign(event, 'threadId', find(fields.threadId));
    this.assign(event, 'userId', find(fields.userId));
    this.assign(event, 'agentName', find(fields.agentName));
    this.assign(event, 'toolName', find(fields.toolName));
    this.assign(event, 'callId', find(fields.callId));

    // Sub-agents emit their own agent_completed; which one is the run's final one is the judge's call (attribution).
    if (type === contract.events.completed) {
      assign(event, 'answer', find(fields.answer));
      assign(event, 'status', find(fields.statusMessage));
    }
    const answerEvent = contract.answerEvents.find((a) => a.type === type);
    if (answerEvent) assign(event, 'answer', find(answerEvent.paths));
    if (contract.streams.types.includes(type)) {
      assign(event, 'answer', find(contract.streams.paths));
      if (lookupFlag(raw, contract.streams.completeFlags, containers)) event.complete = true;
    }
    // A nested container's field wins over the top level's, and a later container's over an earlier one's.
    if (contract.errorEvents.includes(type)) assign(event, 'errorMessage', lookup(raw, ERROR_MESSAGE_PATHS, [...nested.reverse(), '']));
    return event;
  }

  private assign(event: AgentEvent, key: 'runId' | 'threadId' | 'userId' | 'agentName' | 'toolName' | 'callId', value: string | undefined): void {
    if (value !== undefined) event[key] = this.intern(value);
  }

  private intern(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    // Only short strings (ids, names) repeat; an unbounded map of long ones would be a leak of its own.
    if (text.length <= 200 && this.strings.size < 10_000) this.strings.set(text, text);
    return text;
  }
}

// Optional fields stay absent rather than `undefined`, so that events compare cleanly and serialize small.
function assign(event: AgentEvent, key: 'answer' | 'status' | 'errorMessage', value: string | undefined): void {
  if (value !== undefined) event[key] = value;
}


// The golden-path contract as data. The normalizer and the judge read everything dialect-specific from here,
// so that a JSON contract file can later override it (a renamed event, another answer field) without code.
// Keep it JSON-shaped: strings, arrays, plain objects; no functions, no RegExp.

/** The five events every run must emit, by role. Names are canonical, i.e. after `aliases` was applied. */
export interface RequiredEvents {
  started: string;
  thinking: string;
  toolExecuting: string;
  toolCompleted: string;
  completed: string;
}

/** Candidate dotted paths per field, tried in order, each looked up in every container of `containers`. */
export interface FieldPaths {
  runId: string[];
  threadId: string[];
  userId: string[];
  agentName: string[];
  toolName: string[];
  callId: string[];
  /**
   * Where an agent_completed carries its answer (the judge reads the final one's). Dotted paths reach into an
   * object: a completion's `result` may be an object whose text is in `result.summary`, `result.content`...
   */
  answer: string[];
  /**
   * Where an agent_completed carries a status line ("supervisor has completed processing your request"). It is
   * the run's answer only when the run carries no other: a page showing it must not pass a run whose answer it
   * never showed.
   */
  statusMessage: string[];
}

/** Answers that come in pieces: each chunk's text, in order, and a flag that marks a chunk complete. */
export interface AnswerStreams {
  types: string[];
  /** Where a chunk carries its text. */
  paths: string[];
  /** A chunk whose flag is true holds a whole answer by itself (the frontend shows it as a message). */
  completeFlags: string[];
}

/** An event that carries the answer the UI shows, and where in it. */
export interface AnswerEvent {
  type: string;
  paths: string[];
}

export interface Contract {
  events: RequiredEvents;
  /** The top-level field that names the event type on the wire. */
  typeField: string;
  /** Wrappers: `{type: <one of types>, <eventField>: NAME, <payloadField>: {...}}`. */
  wrapper: { types: string[]; eventField: string; payloadField: string };
  /** Where field paths are looked up, in order; `''` is the top level of the frame. */
  containers: string[];
  fields: FieldPaths;
  /** Events that carry the answer the UI shows, and where (in contract order: reports name the first kind). */
  answerEvents: AnswerEvent[];
  /** Chunk events: a run's chunks joined in order form an answer, and a complete chunk is one on its own. */
  streams: AnswerStreams;
  /** Frames that greet a socket and may say whose it is (their user id field): not agent events. */
  connectionEvents: string[];
  errorEvents: string[];
  /** What a canned fallback handler says when the real agent is missing. */
  fallback: { toolNames: string[]; answerPrefixes: string[] };
  /** Wire name -> canonical name, to teach a renamed dialect without code. */
  aliases: Record<string, string>;
  /** Transport chatter that is not an agent event. */
  ignoreTypes: string[];
  /**
   * Agent names whose agent_completed ends the run (compared case-insensitively), besides the two the judge
   * always accepts: a completion with no agent name, and one named like the agent of the run's first
   * agent_started (the root agent, the Supervisor on the platform this was built for). Sub-agents' completions
   * never end the run.
   */
  rootAgents: string[];
}

export const defaultContract: Contract = {
  events: {
    started: 'agent_started',
    thinking: 'agent_thinking',
    toolExecuting: 'tool_executing',
    toolCompleted: 'tool_completed',
    completed: 'agent_completed',
  },
  typeField: 'type',
  wrapper: { types: ['system_message'], eventField: 'event', payloadField: 'payload' },
  containers: ['', 'data', 'payload'],
  fields: {
    runId: ['run_id', 'runId'],
    threadId: ['thread_id', 'threadId'],
    userId: ['user_id', 'userId'],
    agentName: ['agent_name', 'agentName'],
    toolName: ['tool_name', 'toolName', 'tool'],
    callId: ['call_id', 'callId', 'tool_call_id', 'toolCallId'],
    answer: [
      'result',
      'result.summary',
      'result.content',
      'result.text',
      'result.answer',
      'result.final_response',
      'final_response',
      'response',
      'content',
      'payload',
    ],
    statusMessage: ['message'],
  },
  answerEvents: [
    { type: 'agent_response', paths: ['payload.content', 'content'] },
    { type: 'final_report', paths: ['executive_summary'] },
  ],
  streams: { types: ['partial_result', 'stream_chunk'], paths: ['content', 'chunk'], completeFlags: ['is_complete', 'done'] },
  connectionEvents: ['connection_established'],
  errorEvents: ['agent_error', 'agent_failed', 'agent_fallback', 'agent_death', 'error'],
  fallback: { toolNames: ['analysis_tool'], answerPrefixes: ['Agent response for:'] },
  aliases: {},
  ignoreTypes: ['ping', 'pong', 'heartbeat'],
  rootAgents: [],
};

/** The five required event names, in contract order (the order reports list them in). */
export function requiredEvents(contract: Contract): string[] {
  const e = contract.events;
  return [e.started, e.thinking, e.toolExecuting, e.toolCompleted, e.completed];
}

/**
 * Types that belong to an agent run: the five, the error events, the answer events and the chunks. Only these
 * are attributed to a run, ordered against agent_started, and looked at for isolation: a platform's own
 * chatter (a thread update, a message echo, a colleague's presence) must not make a healthy run look out of
 * order or leaked.
 */
export function agentEventTypes(contract: Contract): Set<string> {
  return new Set([...requiredEvents(contract), ...contract.errorEvents, ...contract.answerEvents.map((a) => a.type), ...contract.streams.types]);
}

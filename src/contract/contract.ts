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
  /** Where an agent_completed carries its answer (the judge reads the final one's). */
  answer: string[];
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
  /** Tried in order: the first event type with a non-empty answer is the frames' answer. */
  answerEvents: AnswerEvent[];
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
    answer: ['result', 'final_response', 'response', 'message', 'content'],
  },
  answerEvents: [
    { type: 'agent_response', paths: ['payload.content', 'content'] },
    { type: 'final_report', paths: ['executive_summary'] },
  ],
  errorEvents: ['agent_error', 'agent_failed', 'agent_fallback', 'agent_death', 'error'],
  fallback: { toolNames: ['analysis_tool'], answerPrefixes: ['Agent response for:'] },
  aliases: {},
  ignoreTypes: ['connection_established', 'ping', 'pong', 'heartbeat'],
  rootAgents: [],
};

/** The five required event names, in contract order (the order reports list them in). */
export function requiredEvents(contract: Contract): string[] {
  const e = contract.events;
  return [e.started, e.thinking, e.toolExecuting, e.toolCompleted, e.completed];
}

/**
 * Types that belong to an agent run: the five, the error events and the answer events. Only these are
 * attributed to the run by time alone, and only these are ordered against agent_started: a platform's
 * own chatter (a thread update, a message echo) must not make a healthy run look out of order.
 */
export function agentEventTypes(contract: Contract): Set<string> {
  return new Set([...requiredEvents(contract), ...contract.errorEvents, ...contract.answerEvents.map((a) => a.type)]);
}

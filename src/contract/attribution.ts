// Which events belong to the probe's run. The probe cannot count on seeing its own message on the socket
// (the frontend may send over REST), so it ties the run to its send by the thread it opened, the user it
// logged in as, and the first run that starts after the send.
import { agentEventTypes, type Contract } from './contract';
import { isRecord, lookup, parseFrame } from './fields';
import { describeFrames } from './checks/check';
import type { AgentEvent, Evidence, FrameEvidence, FrameRecord } from './types';

export interface Run {
  sentAt: number;
  /** The thread the probe's send carried, when an outgoing frame or HTTP send showed it. */
  probeThreadId: string | null;
  /** The user the probe logged in as; else the user of the run's first event. */
  userId: string | null;
  /** The event that identified the run: its first agent_started, else its first agent event; null: no run. */
  anchor: AgentEvent | null;
  runId: string | null;
  threadId: string | null;
  /** The run's first agent_started; its agent is the run's root agent (the Supervisor). */
  started: AgentEvent | null;
  /** The agent name of the run's first agent_started, when it carries one. */
  rootAgent: string | null;
  /** Every final agent_completed of the run (the root agent's: see isFinalCompletion), in arrival order. */
  finals: AgentEvent[];
  /** The first of `finals`: the run's end. */
  final: AgentEvent | null;
  /** The run's events, in arrival order. */
  events: AgentEvent[];
  /** Every event the page received, the run's or not (isolation looks at the others). */
  all: AgentEvent[];
  warnings: string[];
}

export function attributeRun(evidence: Evidence, sentAt: number, log: FrameEvidence, contract: Contract): Run {
  const warnings: string[] = [];
  const sorted = [...log.events].sort(byArrival);
  const probeThreadId = findProbeThread(evidence, log.sent, contract);
  if (probeThreadId === null) {
    warnings.push('probe thread id unknown: no outgoing frame or HTTP send carried the nonce and a thread id; run attributed by user and time');
  }
  const agentTypes = agentEventTypes(contract);
  const afterSend = sorted.filter((e) => e.t >= sentAt);
  const ours = (e: AgentEvent) =>
    (probeThreadId === null || e.threadId === undefined || e.threadId === probeThreadId) &&
    (evidence.userId === null || e.userId === undefined || e.userId === evidence.userId);

  // A run id is the probe's only when none of that run's events carries another thread or user: one event
  // without ids (an agent_response with a run_id alone) must not make a foreign run ours.
  const foreignRunIds = new Set(sorted.filter((e) => e.runId !== undefined && !ours(e)).map((e) => e.runId));
  const candidate = (e: AgentEvent) => ours(e) && (e.runId === undefined || !foreignRunIds.has(e.runId));

  const startedAfterSend = afterSend.filter((e) => e.type === contract.events.started);
  const skipped = startedAfterSend.filter((e) => !candidate(e));
  if (skipped.length > 0) {
    warnings.push(`${skipped.length} agent_started after the send were for another thread or user (${describeFrames(skipped)}); not the probe's run`);
  }
  let anchor = startedAfterSend.find(candidate) ?? null;
  if (anchor === null) {
    anchor = afterSend.find((e) => agentTypes.has(e.type) && candidate(e)) ?? null;
    if (anchor !== null) warnings.push(`no agent_started for the probe's run; run attributed by its first event, ${anchor.type} at frame ${anchor.frame}`);
  }
  const adopted = afterSend.filter((e) => agentTypes.has(e.type) && ours(e) && !candidate(e));
  if (adopted.length > 0) {
    warnings.push(`${adopted.length} event(s) without thread or user id belong to a run of another thread or user (${describeFrames(adopted)}); not the probe's run`);
  }
  if (anchor === null) {
    const run = { sentAt, probeThreadId, userId: evidence.userId, anchor, runId: null, threadId: probeThreadId };
    return { ...run, started: null, rootAgent: null, finals: [], final: null, events: [], all: sorted, warnings };
  }

  const runId = anchor.runId ?? null;
  const threadId = anchor.threadId ?? probeThreadId;
  const userId = evidence.userId ?? anchor.userId ?? null;
  let byTimeOnly = 0;
  const member = (e: AgentEvent): boolean => {
    if (userId !== null && e.userId !== undefined && e.userId !== userId) return false;
    if (runId !== null && e.runId !== undefined) return e.runId === runId;
    if (e.t < sentAt) return false;
    if (threadId !== null && e.threadId !== undefined) return e.threadId === threadId;
    if (!agentTypes.has(e.type)) return false;
    byTimeOnly += 1;
    return true;
  };
  const events = sorted.filter(member);
  if (runId === null) warnings.push(`the run's ${anchor.type} carries no run id; events attributed by ${threadId === null ? 'time' : `thread ${threadId}`}`);
  if (byTimeOnly > 0) warnings.push(`${byTimeOnly} events carried neither run id nor thread id; attributed to the run by time (after the send)`);

  const started = events.find((e) => e.type === contract.events.started) ?? null;
  const rootAgent = started?.agentName ?? null;
  const finals = events.filter((e) => isFinalCompletion(e, rootAgent, contract));
  if (finals.length > 1) warnings.push(`final agent_completed received ${finals.length} times (${describeFrames(finals)})`);
  warnings.push(...duplicateWarnings(events.filter((e) => !finals.includes(e))));
  return { sentAt, probeThreadId, userId, anchor, runId, threadId, started, rootAgent, finals, final: finals[0] ?? null, events, all: sorted, warnings };
}

/**
 * The run ends with its root agent's completion. On the platform's own emitter every agent_completed names
 * its agent, and the final one is the agent's whose agent_started opened the run; other dialects leave the
 * name off the final one. So: no agent name, the root agent's name, or a name the contract lists as a root.
 */
export function isFinalCompletion(event: AgentEvent, rootAgent: string | null, contract: Contract): boolean {
  if (event.type !== contract.events.completed) return false;
  const name = event.agentName?.toLowerCase();
  if (name === undefined) return true;
  return name === rootAgent?.toLowerCase() || contract.rootAgents.some((root) => root.toLowerCase() === name);
}

/** The thread id of the probe's own send: the first outgoing frame carrying the nonce, else an HTTP send. */
export function findProbeThread(evidence: Evidence, sent: FrameRecord[], contract: Contract): string | null {
  const containers = [...contract.containers, contract.wrapper.payloadField];
  if (evidence.nonce !== '') {
    for (const frame of sent) {
      if (frame.dir !== 'out' || !frame.payload.includes(evidence.nonce)) continue;
      const parsed = parseFrame(frame);
      if (!parsed.ok || !isRecord(parsed.value)) continue;
      const thread = lookup(parsed.value, contract.fields.threadId, containers);
      if (thread !== undefined) return thread;
    }
  }
  for (const send of evidence.httpSends) {
    if (!isRecord(send.body)) continue;
    const thread = lookup(send.body, contract.fields.threadId, containers);
    if (thread !== undefined) return thread;
  }
  return null;
}

export function byArrival(a: AgentEvent, b: AgentEvent): number {
  return a.t - b.t || a.frame - b.frame;
}

/** The same event (same type and payload) received more than once: a platform bug worth a look. */
function duplicateWarnings(events: AgentEvent[]): string[] {
  const seen = new Map<string, AgentEvent[]>();
  for (const event of events) {
    const key = `${event.type} ${event.digest}`;
    const group = seen.get(key);
    if (group === undefined) seen.set(key, [event]);
    else group.push(event);
  }
  return [...seen.values()]
    .filter((group) => group.length > 1)
    .map((group) => `duplicate ${group[0]?.type ?? 'event'} received ${group.length} times (${describeFrames(group)})`);
}

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
  /** Every agent event the page received, the run's or not (isolation looks at the others). */
  all: AgentEvent[];
  warnings: string[];
}

export function attributeRun(evidence: Evidence, sentAt: number, log: FrameEvidence, contract: Contract): Run {
  const warnings: string[] = [];
  const agentTypes = agentEventTypes(contract);
  // Only the contract's agent events belong to runs: a presence frame naming a colleague, a notification, a
  // thread update are the page's other business, never a leak nor a step of the run.
  const until = evidence.until ?? Infinity;
  const sorted = log.events.filter((e) => agentTypes.has(e.type) && e.t < until).sort(byArrival);
  const probeThreadId = findProbeThread(evidence, log.sent, contract);
  if (probeThreadId === null) {
    warnings.push('probe thread id unknown: no outgoing frame or HTTP send carried the nonce and a thread id; run attributed by user and time');
  }
  const afterSend = sorted.filter((e) => e.t >= sentAt);
  const user = platformUser(evidence, log, afterSend, probeThreadId);
  if (user.warning !== undefined) warnings.push(user.warning);
  const loginUser = user.userId;
  const ours = (e: AgentEvent) =>
    (probeThreadId === null || e.threadId === undefined || e.threadId === probeThreadId) &&
    (loginUser === null || e.userId === undefined || e.userId === loginUser);

  // A run id is the probe's only when none of that run's events carries another thread or user: one event
  // without ids (an agent_response with a run_id alone) must not make a foreign run ours.
  const foreignRunIds = new Set(sorted.filter((e) => e.runId !== undefined && !ours(e)).map((e) => e.runId));
  // A run that had events before the send is an earlier one (an earlier turn's, replayed): never this send's.
  const earlierRunIds = new Set(sorted.filter((e) => e.runId !== undefined && e.t < sentAt).map((e) => e.runId));
  const candidate = (e: AgentEvent) => ours(e) && (e.runId === undefined || (!foreignRunIds.has(e.runId) && !earlierRunIds.has(e.runId)));

  const startedAfterSend = afterSend.filter((e) => e.type === contract.events.started);
  const skipped = startedAfterSend.filter((e) => !candidate(e));
  if (skipped.length > 0) {
    warnings.push(`${skipped.length} agent_started after the send were for another thread or user (${describeFrames(skipped)}); not the probe's run`);
  }
  let anchor = startedAfterSend.find(candidate) ?? null;
  if (anchor === null) {
    anchor = afterSend.find(candidate) ?? null;
    if (anchor !== null) warnings.push(`no agent_started for the probe's run; run attributed by its first event, ${anchor.type} at frame ${anchor.frame}`);
  }
  const adopted = afterSend.filter((e) => ours(e) && !candidate(e));
  if (adopted.length > 0) {
    warnings.push(`${adopted.length} event(s) without thread or user id belong to a run of another thread or user (${describeFrames(adopted)}); not the probe's run`);
  }
  if (anchor === null) {
    const run = { sentAt, probeThreadId, userId: loginUser, anchor, runId: null, threadId: probeThreadId };
    return { ...run, started: null, rootAgent: null, finals: [], final: null, events: [], all: sorted, warnings };
  }

  const runId = anchor.runId ?? null;
  const threadId = anchor.threadId ?? probeThreadId;
  const userId = loginUser ?? anchor.userId ?? null;
  const otherUser = (e: AgentEvent) => userId !== null && e.userId !== undefined && e.userId !== userId;
  // Events that name the run (its run id, else its thread) are its own; they show which sockets carry it.
  const byId = (e: AgentEvent): boolean | undefined => {
    if (otherUser(e)) return false;
    if (runId !== null && e.runId !== undefined) return e.runId === runId;
    if (e.t < sentAt) return false;
    if (threadId !== null && e.threadId !== undefined) return e.threadId === threadId;
    return undefined;
  };
  const runSockets = new Set(sorted.filter((e) => byId(e) === true).map((e) => e.socket));
  runSockets.add(anchor.socket);
  // An event with neither id is the run's by time alone, and only on a socket that carries the run: an
  // `{"type":"error"}` of a GraphQL subscription beside the chat is not the agent's error.
  const byTime = (e: AgentEvent) => e.t >= sentAt && runSockets.has(e.socket);
  const events = sorted.filter((e) => byId(e) ?? byTime(e));
  const byTimeOnly = events.filter((e) => byId(e) === undefined).length;
  if (runId === null) warnings.push(`the run's ${anchor.type} carries no run id; events attributed by ${threadId === null ? 'time' : `thread ${threadId}`}`);
  if (byTimeOnly > 0) warnings.push(`${byTimeOnly} events carried neither run id nor thread id; attributed to the run by time (after the send, on its sockets)`);

  const started = events.find((e) => e.type === contract.events.started) ?? null;
  const rootAgent = started?.agentName ?? null;
  const finals = events.filter((e) => isFinalCompletion(e, rootAgent, contract));
  if (finals.length > 1) warnings.push(`final agent_completed received ${finals.length} times (${describeFrames(finals)})`);
  warnings.push(...duplicateWarnings(events.filter((e) => !finals.includes(e))));
  return { sentAt, probeThreadId, userId, anchor, runId, threadId, started, rootAgent, finals, final: finals[0] ?? null, events, all: sorted, warnings };
}

/**
 * The user the run is judged for. A login's response names the platform's own user; a token's claim is only
 * a hint (an external identity provider puts its own id in `sub`). So with a hint, the platform's word wins:
 * the id a connection frame announced (the platform truncates it, `a1b2c3d4...`: a prefix then), else the one
 * user the events of the probe's own thread carry. A hint that neither confirms nor contradicts stays.
 */
function platformUser(evidence: Evidence, log: FrameEvidence, afterSend: AgentEvent[], probeThreadId: string | null): { userId: string | null; warning?: string } {
  const hint = evidence.userId;
  if (hint !== null && evidence.userIdIsHint !== true) return { userId: hint };
  const threadUsers = probeThreadId === null ? [] : [...new Set(afterSend.filter((e) => e.threadId === probeThreadId && e.userId !== undefined).map((e) => e.userId as string))];
  const announced = log.connectionUserIds;
  const isAnnounced = (id: string) => announced.some((a) => (a.endsWith('...') ? id.startsWith(a.slice(0, -3)) : id === a));
  const said = (id: string, why: string) =>
    hint === null || hint === id ? { userId: id } : { userId: id, warning: `the login's token names user ${hint}, but ${why} ${id}: the run is judged for ${id} (a token's claim is a hint only)` };
  if (announced.length > 0) {
    if (hint !== null && isAnnounced(hint)) return { userId: hint };
    const confirmed = threadUsers.find(isAnnounced);
    if (confirmed !== undefined) return said(confirmed, "the platform's connection frame and the probe's own thread name");
    const whole = announced.find((a) => !a.endsWith('...'));
    if (whole !== undefined) return said(whole, "the platform's connection frame names");
  }
  if (hint !== null && (threadUsers.length === 0 || threadUsers.includes(hint))) return { userId: hint };
  if (threadUsers.length === 1) return said(threadUsers[0]!, "the events of the probe's own thread carry");
  return { userId: hint };
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

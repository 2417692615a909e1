// Isolation: this page must see only this user's events, and only this run's once it started. The check
// names the foreign user / run ids and frames, never their payload text: it may be somebody else's data.
import { agentEventTypes, type Contract } from '../contract';
import { check, describeFrames } from './check';
import type { Run } from '../attribution';
import type { AgentEvent, Check } from '../types';

const EXPECTED = "no event for another user after the send, and no other run's event after the run started";

export function isolationCheck(run: Run, contract: Contract): Check {
  const { userId, sentAt } = run;
  const foreignUser = userId === null ? [] : run.all.filter((e) => e.t >= sentAt && e.userId !== undefined && e.userId !== userId);
  // Before our run starts, the probe's thread still tells ours from others: a run of another thread that
  // reaches this page after the send is a routing fault even when ours never starts.
  const from = run.started?.t ?? run.anchor?.t ?? sentAt;
  const agentTypes = agentEventTypes(contract);
  const foreignRun = run.all.filter((e) => e.t >= from && agentTypes.has(e.type) && !foreignUser.includes(e) && isOtherRun(e, run));

  const seen: string[] = [];
  if (foreignUser.length > 0) seen.push(`events of ${group(foreignUser, (e) => `user ${e.userId}`)}`);
  if (foreignRun.length > 0) seen.push(`events of ${group(foreignRun, (e) => (e.runId !== undefined ? `run ${e.runId}` : `thread ${e.threadId}`))}`);
  if (seen.length > 0) return check('isolation', 'fail', 'isolation', EXPECTED, seen.join('; '), describeFrames([...foreignUser, ...foreignRun]));
  const users = userId === null ? 'user id unknown, users not compared' : `only user ${userId}`;
  return check('isolation', 'pass', 'isolation', EXPECTED, `${users}; no other run`);
}

/** Another run by run id when both carry one, else by thread id. */
function isOtherRun(event: AgentEvent, run: Run): boolean {
  if (run.runId !== null && event.runId !== undefined) return event.runId !== run.runId;
  return run.threadId !== null && event.threadId !== undefined && event.threadId !== run.threadId;
}

/** `user u-2 (agent_started, agent_completed), user u-3 (error)`: ids and types only. */
function group(events: AgentEvent[], key: (e: AgentEvent) => string): string {
  const byKey = new Map<string, string[]>();
  for (const e of events) byKey.set(key(e), [...(byKey.get(key(e)) ?? []), e.type]);
  return [...byKey.entries()].map(([k, types]) => `${k} (${[...new Set(types)].join(', ')})`).join(', ');
}

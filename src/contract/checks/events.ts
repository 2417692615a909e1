// The run's events: all five present, the final one arrived, and in a sane order.
import { agentEventTypes, requiredEvents, type Contract } from '../contract';
import { check, describeEvent, describeFrames, since } from './check';
import type { Run } from '../attribution';
import type { AgentEvent, Check } from '../types';

export function runLabel(run: Run): string {
  if (run.runId !== null) return `run ${run.runId}`;
  if (run.threadId !== null) return `the run of thread ${run.threadId}`;
  return "the probe's run";
}

export function eventsPresentCheck(run: Run, contract: Contract): Check {
  const required = requiredEvents(contract);
  const expected = `${required.join(', ')} for ${runLabel(run)}`;
  if (run.anchor === null) return check('events-present', 'fail', 'missing-event', expected, noRunSeen(run));
  const missing = required.filter((type) => !run.events.some((e) => e.type === type));
  const evidence = `${runLabel(run)}: ${describeFrames(run.events)}`;
  if (missing.length > 0) return check('events-present', 'fail', 'missing-event', expected, `missing ${missing.join(', ')}`, evidence);
  const counts = required.map((type) => `${type} x${run.events.filter((e) => e.type === type).length}`);
  return check('events-present', 'pass', 'missing-event', expected, counts.join(', '), evidence);
}

/** A run that started but never finished is a timeout, whatever else is missing. */
export function completedInTimeCheck(run: Run, contract: Contract): Check {
  const expected = `the final ${contract.events.completed} (the root agent's: ${rootLabel(run)}) of ${runLabel(run)} before the probe stopped waiting`;
  if (run.anchor === null) return check('completed-in-time', 'fail', 'timeout', expected, noRunSeen(run));
  if (run.final === null) {
    const subAgents = [...new Set(run.events.filter((e) => e.type === contract.events.completed).map((e) => e.agentName ?? '?'))];
    const note = subAgents.length > 0 ? ` (only a sub-agent completed: ${subAgents.join(', ')})` : '';
    const seen = `${runLabel(run)} started (${describeEvent(run.anchor)}) but its final ${contract.events.completed} never arrived${note}`;
    return check('completed-in-time', 'fail', 'timeout', expected, seen, describeFrames(run.events));
  }
  const seen = `final ${contract.events.completed} at ${since(run.final.t, run.sentAt)}`;
  return check('completed-in-time', 'pass', 'timeout', expected, seen, `frame ${run.final.frame}`);
}

/** Which completion ends the run, as a reader needs it: `no agent name, or "supervisor"`. */
function rootLabel(run: Run): string {
  return run.rootAgent === null ? 'no agent name' : `no agent name, or "${run.rootAgent}"`;
}

/** No run of the probe's started: say what the probe looked for, so that a reader knows where to look. */
export function noRunSeen(run: Run): string {
  return run.probeThreadId === null ? 'no run started after the send' : `no run started after the send: no event came for the probe's thread ${run.probeThreadId}`;
}

export function firstStartedCheck(run: Run, contract: Contract): Check {
  const started = contract.events.started;
  const expected = `the first ${started} before every other agent event of the run`;
  if (run.started === null) return check('first-started', 'fail', 'order', expected, `no ${started} for the run`);
  const first = run.started;
  const agentTypes = agentEventTypes(contract);
  const before = run.events.filter((e) => agentTypes.has(e.type) && e !== first && isBefore(e, first));
  if (before.length > 0) {
    const seen = `${before.map(describeEvent).join(', ')} came before ${describeEvent(first)}`;
    return check('first-started', 'fail', 'order', expected, seen, describeFrames([...before, first]));
  }
  return check('first-started', 'pass', 'order', expected, `${describeEvent(first)} came first`);
}

export function toolPairingCheck(run: Run, contract: Contract): Check {
  const { toolExecuting, toolCompleted } = contract.events;
  const expected = `every ${toolExecuting} followed by a ${toolCompleted} of the same call id (or tool name)`;
  const open: AgentEvent[] = [];
  const orphans: AgentEvent[] = [];
  let pairs = 0;
  for (const event of run.events) {
    if (event.type === toolExecuting) open.push(event);
    if (event.type !== toolCompleted) continue;
    const match = open.findIndex((started) => sameTool(started, event));
    if (match === -1) orphans.push(event);
    else {
      open.splice(match, 1);
      pairs += 1;
    }
  }
  const unpaired = [...open.map((e) => `${describeEvent(e)} never completed`), ...orphans.map((e) => `${describeEvent(e)} without a matching ${toolExecuting}`)];
  if (unpaired.length > 0) return check('tool-pairing', 'fail', 'pairing', expected, unpaired.join('; '), describeFrames([...open, ...orphans]));
  return check('tool-pairing', 'pass', 'pairing', expected, `${pairs} tool call(s) paired`);
}

/**
 * Call ids decide when both sides have one, else tool names. When neither side can be told apart the pair
 * is accepted: nothing on the wire contradicts it, and the platform's omission is not a pairing fault.
 */
function sameTool(started: AgentEvent, completed: AgentEvent): boolean {
  if (started.callId !== undefined && completed.callId !== undefined) return started.callId === completed.callId;
  if (started.toolName !== undefined && completed.toolName !== undefined) return started.toolName === completed.toolName;
  return true;
}

export function finalAfterToolsCheck(run: Run, contract: Contract): Check {
  const { completed, toolExecuting, toolCompleted } = contract.events;
  const expected = `the final ${completed} after every tool event`;
  if (run.final === null) return check('final-after-tools', 'fail', 'order', expected, `no final ${completed}`);
  const final = run.final;
  const late = run.events.filter((e) => (e.type === toolExecuting || e.type === toolCompleted) && isBefore(final, e));
  if (late.length > 0) {
    const seen = `${late.map(describeEvent).join(', ')} came after the final ${completed} (frame ${final.frame})`;
    return check('final-after-tools', 'fail', 'order', expected, seen, describeFrames([final, ...late]));
  }
  return check('final-after-tools', 'pass', 'order', expected, `final ${completed} (frame ${final.frame}) came after all tool events`);
}

/** One run, one end: a second final agent_completed means the run (or its delivery) was duplicated. */
export function singleFinalCheck(run: Run, contract: Contract): Check {
  const { completed } = contract.events;
  const expected = `exactly one final ${completed} for ${runLabel(run)}`;
  const { finals } = run;
  if (finals.length > 1) return check('single-final', 'fail', 'order', expected, `the final ${completed} arrived ${finals.length} times`, describeFrames(finals));
  return check('single-final', 'pass', 'order', expected, finals.length === 1 ? 'one' : `none (reported by completed-in-time)`);
}

function isBefore(a: AgentEvent, b: AgentEvent): boolean {
  return a.t < b.t || (a.t === b.t && a.frame < b.frame);
}

// Building blocks shared by the checks: how a check is built, and how frames and times are named in it.
import type { AgentEvent, Check, FailureClass } from '../types';

/** Most important first: the verdict's class is the class of the failing check that ranks highest here. */
export const CLASS_PRIORITY: readonly FailureClass[] = [
  'auth',
  'config',
  'probe',
  'transport',
  'isolation',
  'error-event',
  'fallback-stub',
  'timeout',
  'missing-event',
  'pairing',
  'order',
  'ui-render',
  // Last: a conversation that did not come back after a reload (or a follow-up in another thread) fails the
  // run, but any failure of the run itself, its render included, explains it first.
  'persistence',
];

export function rank(cls: FailureClass): number {
  return CLASS_PRIORITY.indexOf(cls);
}

export function check(
  name: string,
  status: Check['status'],
  cls: FailureClass,
  expected: string,
  seen: string,
  evidence?: string,
): Check {
  return evidence === undefined ? { name, status, class: cls, expected, seen } : { name, status, class: cls, expected, seen, evidence };
}

const MAX_LISTED = 10;

/** `frame 3` / `frames 3, 5, 9` / `frames 1, ..., 10 (+4 more)`: where to look, bounded for long runs. */
export function describeFrames(events: Pick<AgentEvent, 'frame'>[]): string {
  const indexes = events.map((e) => e.frame);
  if (indexes.length === 1) return `frame ${indexes[0]}`;
  const listed = indexes.slice(0, MAX_LISTED).join(', ');
  const more = indexes.length > MAX_LISTED ? ` (+${indexes.length - MAX_LISTED} more)` : '';
  return `frames ${listed}${more}`;
}

/** An event as a reader finds it in the timeline: `tool_executing search (call c-1, frame 5)`. */
export function describeEvent(event: AgentEvent): string {
  const name = event.toolName ?? event.agentName;
  const call = event.callId === undefined ? '' : `call ${event.callId}, `;
  return `${event.type}${name === undefined ? '' : ` ${name}`} (${call}frame ${event.frame})`;
}

/** Milliseconds since the send, as `+1234ms` (`-200ms` before it). */
export function since(t: number, sentAt: number): string {
  const ms = elapsed(t, sentAt);
  return ms >= 0 ? `+${ms}ms` : `${ms}ms`;
}

/** Whole milliseconds from `from` to `t`: the clock has sub-millisecond noise that no reader needs. */
export function elapsed(t: number, from: number): number {
  return Math.round(t - from);
}

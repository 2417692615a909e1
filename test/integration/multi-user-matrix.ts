// The faults of the reference staging that only show with several users, and what the probe must say of
// each with 3 sessions: the class, the checks that fail (a session's own, or cross-talk), and the message.
import type { FaultName } from '../../reference/faults';
import type { FailureClass } from '../../src/contract/types';

export interface MultiUserRow {
  fault: FaultName;
  class: FailureClass;
  /** Checks of the combined verdict that must fail (among others). */
  failing: string[];
  says: RegExp;
  env?: Record<string, string>;
}

export const MULTI_USER_MATRIX: MultiUserRow[] = [
  // The receiving session's own isolation check fails too: another user's events reached its socket.
  { fault: 'cross-user-delivery', class: 'isolation', failing: ['cross-talk'], says: /session \d received session \d's user id/ },
  // Nothing wrong within any one session: only comparing them shows two runs with one id.
  { fault: 'shared-run-id', class: 'isolation', failing: ['cross-talk'], says: /cross-talk: .*session \d received session \d's run id \S+ \(its own is the same\)/ },
  // One session's events arrive twice; the others are healthy.
  { fault: 'duplicate-for-one-user', class: 'order', failing: [], says: /^session-\d: expected single-final: / },
  // The runs that end together lose their final agent_completed: those sessions time out.
  { fault: 'final-dropped-on-collision', class: 'timeout', failing: [], says: /^session-\d: expected completed-in-time: /, env: { PROBE_COMPLETE_WARN_MS: '2000', PROBE_COMPLETE_TIMEOUT_MS: '3000' } },
];

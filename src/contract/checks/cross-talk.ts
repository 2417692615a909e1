// Cross-talk between sessions run at once (PROBE_USERS above 1): no session's frames or page may carry
// another session's nonce, run id, thread id, user id or answer. The bugs it catches (a duplicated notifier,
// an execution factory that shares state between users) stay hidden while one user chats. The check names
// both sessions, what leaked and where; never the leaked text itself, which is somebody else's data.
import { check, describeFrames } from './check';
import type { AgentEvent, Check } from '../types';

/** What one session is, and what it received, as the cross-talk check needs it. */
export interface SessionTrace {
  /** 1-based, as reports name sessions. */
  session: number;
  /** Where its frames are (`frames-2.ndjson`). */
  framesFile: string;
  nonce: string;
  userId: string | null;
  runId: string | null;
  threadId: string | null;
  /** The run's answer from the frames; null when none. */
  answer: string | null;
  /** Every agent event the session's page received. */
  events: readonly AgentEvent[];
  /** Received frames that carried another session's nonce: the nonce, and where. */
  nonceHits: ReadonlyArray<{ nonce: string; frame: number }>;
  /** What the session's page showed at the end (visible text); null when unread. */
  pageAfter: string | null;
}

const EXPECTED = "no session's frames or page carry another session's nonce, run id, thread id, user id or answer";

export interface CrossTalk {
  check: Check;
  /** The sessions that received something of another, in session order: the first explains the failure. */
  receivers: number[];
}

export function crossTalkCheck(sessions: readonly SessionTrace[]): CrossTalk {
  const found: string[] = [];
  const where: string[] = [];
  const receivers = new Set<number>();
  for (const mine of sessions) {
    for (const other of sessions) {
      if (other === mine) continue;
      const leaks = leaksOf(other, mine);
      if (leaks.length === 0) continue;
      receivers.add(mine.session);
      found.push(`session ${mine.session} received session ${other.session}'s ${leaks.map((l) => l.what).join(', ')}`);
      where.push(...leaks.map((l) => `${mine.framesFile} ${l.where}`));
    }
  }
  if (found.length > 0) return { check: check('cross-talk', 'fail', 'isolation', EXPECTED, found.join('; '), [...new Set(where)].join('; ')), receivers: [...receivers] };
  const unknown = sessions.filter((s) => s.userId === null).map((s) => s.session);
  const users = unknown.length === 0 ? 'user ids compared' : `user ids of sessions ${unknown.join(', ')} unknown, not compared`;
  return { check: check('cross-talk', 'pass', 'isolation', EXPECTED, `${sessions.length} sessions, nothing of one in another; ${users}`), receivers: [] };
}

interface Leak {
  what: string;
  where: string;
}

/** What of `other` reached `mine`: its ids in mine's events, its nonce or answer in mine's frames or page. */
function leaksOf(other: SessionTrace, mine: SessionTrace): Leak[] {
  const leaks: Leak[] = [];
  const byId = (what: string, id: string | null, mineToo: string | null, pick: (e: AgentEvent) => string | undefined) => {
    // A value both sessions own (two runs given one id) is a leak too, and is named as such.
    if (id === null) return;
    const events = mine.events.filter((e) => pick(e) === id);
    if (events.length > 0) leaks.push({ what: `${what} ${id}${mineToo === id ? ' (its own is the same)' : ''}`, where: describeFrames(events) });
  };
  byId('user id', other.userId, mine.userId, (e) => e.userId);
  byId('run id', other.runId, mine.runId, (e) => e.runId);
  byId('thread id', other.threadId, mine.threadId, (e) => e.threadId);
  const hits = mine.nonceHits.filter((h) => h.nonce === other.nonce);
  if (hits.length > 0) leaks.push({ what: `nonce ${other.nonce}`, where: describeFrames(hits) });
  if (mine.pageAfter?.includes(other.nonce)) leaks.push({ what: `nonce ${other.nonce} in the page`, where: 'the page at the end' });
  // An answer that is the other's and not mine (two users asking the same thing may get the same answer).
  if (other.answer !== null && other.answer !== '' && other.answer !== mine.answer) {
    const answered = mine.events.filter((e) => e.answer === other.answer);
    if (answered.length > 0) leaks.push({ what: 'answer', where: describeFrames(answered) });
  }
  return leaks;
}

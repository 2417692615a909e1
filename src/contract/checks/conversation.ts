// A conversation, not only a run: follow-up turns go on in the same thread, each with a run of its own, and the
// whole exchange is still there after a reload. Pure: the turns' evidence in, checks out. A check names both
// turns when one got the other's events, and never quotes another turn's text, only where to look.
import { shows } from './answer';
import { check, describeFrames } from './check';
import type { AgentEvent, Check } from '../types';

/** What one turn of a conversation was, as these checks need it. */
export interface TurnTrace {
  /** 1-based. */
  turn: number;
  /** The turn's own message (with its nonce): found in the page, it shows the turn's question was kept. */
  message: string;
  nonce: string;
  runId: string | null;
  threadId: string | null;
  /** The answer that counted for the turn (the one the page showed, else the frames' final one); null: none. */
  answer: string | null;
  /** The agent events the turn's page received after its send (its own run's, and any other's). */
  events: readonly AgentEvent[];
}

/** A check across the turns, and the turn it puts the failure on (the first that broke it); null when it passed. */
export interface TurnsCheck {
  check: Check;
  part: number | null;
}

const SAME_THREAD = 'every turn in the conversation\'s thread, and the earlier answers still visible after the later turns';

/**
 * Follow-ups stay in the conversation: every turn's run in turn 1's thread (a follow-up that lands in a new
 * thread loses the conversation), and the earlier turns' answers still visible in the page after the last one.
 */
export function followUpCheck(turns: readonly TurnTrace[], pageAfterLast: string | null): TurnsCheck {
  const first = turns.find((t) => t.threadId !== null);
  const found: string[] = [];
  let part: number | null = null;
  for (const t of turns) {
    if (first && t.threadId !== null && t.threadId !== first.threadId) {
      found.push(`turn ${t.turn} ran in thread ${t.threadId}, not the conversation's ${first.threadId} (turn ${first.turn})`);
      part ??= t.turn;
    }
  }
  if (pageAfterLast !== null) {
    const gone = turns.slice(0, -1).filter((t) => t.answer !== null && !shows(pageAfterLast, t.answer));
    if (gone.length > 0) {
      found.push(`after turn ${turns.length}, the page no longer shows the answer of turn ${gone.map((t) => t.turn).join(', ')}`);
      part ??= turns.length;
    }
  }
  if (found.length > 0) return { check: check('follow-up', 'fail', 'persistence', SAME_THREAD, found.join('; ')), part };
  return { check: check('follow-up', 'pass', 'persistence', SAME_THREAD, `${turns.length} turns in thread ${first?.threadId ?? '(no thread id)'}; earlier answers still shown`), part: null };
}

const OWN_RUNS = 'each turn its own run: no run id shared between turns, no turn receiving another turn\'s events again';

/** Each turn gets its own run, and only it: a replayed earlier run, or one run's events sent to two turns, fails. */
export function turnRunsCheck(turns: readonly TurnTrace[]): TurnsCheck {
  const found: string[] = [];
  const where: string[] = [];
  let part: number | null = null;
  for (const t of turns) {
    for (const other of turns) {
      if (other === t || other.runId === null) continue;
      if (other.turn < t.turn && t.runId === other.runId) {
        found.push(`turn ${t.turn}'s run is turn ${other.turn}'s (run ${other.runId})`);
        part ??= t.turn;
        continue;
      }
      const replayed = t.runId !== other.runId ? t.events.filter((e) => e.runId === other.runId) : [];
      if (replayed.length > 0) {
        found.push(`turn ${t.turn} received turn ${other.turn}'s events (run ${other.runId}, ${replayed.map((e) => e.type).filter((x, i, all) => all.indexOf(x) === i).join(', ')})`);
        where.push(`turn ${t.turn}: ${describeFrames(replayed)}`);
        part ??= t.turn;
      }
    }
  }
  if (found.length > 0) return { check: check('turn-runs', 'fail', 'isolation', OWN_RUNS, found.join('; '), where.length > 0 ? where.join('; ') : undefined), part };
  return { check: check('turn-runs', 'pass', 'isolation', OWN_RUNS, `${turns.length} turns, ${new Set(turns.map((t) => t.runId)).size} runs`), part: null };
}

/** What the probe saw when it came back to the conversation. */
export interface ReloadEvidence {
  /** How it got back: the page's own URL, a click in the conversation list; null when it never did. */
  returnedBy: 'url' | 'list' | null;
  /** The page's visible text once back (null: it could not be read). */
  page: string | null;
  /** The thread's history as the backend stores it (the profile's REST history), when asked: its messages' texts, or why it could not be read. */
  stored?: { texts: string[] } | { error: string };
}

const KEPT = "the conversation again after a reload: every turn's message and answer visible";

/** The conversation survives a reload: each turn's message and answer visible again; with the stored history, saved vs shown. */
export function persistedCheck(turns: readonly TurnTrace[], reload: ReloadEvidence): TurnsCheck {
  const last = turns.at(-1)?.turn ?? null;
  if (reload.returnedBy === null || reload.page === null) {
    const why = reload.page === null ? 'the page could not be read after the reload' : 'neither the page\'s URL nor the conversation list led back to it';
    return { check: check('persisted', 'fail', 'persistence', KEPT, `${why}${storedNote(turns, reload)}`), part: last };
  }
  const page = reload.page;
  const missing: string[] = [];
  for (const t of turns) {
    if (!page.includes(t.nonce)) missing.push(`turn ${t.turn}'s message`);
    if (t.answer !== null && !shows(page, t.answer)) missing.push(`turn ${t.turn}'s answer`);
  }
  const via = reload.returnedBy === 'url' ? 'by the page\'s URL' : 'through the conversation list';
  if (missing.length > 0) return { check: check('persisted', 'fail', 'persistence', KEPT, `back ${via}, the page does not show ${missing.join(', ')}${storedNote(turns, reload)}`), part: last };
  return { check: check('persisted', 'pass', 'persistence', KEPT, `back ${via}: ${turns.length} message(s) and answer(s) shown${storedNote(turns, reload)}`), part: null };
}

/** What the backend stored, when it was asked: `saved but not shown` and `not saved` are told apart. */
function storedNote(turns: readonly TurnTrace[], reload: ReloadEvidence): string {
  const stored = reload.stored;
  if (stored === undefined) return '';
  if ('error' in stored) return `; the stored history could not be read (${stored.error})`;
  const all = stored.texts.join(' ');
  const lost = turns.filter((t) => t.answer !== null && !shows(all, t.answer)).map((t) => t.turn);
  if (lost.length === 0) return '; the backend stores every answer (saved)';
  return `; the backend's history lacks the answer of turn ${lost.join(', ')} (not saved)`;
}

// The run as a reader follows it: one row per frame, in ms since the send, with the direction, the socket,
// what the frame was (the agent event it normalized to, or its raw type) and a short payload. Socket closes
// are rows too, with the close code by name. A long run of rows of one kind (a flood of streamed thinking,
// heartbeats) keeps its first and last rows and folds the rest into one row that says how many, so that
// result.json and summary.md stay small; frames.ndjson keeps every frame.

import type { Logged } from '../contract/frame-log';
import type { FrameRecord, SocketRecord } from '../contract/types';
import { closeCodeName } from '../contract/close-codes';

export interface TimelineRow {
  /** ms since the send (negative before it), or since the start when the probe never sent. */
  ms: number;
  dir: 'in' | 'out' | 'close';
  socket: number;
  type: string;
  payload: string;
}

const PAYLOAD_CHARS = 100;
/** A run of more rows than this of one kind (direction, socket, what the frame was) in a row is folded. */
export const FOLD_AFTER = 10;

/** A row as it arrived: its time on the probe's clock, not yet relative to the send. */
interface RawRow {
  t: number;
  dir: 'in' | 'out';
  socket: number;
  type: string;
  payload: string;
}

/** A run of alike rows under way: its first FOLD_AFTER + 1 rows, and then only its last two and a count. */
interface Pending {
  key: string;
  rows: RawRow[];
  count: number;
  beforeLast?: RawRow;
  last?: RawRow;
}

type Built = { row: RawRow } | { folded: { first: RawRow; count: number; from: number; to: number } };

/**
 * Builds the timeline frame by frame as frames arrive, folding as it goes: it never holds more than
 * FOLD_AFTER + 3 rows of a run, however long the run. Two rows are alike when they travelled the same
 * way on the same socket and were the same thing: for agent events, the same type, agent, run, thread and
 * user, so that a foreign event inside a flood of the run's own keeps its row.
 */
export class TimelineBuilder {
  private readonly built: Built[] = [];
  private pending: Pending | null = null;

  /** `logged`: what the frame was (FrameLog.add). */
  add(frame: FrameRecord, { label, event }: Logged): void {
    const identity = event ? `${event.runId ?? ''} ${event.threadId ?? ''} ${event.userId ?? ''}` : '';
    const row: RawRow = { t: frame.t, dir: frame.dir, socket: frame.socket, type: label, payload: short(frame.payload) };
    const key = `${frame.dir} ${frame.socket} ${label} ${identity}`;
    if (this.pending?.key !== key) {
      this.flush();
      this.pending = { key, rows: [], count: 0 };
    }
    const run = this.pending!;
    run.count += 1;
    if (run.rows.length <= FOLD_AFTER && run.last === undefined) run.rows.push(row);
    else {
      run.beforeLast = run.last ?? run.rows[run.rows.length - 1];
      run.last = row;
    }
  }

  /** The rows in ms since `sentAt` (since the start when null), socket closes among them. */
  rows(sockets: SocketRecord[], sentAt: number | null): TimelineRow[] {
    this.flush();
    const origin = sentAt ?? 0;
    const rows: TimelineRow[] = this.built.map((b) => {
      if ('row' in b) {
        const { t, dir, socket, type, payload } = b.row;
        return { ms: round(t - origin), dir, socket, type, payload };
      }
      const { first, count, from, to } = b.folded;
      const span = `${round(from - origin)}..${round(to - origin)} ms`;
      return { ms: round(from - origin), dir: first.dir, socket: first.socket, type: `${first.type} ×${count} folded`, payload: `${count} more alike rows, ${span}; frames.ndjson has every frame` };
    });
    for (const s of sockets) {
      if (s.closedAt === undefined) continue;
      const code = s.closeCode === undefined ? 'closed' : `close ${s.closeCode} ${closeCodeName(s.closeCode)}`;
      rows.push({ ms: round(s.closedAt - origin), dir: 'close', socket: s.socket, type: code, payload: s.closeReason ?? '' });
    }
    // A stable sort: rows of one time keep their order of arrival.
    return rows.sort((a, b) => a.ms - b.ms);
  }

  private flush(): void {
    const run = this.pending;
    this.pending = null;
    if (run === null) return;
    if (run.count <= FOLD_AFTER) {
      for (const row of run.rows) this.built.push({ row });
      return;
    }
    const first = run.rows[0]!;
    const last = run.last ?? run.rows[run.rows.length - 1]!;
    const beforeLast = run.beforeLast ?? run.rows[run.rows.length - 2]!;
    this.built.push({ row: first }, { folded: { first, count: run.count - 2, from: run.rows[1]!.t, to: beforeLast.t } }, { row: last });
  }
}

function short(payload: string): string {
  const oneLine = payload.replace(/\s+/g, ' ');
  return oneLine.length > PAYLOAD_CHARS ? `${oneLine.slice(0, PAYLOAD_CHARS)}…` : oneLine;
}

function round(ms: number): number {
  return Math.round(ms);
}

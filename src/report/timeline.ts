// The run as a reader follows it: one row per frame, in ms since the send, with the direction, the socket,
// what the frame was (the agent event it normalized to, or its raw type) and a short payload. Socket closes
// are rows too, with the close code by name. A long run of rows of one kind (a flood of streamed thinking,
// heartbeats) keeps its first and last rows and folds the rest into one row that says how many, so that
// result.json and summary.md stay small; frames.ndjson keeps every frame.

import type { Contract } from '../contract/contract';
import { normalizeFrames } from '../contract/normalize';
import { isRecord, parseFrame } from '../contract/fields';
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
/** A run of more rows than this of one kind (direction, socket, type) in a row is folded. */
export const FOLD_AFTER = 10;

export function buildTimeline(frames: FrameRecord[], sockets: SocketRecord[], sentAt: number | null, contract: Contract): TimelineRow[] {
  const origin = sentAt ?? 0;
  const eventsByFrame = new Map(normalizeFrames(frames, contract).events.map((e) => [e.frame, e]));
  const rows: TimelineRow[] = frames.map((frame, index) => {
    const event = eventsByFrame.get(index);
    const label = event ? (event.agentName ? `${event.type} (${event.agentName})` : event.type) : rawType(frame);
    return { ms: round(frame.t - origin), dir: frame.dir, socket: frame.socket, type: label, payload: short(frame.payload) };
  });
  for (const s of sockets) {
    if (s.closedAt === undefined) continue;
    const code = s.closeCode === undefined ? 'closed' : `close ${s.closeCode} ${closeCodeName(s.closeCode)}`;
    rows.push({ ms: round(s.closedAt - origin), dir: 'close', socket: s.socket, type: code, payload: s.closeReason ?? '' });
  }
  return fold(rows.sort((a, b) => a.ms - b.ms));
}

/** Keeps the first and last row of every run of more than FOLD_AFTER alike rows; one row stands for the rest. */
export function fold(rows: TimelineRow[]): TimelineRow[] {
  const out: TimelineRow[] = [];
  const alike = (a: TimelineRow, b: TimelineRow) => a.dir === b.dir && a.socket === b.socket && a.type === b.type;
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && alike(rows[end]!, rows[start]!)) end++;
    const run = rows.slice(start, end);
    if (run.length > FOLD_AFTER) {
      const first = run[0]!;
      const folded = run.length - 2;
      out.push(first, { ...run[1]!, type: `${first.type} ×${folded} folded`, payload: `${folded} more alike rows, ${run[1]!.ms}..${run[run.length - 2]!.ms} ms; frames.ndjson has every frame` }, run[run.length - 1]!);
    } else {
      out.push(...run);
    }
    start = end;
  }
  return out;
}

function rawType(frame: FrameRecord): string {
  const parsed = parseFrame(frame);
  if (!parsed.ok) return frame.kind === 'binary' && frame.encoding === 'base64' ? 'binary' : 'malformed';
  const type = isRecord(parsed.value) ? parsed.value['type'] : undefined;
  return typeof type === 'string' ? type : 'untyped';
}

function short(payload: string): string {
  const oneLine = payload.replace(/\s+/g, ' ');
  return oneLine.length > PAYLOAD_CHARS ? `${oneLine.slice(0, PAYLOAD_CHARS)}…` : oneLine;
}

function round(ms: number): number {
  return Math.round(ms);
}

// The run as a reader follows it: one row per frame, in ms since the send, with the direction, the socket,
// what the frame was (the agent event it normalized to, or its raw type) and a short payload. Socket closes
// are rows too, with the close code by name.

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
  return rows.sort((a, b) => a.ms - b.ms);
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

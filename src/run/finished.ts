// When the probe may stop waiting for the run: its final agent_completed arrived, or the socket that carried
// the chat broke for good. Shared by the browser probe and the browserless protocol probe, so both stop on
// the same evidence.
//
// It is asked after every frame. Judging the whole run each time would cost O(frames) per frame, and a
// chatty run (streamed thinking, heartbeats) would pay O(frames²): 15 s of CPU for 3,000 frames (see
// `npm run bench`). So the watcher re-judges only when a new frame may change the answer: one that names
// the started or completed event (the run's anchor, its end). Socket closes are checked directly.

import type { Contract } from '../contract/contract';
import { judge } from '../contract/judge';
import type { Evidence } from '../contract/types';

/** Closes after which a client is expected to reconnect and the run to go on: Going Away, Service Restart. */
const RECONNECT_CLOSE_CODES = new Set([1001, 1012]);

export class FinishWatcher {
  private scanned = 0;
  private completedSeen = false;
  /** Sockets that received frames: the ones that carried the chat. */
  private readonly carriedChat = new Set<number>();
  /** Wire names that can make the run start or end: the canonical ones and their aliases. */
  private readonly needles: string[];

  constructor(private readonly contract: Contract) {
    const { started, completed } = contract.events;
    const aliases = Object.entries(contract.aliases).filter(([, canonical]) => canonical === started || canonical === completed);
    this.needles = [started, completed, ...aliases.map(([wire]) => wire)];
  }

  /** True once the run's final agent_completed was seen (not only a broken socket). */
  get completed(): boolean {
    return this.completedSeen;
  }

  finished(evidence: Evidence): boolean {
    let relevant = false;
    for (; this.scanned < evidence.frames.length; this.scanned++) {
      const frame = evidence.frames[this.scanned]!;
      if (frame.dir !== 'in') continue;
      this.carriedChat.add(frame.socket);
      if (this.needles.some((n) => frame.payload.includes(n))) relevant = true;
    }
    if (relevant && !this.completedSeen) this.completedSeen = judge(evidence, this.contract).timings.completeMs !== null;
    return this.completedSeen || chatSocketBroken(evidence, this.carriedChat);
  }
}

function chatSocketBroken({ sentAt, sockets }: Evidence, carriedChat: Set<number>): boolean {
  if (sentAt === null) return false;
  const brokeAfterSend = (s: (typeof sockets)[number]) =>
    s.closedAt !== undefined && s.closedAt >= sentAt && s.closeCode !== undefined && !RECONNECT_CLOSE_CODES.has(s.closeCode);
  // The socket that carried the chat (it received frames) closed for good after the send...
  if (sockets.some((s) => carriedChat.has(s.socket) && brokeAfterSend(s))) return true;
  // ...or no socket is left open and the last one did not close to be restarted.
  const last = sockets[sockets.length - 1];
  return !!last && sockets.every((s) => s.closedAt !== undefined) && brokeAfterSend(last);
}

// When the probe may stop waiting for the run: its final agent_completed arrived, or the socket that carried
// the chat broke for good. Shared by the browser probe and the browserless protocol probe, so both stop on
// the same evidence.
//
// It is asked after every frame. Judging the whole run each time would cost O(frames) per frame, and a
// chatty run (streamed thinking, heartbeats) would pay O(frames²): 15 s of CPU for 3,000 frames (see
// `npm run bench`). So the watcher re-judges only when a new agent event may change the answer: a started
// or completed event (the run's anchor, its end). Socket closes are checked directly.

import type { Contract } from '../contract/contract';
import { judge } from '../contract/judge';
import type { Evidence } from '../contract/types';

/** Closes after which a client is expected to reconnect and the run to go on: Going Away, Service Restart. */
const RECONNECT_CLOSE_CODES = new Set([1001, 1012]);

export class FinishWatcher {
  /** Events of the log already looked at. */
  private scanned = 0;
  private completedSeen = false;

  constructor(private readonly contract: Contract) {}

  /** True once the run's final agent_completed was seen (not only a broken socket). */
  get completed(): boolean {
    return this.completedSeen;
  }

  /** `evidence.log`: the frames logged so far (the probe keeps no other copy). */
  finished(evidence: Evidence): boolean {
    const log = evidence.log;
    if (log === undefined) throw new Error('the finish watcher reads the frame log, and the evidence has none');
    const { started, completed } = this.contract.events;
    let relevant = false;
    for (; this.scanned < log.events.length; this.scanned++) {
      const type = log.events[this.scanned]!.type;
      if (type === started || type === completed) relevant = true;
    }
    if (relevant && !this.completedSeen) this.completedSeen = judge(evidence, this.contract).timings.completeMs !== null;
    return this.completedSeen || chatSocketBroken(evidence, log.receivedBySocket);
  }
}

function chatSocketBroken({ sentAt, sockets }: Evidence, carriedChat: ReadonlyMap<number, number>): boolean {
  if (sentAt === null) return false;
  const brokeAfterSend = (s: (typeof sockets)[number]) =>
    s.closedAt !== undefined && s.closedAt >= sentAt && s.closeCode !== undefined && !RECONNECT_CLOSE_CODES.has(s.closeCode);
  // The socket that carried the chat (it received frames) closed for good after the send...
  if (sockets.some((s) => carriedChat.has(s.socket) && brokeAfterSend(s))) return true;
  // ...or no socket is left open and the last one did not close to be restarted.
  const last = sockets[sockets.length - 1];
  return !!last && sockets.every((s) => s.closedAt !== undefined) && brokeAfterSend(last);
}

// When the probe may stop waiting for the run: its final agent_completed arrived, or the chat's socket was
// cut off and the run did not go on on a new socket within RESUME_WAIT_MS. Shared by the browser probe and
// the browserless protocol probe, so both stop on the same evidence; what cuts a run off is the judge's own
// rule (contract/checks/transport.ts), so waiting and judging never disagree.
//
// It is asked after every turn of the event loop that brought frames. Judging the whole run each time would
// cost O(frames) per frame, and a chatty run (streamed thinking, heartbeats) would pay O(frames²): 15 s of CPU
// for 3,000 frames (see `npm run bench`). So the watcher re-judges only when a new agent event may change the
// answer: a started or completed event (the run's anchor, its end), and builds the evidence only then.
// Socket closes are checked directly.

import { agentEventTypes, type Contract } from '../contract/contract';
import { judge } from '../contract/judge';
import { chatSockets, cutOff } from '../contract/checks/transport';
import type { AgentEvent, Evidence, FrameEvidence, SocketRecord } from '../contract/types';

/**
 * After the chat's socket closed abnormally, how long the page may take to reconnect and the run to go on on
 * the new socket (a 1006 drop the client recovers from) before the probe stops waiting and judges it cut off.
 */
export const RESUME_WAIT_MS = 5_000;

export class FinishWatcher {
  /** Events of the log already looked at. */
  private scanned = 0;
  private completedSeen = false;
  /** The agent events received so far (whether the run went on after a close), and the sockets they came on. */
  private readonly agentEvents: AgentEvent[] = [];
  private readonly agentSockets = new Set<number>();
  private readonly agentTypes: Set<string>;

  constructor(
    private readonly contract: Contract,
    /** The frames logged so far (the probe keeps no other copy), and the sockets they came on: growing as they arrive. */
    private readonly log: FrameEvidence,
    private readonly sockets: readonly SocketRecord[],
  ) {
    this.agentTypes = agentEventTypes(contract);
  }

  /** True once the run's final agent_completed was seen (not only a broken socket). */
  get completed(): boolean {
    return this.completedSeen;
  }

  /**
   * `sentAt`: when the probe sent (null before); `evidence`: the whole evidence, built only to judge (it is
   * asked after every turn of the event loop that brought frames); `now`: on the frames' clock.
   */
  finished(sentAt: number | null, evidence: () => Evidence, now: number): boolean {
    const { started, completed } = this.contract.events;
    let relevant = false;
    for (; this.scanned < this.log.events.length; this.scanned++) {
      const event = this.log.events[this.scanned]!;
      if (this.agentTypes.has(event.type)) {
        this.agentEvents.push(event);
        this.agentSockets.add(event.socket);
      }
      if (event.type === started || event.type === completed) relevant = true;
    }
    if (relevant && !this.completedSeen) this.completedSeen = judge(evidence(), this.contract).timings.completeMs !== null;
    if (this.completedSeen || sentAt === null) return this.completedSeen;
    // Only a closed socket can cut the run off (cutOff looks at nothing else).
    if (!this.sockets.some((s) => s.closedAt !== undefined)) return false;
    const cut = cutOff(this.sockets, chatSockets(this.log, this.agentSockets, this.sockets), sentAt, this.agentEvents);
    return cut !== null && now - (cut.closedAt ?? now) >= RESUME_WAIT_MS;
  }
}

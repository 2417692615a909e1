// When the probe may stop waiting for the run: its final agent_completed arrived, or the chat's socket was
// cut off and the run did not go on on a new socket within RESUME_WAIT_MS. Shared by the browser probe and
// the browserless protocol probe, so both stop on the same evidence; what cuts a run off is the judge's own
// rule (contract/checks/transport.ts), so waiting and judging never disagree.
//
// It is asked after every frame. Judging the whole run each time would cost O(frames) per frame, and a
// chatty run (streamed thinking, heartbeats) would pay O(frames²): 15 s of CPU for 3,000 frames (see
// `npm run bench`). So the watcher re-judges only when a new agent event may change the answer: a started
// or completed event (the run's anchor, its end). Socket closes are checked directly.

import { agentEventTypes, type Contract } from '../contract/contract';
import { judge } from '../contract/judge';
import { chatSockets, cutOff } from '../contract/checks/transport';
import type { AgentEvent, Evidence } from '../contract/types';

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

  constructor(private readonly contract: Contract) {
    this.agentTypes = agentEventTypes(contract);
  }

  /** True once the run's final agent_completed was seen (not only a broken socket). */
  get completed(): boolean {
    return this.completedSeen;
  }

  /** `evidence.log`: the frames logged so far (the probe keeps no other copy); `now`: on the frames' clock. */
  finished(evidence: Evidence, now: number): boolean {
    const log = evidence.log;
    if (log === undefined) throw new Error('the finish watcher reads the frame log, and the evidence has none');
    const { started, completed } = this.contract.events;
    let relevant = false;
    for (; this.scanned < log.events.length; this.scanned++) {
      const event = log.events[this.scanned]!;
      if (this.agentTypes.has(event.type)) {
        this.agentEvents.push(event);
        this.agentSockets.add(event.socket);
      }
      if (event.type === started || event.type === completed) relevant = true;
    }
    if (relevant && !this.completedSeen) this.completedSeen = judge(evidence, this.contract).timings.completeMs !== null;
    if (this.completedSeen || evidence.sentAt === null) return this.completedSeen;
    const cut = cutOff(evidence.sockets, chatSockets(log, this.agentSockets, evidence.sockets), evidence.sentAt, this.agentEvents);
    return cut !== null && now - (cut.closedAt ?? now) >= RESUME_WAIT_MS;
  }
}

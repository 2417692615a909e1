// When the probe may stop waiting for the run: its final agent_completed arrived, or the socket that carried
// the chat broke for good. Shared by the browser probe and the browserless protocol probe, so both stop on
// the same evidence.

import type { Contract } from '../contract/contract';
import { judge } from '../contract/judge';
import type { Evidence } from '../contract/types';

/** Closes after which a client is expected to reconnect and the run to go on: Going Away, Service Restart. */
const RECONNECT_CLOSE_CODES = new Set([1001, 1012]);

export function runFinished(evidence: Evidence, contract: Contract): boolean {
  return judge(evidence, contract).timings.completeMs !== null || chatSocketBroken(evidence);
}

function chatSocketBroken({ sentAt, sockets, frames }: Evidence): boolean {
  if (sentAt === null) return false;
  const brokeAfterSend = (s: (typeof sockets)[number]) =>
    s.closedAt !== undefined && s.closedAt >= sentAt && s.closeCode !== undefined && !RECONNECT_CLOSE_CODES.has(s.closeCode);
  // The socket that carried the chat (it received frames) closed for good after the send...
  const carriedChat = new Set(frames.filter((f) => f.dir === 'in').map((f) => f.socket));
  if (sockets.some((s) => carriedChat.has(s.socket) && brokeAfterSend(s))) return true;
  // ...or no socket is left open and the last one did not close to be restarted.
  const last = sockets[sockets.length - 1];
  return !!last && sockets.every((s) => s.closedAt !== undefined) && brokeAfterSend(last);
}

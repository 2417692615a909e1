// The sockets of the page: a run cut off by a broken connection is a transport failure, not a timeout. The
// rule of what cuts a run off is here once: the judge uses it, and so does the probe to know when to stop
// waiting (run/finished.ts).
import { closeCodeName, RECONNECT_CLOSE_CODES } from '../close-codes';
import { check, since } from './check';
import type { Run } from '../attribution';
import type { AgentEvent, Check, FrameEvidence, SocketRecord } from '../types';

/** `1011 Internal Error`, or `no close code` when the page saw none. */
function codeWithName(code: number | undefined): string {
  return code === undefined ? 'no close code' : `${code} ${closeCodeName(code)}`;
}

const EXPECTED = 'the WebSocket stays up from the send to the final agent_completed (or the run goes on on a later socket)';

/**
 * The sockets that carry the chat: those that received agent events or sent the probe's message. Before any
 * did, every socket that received a frame (nothing yet tells the chat from a presence socket); before any
 * frame at all, every socket.
 */
export function chatSockets(log: FrameEvidence, agentSockets: Iterable<number>, sockets: readonly SocketRecord[]): Set<number> {
  const chat = new Set([...agentSockets, ...log.sent.map((f) => f.socket)]);
  if (chat.size > 0) return chat;
  return log.receivedBySocket.size > 0 ? new Set(log.receivedBySocket.keys()) : new Set(sockets.map((s) => s.socket));
}

/**
 * The close that cut the run off, if one did: a socket of the chat closed after the send, not to reconnect
 * (any code but 1001/1012, 1000 included: the run was unfinished), and none of the run's events came on a
 * socket opened after it. A 1006 drop that the page recovers from, the run going on on its new socket, is not one.
 */
export function cutOff(sockets: readonly SocketRecord[], chat: ReadonlySet<number>, sentAt: number, runEvents: readonly AgentEvent[]): SocketRecord | null {
  // Closes are few and events many: the events are looked at only for a close that may have cut the run.
  const closes = sockets.filter((s) => chat.has(s.socket) && s.closedAt !== undefined && s.closedAt >= sentAt && !RECONNECT_CLOSE_CODES.has(s.closeCode ?? 0));
  if (closes.length === 0) return null;
  const resumedAfter = (closedAt: number) => runEvents.some((e) => (sockets[e.socket]?.openedAt ?? -Infinity) >= closedAt);
  return closes.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0)).find((s) => !resumedAfter(s.closedAt ?? 0)) ?? null;
}

export function transportCheck(sockets: SocketRecord[], run: Run, chat: ReadonlySet<number>): Check {
  if (sockets.length === 0) return check('transport', 'fail', 'transport', EXPECTED, 'no WebSocket was opened');
  const { sentAt, final } = run;
  if (final !== null) {
    return check('transport', 'pass', 'transport', EXPECTED, `run completed on socket ${final.socket}`);
  }
  const cut = cutOff(sockets, chat, sentAt, run.events);
  if (cut !== null) {
    const unfinished = cut.closeCode === 1000 ? ' while the run was unfinished' : '';
    const reopened = sockets.some((s) => s.openedAt >= (cut.closedAt ?? 0)) ? '; the page opened a new socket, and the run did not go on there' : ', and the run never went on on a later socket';
    return check('transport', 'fail', 'transport', EXPECTED, `${describeClose(cut, sentAt)}${unfinished}${reopened}`, `socket ${cut.socket}`);
  }
  // A socket that died before the send (a 403 at the upgrade, 1003 for a bad subprotocol) left nothing to receive on.
  const alive = sockets.filter((s) => s.closedAt === undefined || s.closedAt >= sentAt);
  if (alive.length === 0) {
    const last = [...sockets].sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0))[0] as SocketRecord;
    return check('transport', 'fail', 'transport', EXPECTED, `no socket was open at the send: ${describeClose(last, sentAt)}`, `socket ${last.socket}`);
  }
  return check('transport', 'pass', 'transport', EXPECTED, `no abnormal close after the send (${alive.length} socket(s) open)`);
}

function describeClose(socket: SocketRecord, sentAt: number): string {
  const reason = socket.closeReason ? ` ("${socket.closeReason}")` : '';
  const error = socket.error ? ` after error: ${socket.error}` : '';
  return `socket ${socket.socket} closed ${codeWithName(socket.closeCode)}${reason} at ${since(socket.closedAt ?? 0, sentAt)}${error}`;
}

/** Closes the run survived by reconnecting, a planned restart (1012) included: not a failure, but worth a look. */
export function transportWarnings(sockets: SocketRecord[], run: Run): string[] {
  const { sentAt, final } = run;
  if (final === null) return [];
  return sockets
    .filter((s) => s.closedAt !== undefined && s.closedAt >= sentAt && s.closedAt < final.t)
    .map((s) => `${describeClose(s, sentAt)} during the run; the run completed on socket ${final.socket}`);
}

// The sockets of the page: a run cut off by a broken connection is a transport failure, not a timeout.
import { closeCodeName } from '../close-codes';
import { check, since } from './check';
import type { Run } from '../attribution';
import type { Check, SocketRecord } from '../types';

/** `1011 Internal Error`, or `no close code` when the page saw none. */
function codeWithName(code: number | undefined): string {
  return code === undefined ? 'no close code' : `${code} ${closeCodeName(code)}`;
}

// A server going away or restarting closes cleanly and the client reconnects; those codes are not faults.
const TOLERATED = new Set([1001, 1012]);
const EXPECTED = 'the WebSocket stays up from the send to the final agent_completed (or the run completes on a later socket)';

export function transportCheck(sockets: SocketRecord[], run: Run): Check {
  if (sockets.length === 0) return check('transport', 'fail', 'transport', EXPECTED, 'no WebSocket was opened');
  const { sentAt, final } = run;
  if (final !== null) {
    return check('transport', 'pass', 'transport', EXPECTED, `run completed on socket ${final.socket}`);
  }
  // The run never completed: any close after the send with a fault code (1000 too: the run was unfinished) cut it off.
  const faults = sockets.filter((s) => s.closedAt !== undefined && s.closedAt >= sentAt && !TOLERATED.has(s.closeCode ?? 0));
  const first = faults.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0))[0];
  if (first !== undefined) {
    const unfinished = first.closeCode === 1000 ? ' while the run was unfinished' : '';
    const seen = `${describeClose(first, sentAt)}${unfinished}, and the run never completed on a later socket`;
    return check('transport', 'fail', 'transport', EXPECTED, seen, `socket ${first.socket}`);
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

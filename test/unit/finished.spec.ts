// When the probe stops waiting: the finish watcher, fed the evidence frame by frame as the probe sees it.

import { expect, test } from '@playwright/test';
import { defaultContract } from '../../src/contract/contract';
import { FrameLog } from '../../src/contract/frame-log';
import type { Evidence, FramedEvidence } from '../../src/contract/types';
import { FinishWatcher, RESUME_WAIT_MS } from '../../src/run/finished';
import { buildEvidence, healthyRun, move, rename, SENT_AT } from './evidence-builders';

/** The frame counts at which the watcher said "finished", feeding it (and its log) one frame at a time. */
function finishedAt(evidence: FramedEvidence, contract = defaultContract): number[] {
  const log = new FrameLog(contract, evidence.nonce);
  const watcher = new FinishWatcher(contract, log, evidence.sockets);
  const seen: number[] = [];
  evidence.frames.forEach((frame, n) => {
    log.add(frame);
    if (watcher.finished(evidence.sentAt, () => ({ ...evidence, log }), frame.t)) seen.push(n + 1);
  });
  return seen;
}

/** The evidence with its frames logged, as the probe hands it to the watcher. */
const logged = (evidence: FramedEvidence): Evidence => ({ ...evidence, log: FrameLog.of(evidence.frames, defaultContract, evidence.nonce) });

/** A new watcher's answer on the whole of `evidence` at `now`. */
const finishedOn = (evidence: Evidence, now: number) => new FinishWatcher(defaultContract, evidence.log!, evidence.sockets).finished(evidence.sentAt, () => evidence, now);

test('finished exactly from the final agent_completed on', () => {
  const evidence = buildEvidence();
  const final = evidence.frames.findIndex((f) => f.payload.includes('agent_completed') && !f.payload.includes('agent_name')) + 1;
  expect(finishedAt(evidence)).toEqual(Array.from({ length: evidence.frames.length - final + 1 }, (_, i) => final + i));
});

test('never finished without the final agent_completed', () => {
  expect(finishedAt(buildEvidence(healthyRun().filter((e) => e.type !== 'agent_completed')))).toEqual([]);
});

test('a final agent_completed before agent_started ends the wait at once (the judge then reports the order)', () => {
  const evidence = buildEvidence(move(healthyRun(), 'agent_completed', 0));
  const final = evidence.frames.findIndex((f) => f.payload.includes('agent_completed')) + 1;
  expect(finishedAt(evidence)[0]).toBe(final);
});

test('a renamed dialect finishes through its aliases', () => {
  const contract = { ...defaultContract, aliases: { 'run.done': 'agent_completed', 'run.begin': 'agent_started' } };
  const evidence = buildEvidence(rename(rename(healthyRun(), 'agent_completed', 'run.done'), 'agent_started', 'run.begin'));
  expect(finishedAt(evidence, contract).length).toBeGreaterThan(0);
  expect(finishedAt(evidence)).toEqual([]);
});

test('the chat socket cut off after the send ends the wait once the run did not go on for RESUME_WAIT_MS; a restart (1012) never does', () => {
  const unfinished = buildEvidence(healthyRun().slice(0, 2));
  const closedAt = SENT_AT + 300;
  const closed = (code: number, ...later: Evidence['sockets']): Evidence =>
    logged({ ...unfinished, sockets: [{ ...unfinished.sockets[0]!, closedAt, closeCode: code }, ...later] });
  expect([1011, 1000, 1006].map((code) => [finishedOn(closed(code), closedAt + 100), finishedOn(closed(code), closedAt + RESUME_WAIT_MS)])).toEqual([
    [false, true],
    [false, true],
    [false, true],
  ]);
  const reopened = { socket: 1, url: 'wss://x/ws', openedAt: closedAt + 100 };
  expect(finishedOn(closed(1012, reopened), closedAt + 60_000)).toBe(false);
  expect(finishedOn(logged(unfinished), SENT_AT + 60_000)).toBe(false);
});

test('a 1006 drop after which the run goes on on a new socket is no cut: the wait goes on', () => {
  const run = healthyRun();
  const evidence = buildEvidence(run.slice(0, 3));
  const closedAt = SENT_AT + 300;
  // The rest of the run arrives on socket 1, opened after the drop.
  const rest = buildEvidence(run.slice(3, 4)).frames.map((f, i) => ({ ...f, socket: 1, t: closedAt + 200 + i }));
  const sockets = [{ ...evidence.sockets[0]!, closedAt, closeCode: 1006 }, { socket: 1, url: 'wss://x/ws', openedAt: closedAt + 100 }];
  const resumed = logged({ ...evidence, frames: [...evidence.frames, ...rest], sockets });
  expect(finishedOn(resumed, closedAt + RESUME_WAIT_MS * 2)).toBe(false);
});

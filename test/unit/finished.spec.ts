// When the probe stops waiting: the finish watcher, fed the evidence frame by frame as the probe sees it.

import { expect, test } from '@playwright/test';
import { defaultContract } from '../../src/contract/contract';
import { FrameLog } from '../../src/contract/frame-log';
import type { Evidence, FramedEvidence } from '../../src/contract/types';
import { FinishWatcher } from '../../src/run/finished';
import { buildEvidence, healthyRun, move, rename, SENT_AT } from './evidence-builders';

/** The frame counts at which the watcher said "finished", feeding it (and its log) one frame at a time. */
function finishedAt(evidence: FramedEvidence, contract = defaultContract): number[] {
  const watcher = new FinishWatcher(contract);
  const log = new FrameLog(contract, evidence.nonce);
  const seen: number[] = [];
  evidence.frames.forEach((frame, n) => {
    log.add(frame);
    if (watcher.finished({ ...evidence, log })) seen.push(n + 1);
  });
  return seen;
}

/** The evidence with its frames logged, as the probe hands it to the watcher. */
const logged = (evidence: FramedEvidence): Evidence => ({ ...evidence, log: FrameLog.of(evidence.frames, defaultContract, evidence.nonce) });

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

test('the chat socket closing after the send ends the wait; a restart (1012) does not', () => {
  const unfinished = buildEvidence(healthyRun().slice(0, 2));
  const closed = (code: number): Evidence => logged({ ...unfinished, sockets: [{ ...unfinished.sockets[0]!, closedAt: SENT_AT + 300, closeCode: code }] });
  expect(new FinishWatcher(defaultContract).finished(closed(1011))).toBe(true);
  expect(new FinishWatcher(defaultContract).finished(closed(1000))).toBe(true);
  expect(new FinishWatcher(defaultContract).finished({ ...closed(1012), sockets: [...closed(1012).sockets, { socket: 1, url: 'wss://x/ws', openedAt: SENT_AT + 400 }] })).toBe(false);
  expect(new FinishWatcher(defaultContract).finished(logged(unfinished))).toBe(false);
});

// `npm run bench`: the probe's speed and memory, measured here and never in timed tests.
//  1. judge: one verdict over runs of growing size (the judge runs after every frame while the probe waits,
//     so its cost per frame bounds how long a run the probe can follow).
//  2. waiting: the whole cost of following a run frame by frame, as the probe does (the finish watcher).
//  3. after-run: history + alert decision + metrics, hundreds of times in one process, as loop mode does:
//     heap and RSS must stay flat.
//  4. flood: the probe CLI and its floor, a plain Playwright listener (bench/plain-listener.mjs), in turns
//     against the reference staging's flood fault (100,000 agent_thinking frames at 20,000 a second, 200
//     bytes each): when each had the final completion, its largest own process, the CPU of its whole tree,
//     frames lost, the size of result.json (scripts/bench-flood.ts).
//  5. help: `golden-path-probe --help`, the cost of starting the CLI at all (scripts/bench-cost.ts).
//  6. cost: healthy runs of the probe CLI beside its peer, bench/peer.spec.ts (the same golden path as a team
//     would write it with Playwright Test, list + html + junit), in pairs, like with like (the reload on for
//     both, off for both, two turns for both), and what each of the probe's features costs, the probe beside
//     itself: wall and CPU time of each whole process tree, Chromium included (scripts/bench-cost.ts).
//  7. many at once: 10 probe CLIs at the same time against one reference staging (scripts/bench-cost.ts).
//  8. users: one probe run of 1, 3 and 10 sessions at once (PROBE_USERS): wall time against one session's,
//     and memory (scripts/bench-cost.ts).
// A variant of the probe is measured with BENCH_PROBE_ENV, a JSON object of variables added to its runs.
// `npm run bench -- cost help` runs only the sections named (judge, waiting, held, after-run, flood, help,
// cost, many, users).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultContract } from '../src/contract/contract';
import { judge } from '../src/contract/judge';
import { FrameLog } from '../src/contract/frame-log';
import type { FrameRecord, FramedEvidence } from '../src/contract/types';
import { decideAlert } from '../src/ops/alerts';
import { History, historyStats } from '../src/ops/history';
import { renderMetrics } from '../src/ops/metrics';
import type { RunResult } from '../src/report/result';
import { TimelineBuilder } from '../src/report/timeline';
import { FinishWatcher } from '../src/run/finished';
import { benchConcurrent, benchCost, benchHelp, benchUsers } from './bench-cost';
import { benchFlood } from './bench-flood';

const RUN = 'run-1';
const THREAD = 'thread-1';
const USER = 'user-1';

/** A healthy run padded with `noise` heartbeats and thinking events, as a long, chatty run would be. */
function evidenceOf(noise: number): FramedEvidence {
  const frames: FrameRecord[] = [];
  let t = 0;
  const push = (dir: 'in' | 'out', payload: object) => frames.push({ t: (t += 1), socket: 0, dir, kind: 'text', payload: JSON.stringify(payload) });
  const event = (type: string, data: object = {}, agent?: string) =>
    push('in', { type, run_id: RUN, thread_id: THREAD, user_id: USER, ...(agent ? { agent_name: agent } : {}), data });
  push('in', { type: 'connection_established', data: { user_id: USER } });
  push('out', { type: 'start_agent', payload: { user_request: 'hi [probe n0nce]', thread_id: THREAD } });
  event('agent_started', {}, 'supervisor');
  for (let i = 0; i < noise; i++) {
    if (i % 2) push('in', { type: 'heartbeat' });
    else event('agent_thinking', { thought: `step ${i}` }, 'supervisor');
  }
  event('tool_executing', { tool_name: 'lookup', call_id: 'c1' });
  event('tool_completed', { tool_name: 'lookup', call_id: 'c1' });
  event('agent_completed', { result: 'The answer.' });
  push('in', { type: 'agent_response', run_id: RUN, thread_id: THREAD, user_id: USER, payload: { content: 'The answer.' } });
  return {
    nonce: 'n0nce',
    message: 'hi [probe n0nce]',
    userId: USER,
    sentAt: 1.5,
    frames,
    sockets: [{ socket: 0, url: 'ws://127.0.0.1/ws', openedAt: 0 }],
    httpSends: [],
    page: { scope: 'the page', before: '', after: 'hi [probe n0nce] The answer.' },
    stepFailures: [],
    budgets: { firstEventWarnMs: 5000, firstEventMs: 15000, completeWarnMs: 30000, completeMs: 60000 },
  };
}

function time<T>(body: () => T, repeat: number): { ms: number; result: T } {
  const start = performance.now();
  let result!: T;
  for (let i = 0; i < repeat; i++) result = body();
  return { ms: (performance.now() - start) / repeat, result };
}

function benchJudge(): void {
  console.log('judge: one verdict');
  for (const noise of [10, 100, 1_000, 10_000]) {
    const evidence = evidenceOf(noise);
    const { ms, result } = time(() => judge(evidence), noise >= 10_000 ? 3 : 20);
    console.log(`  ${String(evidence.frames.length).padStart(6)} frames: ${ms.toFixed(2).padStart(8)} ms  (${result.status})`);
  }
}

function benchWaiting(): void {
  console.log('waiting: each frame logged and the finish watcher asked, over a whole run');
  for (const noise of [100, 1_000, 10_000]) {
    const full = evidenceOf(noise);
    const log = new FrameLog(defaultContract, full.nonce);
    const watcher = new FinishWatcher(defaultContract, log, full.sockets);
    const start = performance.now();
    let finishedAt = -1;
    for (let n = 0; n < full.frames.length && finishedAt < 0; n++) {
      log.add(full.frames[n]!);
      if (watcher.finished(full.sentAt, () => ({ ...full, log }), full.frames[n]!.t)) finishedAt = n + 1;
    }
    const ms = performance.now() - start;
    console.log(`  ${String(full.frames.length).padStart(6)} frames: ${ms.toFixed(0).padStart(8)} ms in all, ${(ms / full.frames.length).toFixed(3)} ms a frame (finished at frame ${finishedAt})`);
  }
}

/** What the probe itself holds for a run (frame log and timeline), by run size: it must stay nearly flat. */
function benchLogMemory(): void {
  console.log('held: the frame log and the timeline the probe keeps while frames arrive (heap retained, after GC)');
  const retained = (count: number) => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const log = new FrameLog(defaultContract, 'n0nce');
    const timeline = new TimelineBuilder();
    for (let i = 0; i < count; i++) {
      const frame: FrameRecord = {
        t: i,
        socket: 0,
        dir: 'in',
        kind: 'text',
        payload: JSON.stringify({ type: 'agent_thinking', run_id: RUN, thread_id: THREAD, user_id: USER, agent_name: 'data_agent', data: { thought: 'x'.repeat(120), step: i } }),
      };
      timeline.add(frame, log.add(frame));
    }
    global.gc?.();
    const held = process.memoryUsage().heapUsed - before;
    return { held, keep: [log, timeline] };
  };
  for (const count of [1_000, 100_000]) console.log(`  ${String(count).padStart(7)} frames: ${(retained(count).held / 1024 / 1024).toFixed(1).padStart(6)} MB`);
}

async function benchAfterRun(): Promise<void> {
  const runs = 500;
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-bench-'));
  const evidence = evidenceOf(20);
  const verdict = judge(evidence);
  const result: RunResult = {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 2000,
    target: { embedded: false, profile: 'generic', appUrl: 'http://127.0.0.1:1', apiUrl: 'http://127.0.0.1:1', authUrl: 'http://127.0.0.1:1', login: 'form' },
    message: evidence.message,
    nonce: evidence.nonce,
    userId: USER,
    sentAt: evidence.sentAt,
    verdict,
    steps: [],
    waits: [],
    sockets: evidence.sockets,
    timeline: [],
  };
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const sample = () => {
    global.gc?.();
    return process.memoryUsage();
  };
  console.log(`after-run: history + alert decision + metrics, ${runs} runs in one process${global.gc ? '' : ' (run with node --expose-gc for exact heap figures)'}`);
  const before = sample();
  let midHeap = 0;
  const start = performance.now();
  for (let i = 1; i <= runs; i++) {
    const history = await History.open(join(dir, 'history.db'));
    await history.record(result, dir);
    decideAlert(await history.last(200), await history.lastAlert(), { after: 3, remindEveryMs: 3_600_000 }, new Date());
    renderMetrics(result, historyStats(await history.since(Date.now() - 86_400_000)));
    await history.close();
    if (i === runs / 2) midHeap = sample().heapUsed;
  }
  const after = sample();
  console.log(`  ${((performance.now() - start) / runs).toFixed(2)} ms a run`);
  console.log(`  heap: ${mb(before.heapUsed)} MB before, ${mb(midHeap)} MB at run ${runs / 2}, ${mb(after.heapUsed)} MB at run ${runs}; rss ${mb(before.rss)} -> ${mb(after.rss)} MB`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const sections: Array<[string, () => void | Promise<void>]> = [
    ['judge', benchJudge],
    ['waiting', benchWaiting],
    ['held', benchLogMemory],
    ['after-run', benchAfterRun],
    ['flood', () => benchFlood()],
    ['help', () => benchHelp()],
    ['cost', () => benchCost()],
    ['many', () => benchConcurrent()],
    ['users', () => benchUsers()],
  ];
  for (const [name, section] of sections) if (only.length === 0 || only.includes(name)) await section();
}

void main();

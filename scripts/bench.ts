// `npm run bench`: the probe's speed and memory, measured here and never in timed tests.
//  1. judge: one verdict over runs of growing size (the judge runs after every frame while the probe waits,
//     so its cost per frame bounds how long a run the probe can follow).
//  2. waiting: the whole cost of following a run frame by frame, as the probe does (the finish watcher).
//  3. after-run: history + alert decision + metrics, hundreds of times in one process, as loop mode does:
//     heap and RSS must stay flat.
//  4. flood: the probe CLI against the reference staging's flood fault (100,000 agent_thinking frames at
//     20,000 a second, 200 bytes each): frames lost, the largest of the probe's own processes (not
//     Chromium's), the size of result.json and summary.md, and the completion time it reports.
//  5. help: `golden-path-probe --help`, the cost of starting the CLI at all (scripts/bench-cost.ts).
//  6. cost: healthy runs of the probe CLI beside its peer, bench/peer.mjs (the same golden path as a bare
//     Playwright script), in pairs: wall and CPU time of each whole process tree, Chromium included, and
//     the median ratio beside its goal (scripts/bench-cost.ts).
//  7. many at once: 10 probe CLIs at the same time against one reference staging (scripts/bench-cost.ts).
//  8. users: one probe run of 1, 3 and 10 sessions at once (PROBE_USERS): wall time against one session's,
//     and memory (scripts/bench-cost.ts).
// `npm run bench -- cost help` runs only the sections named (judge, waiting, held, after-run, flood, help,
// cost, many, users).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
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
import { REFERENCE_CREDENTIALS, startReference } from '../reference/server';
import { benchConcurrent, benchCost, benchHelp, benchUsers, treeRss } from './bench-cost';

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
    const watcher = new FinishWatcher(defaultContract);
    const log = new FrameLog(defaultContract, full.nonce);
    const start = performance.now();
    let finishedAt = -1;
    for (let n = 0; n < full.frames.length && finishedAt < 0; n++) {
      log.add(full.frames[n]!);
      if (watcher.finished({ ...full, log }, full.frames[n]!.t)) finishedAt = n + 1;
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

async function benchFlood(count = 100_000, perSecond = 20_000, bytes = 200): Promise<void> {
  console.log(`flood: the probe CLI against ${count} agent_thinking frames at ${perSecond} a second, ~${bytes} bytes each`);
  const reference = await startReference({ speed: 1 });
  reference.setFault('flood', { flood: { count, perSecond, bytes } });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-flood-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROBE_APP_URL: reference.appUrl,
    PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
    PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
    PROBE_REPORT_DIR: join(dir, 'reports'),
    PROBE_HISTORY_DB: 'off',
  };
  const started = performance.now();
  const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'golden-path-probe.js'), 'run'], { env, stdio: 'ignore' });
  let largest = 0;
  const sampler = setInterval(() => (largest = Math.max(largest, ...treeRss(child.pid!).probe)), 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  const wallMs = performance.now() - started;
  await reference.close();
  const runDir = join(dir, 'reports', 'latest');
  const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
  const thinking = result.verdict.events.find((e) => e.type === 'agent_thinking')?.count ?? 0;
  const kb = (file: string) => statSync(join(runDir, file)).size / 1024;
  const floodMs = (count / perSecond) * 1000;
  // The browser's receipt of the last frame (frames.ndjson carries browser times) to result.json on disk.
  const lines = readFileSync(join(runDir, 'frames.ndjson'), 'utf8').trimEnd().split('\n');
  const lastIn = lines.map((l) => JSON.parse(l) as FrameRecord).filter((f) => f.dir === 'in').reduce((a, f) => Math.max(a, f.t), 0);
  const readyMs = statSync(join(runDir, 'result.json')).mtimeMs - Date.parse(result.startedAt) - lastIn;
  const rows: Array<[string, string, string]> = [
    ['verdict', `${result.verdict.status} (exit ${code})`, 'pass'],
    ['frames lost', String(count + 2 - thinking), '0'],
    ['largest probe process (RSS)', `${(largest / 1024 / 1024).toFixed(0)} MB`, '<= 200 MB'],
    ['result.json / summary.md', `${kb('result.json').toFixed(0)} KB / ${kb('summary.md').toFixed(0)} KB`, 'result.json < 1 MB'],
    ['final completion reported', `${((result.verdict.timings.completeMs ?? NaN) / 1000).toFixed(1)} s after the send (the flood alone takes ${(floodMs / 1000).toFixed(1)} s)`, '<= 6.5 s'],
    [
      'verdict ready after last frame',
      `${(readyMs / 1000).toFixed(1)} s after the browser received it (the probe listens PROBE_FINAL_GRACE_MS, 1 s, after the final)`,
      '<= 1 s beyond that window',
    ],
    ['wall time of the run', `${(wallMs / 1000).toFixed(1)} s`, ''],
  ];
  for (const [what, seen, goal] of rows) console.log(`  ${what.padEnd(30)} ${seen.padEnd(60)} ${goal ? `goal: ${goal}` : ''}`);
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

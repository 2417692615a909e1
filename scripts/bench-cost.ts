// The probe's own cost, for `npm run bench` (scripts/bench.ts): a healthy run of the probe CLI beside its peer
// (bench/peer.mjs, the same golden path as a bare Playwright script), `--help`, and many probes at once.
//
// Wall and CPU time are those of a whole process tree, Chromium included, for the probe and the peer alike.
// A parent's cutime/cstime misses Chromium: its zygotes outlive the browser process and are reparented to
// init, so their time is never added to any ancestor. Each command therefore runs under a small python3
// wrapper that makes itself the child subreaper (PR_SET_CHILD_SUBREAPER), reaps every descendant and
// reports getrusage(RUSAGE_CHILDREN): exact. Without python3 the tree is sampled from /proc every 50 ms
// (the last slice of each process is missed) and the table says so.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findBrowser } from '../src/browser/resolve';
import type { RunResult } from '../src/report/result';
import { REFERENCE_CREDENTIALS, startReference, type ReferenceServer } from '../reference/server';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'golden-path-probe.js');
const PEER = join(ROOT, 'bench', 'peer.mjs');
/** A healthy run takes seconds; this only stops a hung one. */
const RUN_LIMIT_MS = 120_000;

/** Runs argv[1:], reaps every descendant (orphans included), writes {wallMs, cpuMs} to fd 3. */
const REAPER = `
import ctypes, json, os, resource, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
start = time.monotonic()
pid = os.fork()
if pid == 0:
    os.close(3)
    os.execvp(sys.argv[1], sys.argv[1:])
wall, code = None, None
while True:
    try:
        p, status = os.wait()
    except ChildProcessError:
        break
    if p == pid:
        wall, code = time.monotonic() - start, os.waitstatus_to_exitcode(status)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(3, json.dumps({"wallMs": wall * 1000, "cpuMs": (ru.ru_utime + ru.ru_stime) * 1000, "code": code}).encode())
`;

export interface Measured {
  wallMs: number;
  cpuMs: number;
  code: number | null;
  stdout: string;
}

let cpuMethod: 'subreaper' | 'sampled' | undefined;
function method(): 'subreaper' | 'sampled' {
  cpuMethod ??= spawnSync('python3', ['-c', 'import ctypes, resource'], { stdio: 'ignore' }).status === 0 ? 'subreaper' : 'sampled';
  return cpuMethod;
}

/** Runs one command to its end and measures its whole process tree. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return method() === 'subreaper' ? measureReaped(command, args, env) : measureSampled(command, args, env);
}

function measureReaped(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', REAPER, command, ...args], { env, stdio: ['ignore', 'pipe', 'ignore', 'pipe'] });
    let stdout = '';
    let report = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdio[3]!.on('data', (d: Buffer) => (report += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(report) as { wallMs: number; cpuMs: number; code: number | null };
        resolve({ ...r, stdout });
      } catch {
        reject(new Error(`${command} ${args.join(' ')}: the measuring wrapper reported nothing (killed after ${RUN_LIMIT_MS} ms?)`));
      }
    });
  });
}

/** utime+stime (ms) and parent of every live process, by pid. */
function processTable(): Map<number, { ppid: number; start: string; cpuMs: number }> {
  const ticks = 100; // USER_HZ on Linux
  const table = new Map<number, { ppid: number; start: string; cpuMs: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(d), { ppid: Number(f[1]), start: f[19]!, cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / ticks });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function measureSampled(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // A process stays counted once seen below the root, also after its parent died (pid + start time).
    const members = new Map<string, number>();
    const memberPids = new Set<number>([child.pid!]);
    const sample = () => {
      const table = processTable();
      for (let grew = true; grew; ) {
        grew = false;
        for (const [pid, p] of table)
          if (!memberPids.has(pid) && memberPids.has(p.ppid)) {
            memberPids.add(pid);
            grew = true;
          }
      }
      for (const pid of memberPids) {
        const p = table.get(pid);
        if (p) members.set(`${pid}/${p.start}`, p.cpuMs);
      }
    };
    const sampler = setInterval(sample, 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(timer);
      resolve({ wallMs, cpuMs: [...members.values()].reduce((a, b) => a + b, 0), code, stdout });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spread = (xs: number[]) => `${sec(Math.min(...xs))}..${sec(Math.max(...xs))}`;

/** The variables of a probe CLI run against `reference`, reports in a folder of its own. */
function probeEnv(reference: ReferenceServer, reportDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROBE_APP_URL: reference.appUrl,
    PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
    PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
    PROBE_REPORT_DIR: reportDir,
    PROBE_HISTORY_DB: 'off',
    ...extra,
  };
}

/** The verdict the run wrote (reports/latest/result.json), or why there is none. */
function verdictOf(reportDir: string): string {
  try {
    return (JSON.parse(readFileSync(join(reportDir, 'latest', 'result.json'), 'utf8')) as RunResult).verdict.status;
  } catch {
    return 'no result.json';
  }
}

/**
 * `pairs` healthy runs of the probe CLI and of the peer against one reference staging, one after the other
 * (the order alternates from pair to pair, so that a drift of the machine's load favours neither). A failing
 * run is reported and left out of the figures, never counted as a fast one.
 */
export async function benchCost(pairs = 5): Promise<void> {
  const browser = findBrowser(process.env.PROBE_BROWSER_PATH);
  if ('error' in browser) throw new Error(browser.error);
  const reference = await startReference({ speed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-cost-'));
  const peerEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PEER_APP_URL: reference.appUrl,
    PEER_USERNAME: REFERENCE_CREDENTIALS.username,
    PEER_PASSWORD: REFERENCE_CREDENTIALS.password,
    PEER_BROWSER_PATH: browser.executablePath ?? '',
    PEER_BROWSER_ARGS: JSON.stringify(browser.args),
  };
  console.log(`cost: the probe CLI (\`run\`) and its peer (bench/peer.mjs), ${pairs} pairs against one reference staging; whole process trees, Chromium included (CPU: ${method()})`);
  const kept: Array<{ probe: Measured; peer: Measured }> = [];
  const failures: string[] = [];
  try {
    for (let i = 1; i <= pairs; i++) {
      const reportDir = join(dir, `probe-${i}`);
      const runProbe = () => measure(process.execPath, [CLI, 'run'], probeEnv(reference, reportDir));
      const runPeer = () => measure(process.execPath, [PEER], peerEnv);
      let probe: Measured;
      let peer: Measured;
      if (i % 2) {
        probe = await runProbe();
        peer = await runPeer();
      } else {
        peer = await runPeer();
        probe = await runProbe();
      }
      const verdict = verdictOf(reportDir);
      const peerOk = peer.code === 0 && /"ok":true/.test(peer.stdout);
      console.log(`  pair ${i}: probe ${sec(probe.wallMs)} wall, ${sec(probe.cpuMs)} CPU (${verdict}, exit ${probe.code}); peer ${sec(peer.wallMs)} wall, ${sec(peer.cpuMs)} CPU (${peerOk ? 'ok' : `FAILED: ${peer.stdout.trim()}`})`);
      if (verdict !== 'pass') failures.push(`pair ${i}: the probe's verdict was ${verdict} (exit ${probe.code})`);
      else if (!peerOk) failures.push(`pair ${i}: the peer failed`);
      else kept.push({ probe, peer });
    }
  } finally {
    await reference.close();
  }
  if (kept.length === 0) {
    console.log(`  no pair to compare: ${failures.join('; ')}`);
    return;
  }
  const rows: Array<[string, string, string, string, string]> = [['figure', 'the probe (median)', 'the peer (median)', 'ratio (median of pairs)', 'goal']];
  for (const [figure, key, goal] of [
    ['wall time', 'wallMs', 1.2],
    ['CPU time', 'cpuMs', 1.5],
  ] as const) {
    const probe = kept.map((p) => p.probe[key]);
    const peer = kept.map((p) => p.peer[key]);
    const ratio = median(kept.map((p) => p.probe[key] / p.peer[key]));
    rows.push([figure, `${sec(median(probe))} (${spread(probe)})`, `${sec(median(peer))} (${spread(peer)})`, `${ratio.toFixed(2)}x`, `<= ${goal}x ${ratio <= goal ? 'met' : 'NOT met'}`]);
  }
  printTable(rows);
  console.log(`  ${kept.length} of ${pairs} pairs counted${failures.length ? `; left out: ${failures.join('; ')}` : ''}`);
}

/** `golden-path-probe --help`: the cost of starting the CLI at all. */
export async function benchHelp(runs = 5, goalMs = 300): Promise<void> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const m = await measure(process.execPath, [CLI, '--help'], { PATH: process.env.PATH, HOME: process.env.HOME });
    if (m.code !== 0) throw new Error(`--help exited ${m.code}`);
    walls.push(m.wallMs);
    cpus.push(m.cpuMs);
  }
  const wall = median(walls);
  console.log(`help: \`golden-path-probe --help\`, median of ${runs}`);
  printTable([
    ['figure', 'now', 'goal'],
    ['wall time', `${sec(wall)} (${spread(walls)})`, `< ${sec(goalMs)} ${wall < goalMs ? 'met' : 'NOT met'} (issue 9 measured 0.75 s)`],
    ['CPU time', `${sec(median(cpus))} (${spread(cpus)})`, ''],
  ]);
}

/**
 * `n` probe CLIs at once against one reference staging. Each logs in as a user of its own (the e2e bypass
 * with its own email): runs of one user share that user's sockets, and a probe rightly calls the other
 * runs' events on its page an isolation failure.
 */
export async function benchConcurrent(n = 10): Promise<void> {
  const reference = await startReference({ speed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-many-'));
  console.log(`many at once: ${n} probe CLIs started together against one reference staging (${n} users, e2e bypass login)`);
  const started = performance.now();
  let outcomes: Array<{ wallMs: number; verdict: string; code: number | null }>;
  try {
    outcomes = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const reportDir = join(dir, `probe-${i + 1}`);
        const env = probeEnv(reference, reportDir, {
          PROBE_LOGIN: 'e2e-bypass',
          PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
          PROBE_E2E_EMAIL: `probe-${i + 1}@reference.test`,
        });
        const t = performance.now();
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'run'], { env, stdio: 'ignore' });
          const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
          child.on('exit', (c) => {
            clearTimeout(timer);
            resolve(c);
          });
        });
        return { wallMs: performance.now() - t, verdict: verdictOf(reportDir), code };
      }),
    );
  } finally {
    await reference.close();
  }
  const totalMs = performance.now() - started;
  const passed = outcomes.filter((o) => o.verdict === 'pass').length;
  const others = outcomes.map((o, i) => ({ ...o, i: i + 1 })).filter((o) => o.verdict !== 'pass');
  const slowest = Math.max(...outcomes.map((o) => o.wallMs));
  printTable([
    ['figure', 'now', 'goal'],
    ['verdict pass', `${passed} of ${n}${others.length ? ` (${others.map((o) => `#${o.i} ${o.verdict}, exit ${o.code}`).join('; ')})` : ''}`, `${n} of ${n} ${passed === n ? 'met' : 'NOT met'}`],
    ['total wall time', sec(totalMs), ''],
    ['slowest run (wall)', sec(slowest), ''],
  ]);
}

/**
 * Resident memory (bytes) of the live processes below `root`: each of the probe's own (Node) processes, and
 * Chromium's summed (an upper bound: its processes share pages, counted once each here).
 */
export function treeRss(root: number): { probe: number[]; chromium: number } {
  const parentOf = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parentOf.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): boolean => pid === root || (parentOf.has(pid) && pid !== 1 && below(parentOf.get(pid)!));
  const probe: number[] = [];
  let chromium = 0;
  for (const pid of parentOf.keys()) {
    if (!below(pid)) continue;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!rss) continue;
      if (/chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) chromium += Number(rss[1]) * 1024;
      else probe.push(Number(rss[1]) * 1024);
    } catch {
      // gone meanwhile
    }
  }
  return { probe, chromium };
}

/**
 * One probe run of 1, 3 and 10 sessions (PROBE_USERS, e2e bypass: one user a session) against the reference
 * staging at its realistic speed: the verdict, wall time, the largest probe process and Chromium's memory.
 * Goal (issue 10): 10 sessions pass within 3x the wall time of one.
 */
export async function benchUsers(counts = [1, 3, 10]): Promise<void> {
  const reference = await startReference({ speed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-users-'));
  console.log(`users: one probe run of ${counts.join(', ')} sessions at once (one browser, a context and a user each)`);
  const rows: string[][] = [['sessions', 'verdict', 'wall', 'largest probe process', 'Chromium (sum of its processes)', 'sends within']];
  let oneMs = NaN;
  try {
    for (const n of counts) {
      const reportDir = join(dir, `users-${n}`);
      const env = probeEnv(reference, reportDir, { PROBE_LOGIN: 'e2e-bypass', PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey, PROBE_USERS: String(n) });
      const started = performance.now();
      const child = spawn(process.execPath, [CLI, 'run'], { env, stdio: 'ignore' });
      let probeMax = 0;
      let chromiumMax = 0;
      const sampler = setInterval(() => {
        const rss = treeRss(child.pid!);
        probeMax = Math.max(probeMax, ...rss.probe);
        chromiumMax = Math.max(chromiumMax, rss.chromium);
      }, 100);
      const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
      await new Promise<void>((resolve) => child.on('exit', () => resolve()));
      clearInterval(sampler);
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (n === 1) oneMs = wallMs;
      let spreadMs = '';
      try {
        const r = JSON.parse(readFileSync(join(reportDir, 'latest', 'result.json'), 'utf8')) as RunResult;
        spreadMs = r.sendSpreadMs === undefined ? '' : `${r.sendSpreadMs} ms`;
      } catch {
        // verdictOf says why
      }
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
      rows.push([String(n), verdictOf(reportDir), `${sec(wallMs)}${n > 1 ? ` (${(wallMs / oneMs).toFixed(2)}x one)` : ''}`, mb(probeMax), mb(chromiumMax), spreadMs]);
    }
  } finally {
    await reference.close();
  }
  printTable(rows);
  console.log('  goal: every verdict pass; 10 sessions within 3x the wall time of one');
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
}

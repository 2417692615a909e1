// What the bench's sections share (scripts/bench*.ts): running a command and measuring its whole process tree,
// the resident memory of a tree, the variables of a probe run and of a peer against the reference staging, and
// printing a table.
//
// Wall and CPU time are those of a whole process tree, Chromium included, for the probe and the peer alike.
// A parent's cutime/cstime misses Chromium: its zygotes outlive the browser process and are reparented to
// init, so their time is never added to any ancestor. Each command therefore runs under a small python3
// wrapper that makes itself the child subreaper (PR_SET_CHILD_SUBREAPER), reaps every descendant and
// reports getrusage(RUSAGE_CHILDREN): exact. Without python3 the tree is sampled from /proc every 50 ms
// (the last slice of each process is missed) and the table says so.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BrowserChoice } from '../src/browser/resolve';
import type { RunResult } from '../src/report/result';
import { REFERENCE_CREDENTIALS, type ReferenceServer } from '../reference/server';

export const ROOT = join(__dirname, '..');
export const CLI = join(ROOT, 'bin', 'golden-path-probe.js');
/** A healthy run takes seconds; this only stops a hung one. */
export const RUN_LIMIT_MS = 120_000;

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
export function method(): 'subreaper' | 'sampled' {
  cpuMethod ??= spawnSync('python3', ['-c', 'import ctypes, resource'], { stdio: 'ignore' }).status === 0 ? 'subreaper' : 'sampled';
  return cpuMethod;
}

/** Runs one command to its end and measures its whole process tree. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv, onSpawn: (pid: number) => void = () => undefined): Promise<Measured> {
  return method() === 'subreaper' ? measureReaped(command, args, env, onSpawn) : measureSampled(command, args, env, onSpawn);
}

/**
 * As measure(), and the largest resident set of any one of the command's own (non-Chromium) processes,
 * sampled every 100 ms.
 */
export async function measureWithMemory(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured & { largest: number }> {
  let largest = 0;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const m = await measure(command, args, env, (pid) => (sampler = setInterval(() => (largest = Math.max(largest, ...treeRss(pid).probe)), 100)));
    return { ...m, largest };
  } finally {
    clearInterval(sampler);
  }
}

function measureReaped(command: string, args: string[], env: NodeJS.ProcessEnv, onSpawn: (pid: number) => void): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', REAPER, command, ...args], { env, stdio: ['ignore', 'pipe', 'ignore', 'pipe'] });
    onSpawn(child.pid!);
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

function measureSampled(command: string, args: string[], env: NodeJS.ProcessEnv, onSpawn: (pid: number) => void): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    onSpawn(child.pid!);
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

/** The median; NaN of nothing. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const spread = (xs: number[]) => `${sec(Math.min(...xs))}..${sec(Math.max(...xs))}`;
/** A goal's cell: what it is, and whether it was met. */
export const goal = (met: boolean, what: string) => `${what} ${met ? 'met' : 'NOT met'}`;

/**
 * Variables added to every probe run of the bench, from BENCH_PROBE_ENV (a JSON object), to measure a
 * variant (`BENCH_PROBE_ENV='{"PROBE_TRACE_PROPAGATION":"off"}' npm run bench -- flood`).
 */
export function extraProbeEnv(): Record<string, string> {
  const raw = process.env.BENCH_PROBE_ENV;
  if (!raw) return {};
  const parsed = JSON.parse(raw) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('BENCH_PROBE_ENV must be a JSON object of variables');
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/** The variables of a probe CLI run against `reference`, reports in a folder of its own; BENCH_PROBE_ENV's last. */
export function probeEnv(reference: ReferenceServer, reportDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PROBE_APP_URL: reference.appUrl,
    PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
    PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
    PROBE_REPORT_DIR: reportDir,
    PROBE_HISTORY_DB: 'off',
    ...extra,
    ...extraProbeEnv(),
  };
}

/** The variables of a peer (bench/peer.spec.ts, bench/plain-listener.mjs) against `reference`, in the probe's browser. */
export function peerEnv(reference: ReferenceServer, browser: BrowserChoice, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PEER_APP_URL: reference.appUrl,
    PEER_USERNAME: REFERENCE_CREDENTIALS.username,
    PEER_PASSWORD: REFERENCE_CREDENTIALS.password,
    PEER_BROWSER_PATH: browser.executablePath ?? '',
    PEER_BROWSER_ARGS: JSON.stringify(browser.args),
    ...extra,
  };
}

/** The verdict the run wrote (reports/latest/result.json), or why there is none. */
export function verdictOf(reportDir: string): string {
  try {
    return (JSON.parse(readFileSync(join(reportDir, 'latest', 'result.json'), 'utf8')) as RunResult).verdict.status;
  } catch {
    return 'no result.json';
  }
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

export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
}

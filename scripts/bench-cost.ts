// The probe's own cost, for `npm run bench` (scripts/bench.ts): a healthy run of the probe CLI beside its peer
// (bench/peer.spec.ts: the same golden path as a team would write it with Playwright Test, list + html + junit
// reports), what each feature costs, `--help`, many probes at once, and many users in one run.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findBrowser } from '../src/browser/resolve';
import type { RunResult } from '../src/report/result';
import { REFERENCE_CREDENTIALS, startReference, type ReferenceServer } from '../reference/server';
import { CLI, goal, measure, median, method, peerEnv, printTable, probeEnv, ROOT, RUN_LIMIT_MS, sec, spread, treeRss, verdictOf, type Measured } from './bench-measure';

const PLAYWRIGHT = join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const PEER_CONFIG = join(ROOT, 'bench', 'peer.config.ts');

/** One side of a comparison: a command measured whole, and whether its run passed. */
interface Side {
  name: string;
  run(dir: string): Promise<{ m: Measured; ok: boolean; why: string }>;
}

/** The probe CLI's `run`, with `extra` variables. */
function probeSide(name: string, reference: ReferenceServer, extra: Record<string, string>): Side {
  return {
    name,
    async run(dir) {
      const m = await measure(process.execPath, [CLI, 'run'], probeEnv(reference, dir, extra));
      const verdict = verdictOf(dir);
      return { m, ok: verdict === 'pass' && m.code === 0, why: `${verdict}, exit ${m.code}` };
    },
  };
}

/** bench/peer.spec.ts under `playwright test`, with `extra` variables (PEER_RELOAD, PEER_TURNS). */
function peerSide(name: string, reference: ReferenceServer, extra: Record<string, string>): Side {
  const browser = findBrowser(process.env.PROBE_BROWSER_PATH);
  if ('error' in browser) throw new Error(browser.error);
  return {
    name,
    async run(dir) {
      const m = await measure(process.execPath, [PLAYWRIGHT, 'test', '-c', PEER_CONFIG], peerEnv(reference, browser, { PEER_REPORT_DIR: dir, ...extra }));
      let junit = '';
      try {
        junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      } catch {
        // said below
      }
      const passed = m.code === 0 && /<testsuites[^>]* tests="1"[^>]* failures="0"/.test(junit);
      return { m, ok: passed, why: passed ? 'passed' : `exit ${m.code}${junit ? '' : ', no junit.xml'}` };
    },
  };
}

interface Compared {
  a: Side;
  b: Side;
  kept: Array<{ a: Measured; b: Measured }>;
}

/**
 * `pairs` runs of `a` and of `b`, one after the other, the order alternating from pair to pair so that a drift
 * of the machine's load favours neither. A failing run is reported and its pair left out of the figures,
 * never counted as a fast one.
 */
async function compare(a: Side, b: Side, pairs: number, dir: string): Promise<Compared> {
  const kept: Compared['kept'] = [];
  const left: string[] = [];
  for (let i = 1; i <= pairs; i++) {
    const order = i % 2 ? [a, b] : [b, a];
    const out = new Map<Side, Awaited<ReturnType<Side['run']>>>();
    for (const side of order) out.set(side, await side.run(join(dir, `${side.name.replace(/\W+/g, '-')}-${i}`)));
    const ra = out.get(a)!;
    const rb = out.get(b)!;
    const line = (s: Side, r: typeof ra) => `${s.name} ${sec(r.m.wallMs)} wall, ${sec(r.m.cpuMs)} CPU (${r.why})`;
    console.log(`    pair ${i}: ${line(a, ra)}; ${line(b, rb)}`);
    if (!ra.ok) left.push(`pair ${i}: ${a.name}: ${ra.why}`);
    else if (!rb.ok) left.push(`pair ${i}: ${b.name}: ${rb.why}`);
    else kept.push({ a: ra.m, b: rb.m });
  }
  if (left.length) console.log(`    left out: ${left.join('; ')}`);
  return { a, b, kept };
}

/** The rows of a comparison: each figure's medians and the median of the pairs' ratios, against `goals` if given. */
function rowsOf({ a, b, kept }: Compared, goals?: { wall: number; cpu: number }): string[][] {
  if (kept.length === 0) return [[`${a.name} / ${b.name}`, 'no pair passed', '', '', goals ? 'NOT met (nothing to compare)' : '']];
  return (
    [
      ['wall', 'wallMs', goals?.wall],
      ['CPU', 'cpuMs', goals?.cpu],
    ] as const
  ).map(([figure, key, limit]) => {
    const ratio = median(kept.map((p) => p.a[key] / p.b[key]));
    const xa = kept.map((p) => p.a[key]);
    const xb = kept.map((p) => p.b[key]);
    return [
      `${a.name} / ${b.name}, ${figure}`,
      `${sec(median(xa))} (${spread(xa)})`,
      `${sec(median(xb))} (${spread(xb)})`,
      `${ratio.toFixed(2)}x (${sec(median(kept.map((p) => p.a[key] - p.b[key])))} more)`,
      limit === undefined ? '' : goal(ratio <= limit, `<= ${limit}x`),
    ];
  });
}

/**
 * Goal 1 of issue 22: level with a hand-written Playwright Test spec of the same golden path (bench/peer.spec.ts),
 * like with like: the reload on for both, then off for both; then follow-up turns for both. And what each of the
 * probe's features costs, the probe beside itself: the reload, a second turn, trace propagation.
 */
export async function benchCost(pairs = 5): Promise<void> {
  const reference = await startReference({ speed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-cost-'));
  console.log(`cost: the probe CLI (\`run\`) and its peer (bench/peer.spec.ts under \`playwright test\`), against one reference staging; whole process trees, Chromium included (CPU: ${method()})`);
  const rows: string[][] = [['comparison', 'first (median, range)', 'second (median, range)', 'ratio (median of pairs)', 'goal']];
  const level = { wall: 1.05, cpu: 1.15 };
  try {
    const probe = probeSide('probe', reference, {});
    const probeNoReload = probeSide('probe, no reload', reference, { PROBE_PERSISTENCE: 'off' });
    console.log('  the reload on for both (the probe\'s default)');
    rows.push(...rowsOf(await compare(probe, peerSide('peer', reference, {}), pairs, dir), level));
    console.log('  the reload off for both');
    rows.push(...rowsOf(await compare(probeNoReload, peerSide('peer, no reload', reference, { PEER_RELOAD: 'off' }), pairs, dir), level));
    const few = Math.max(3, Math.ceil(pairs / 2));
    console.log('  two turns for both');
    rows.push(...rowsOf(await compare(probeSide('probe, 2 turns', reference, { PROBE_TURNS: '2' }), peerSide('peer, 2 turns', reference, { PEER_TURNS: '2' }), few, dir), level));
    console.log('  what a feature costs: the probe with it, and without');
    rows.push(...rowsOf(await compare(probe, probeNoReload, few, dir)));
    rows.push(...rowsOf(await compare(probe, probeSide('probe, no trace propagation', reference, { PROBE_TRACE_PROPAGATION: 'off' }), few, dir)));
  } finally {
    await reference.close();
  }
  printTable(rows);
}

/** `golden-path-probe --help`: the cost of starting the CLI at all. */
export async function benchHelp(runs = 5, goalMs = 150): Promise<void> {
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
    ['wall time', `${sec(wall)} (${spread(walls)})`, `about 0.1 s: < ${sec(goalMs)} ${wall < goalMs ? 'met' : 'NOT met'} (issue 9 measured 0.75 s)`],
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


// `npm run bench -- flood`: the probe under a flood beside its floor, a plain Playwright listener
// (bench/plain-listener.mjs), against one reference staging's flood fault, in the same bench run. The two take
// turns (the order alternating from pair to pair, so that a drift of the machine's load favours neither).
//
// Figures of each: when the run's final agent_completed was had (the probe: the completion its verdict reports,
// on the browser's clock; the listener: its receipt in its own process), the largest of its own processes
// (Node; Chromium's are left out: the browser is the same for both), and for the probe frames lost and the
// size of what it wrote. Goals (issue 22): completion within 1.1x of the listener's, largest process within
// 1.3x of the listener's, 0 frames lost, result.json in kilobytes.

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBrowser } from '../src/browser/resolve';
import type { RunResult } from '../src/report/result';
import { startReference } from '../reference/server';
import { CLI, extraProbeEnv, goal, measureWithMemory, median, peerEnv, printTable, probeEnv, sec } from './bench-measure';

const LISTENER = join(__dirname, '..', 'bench', 'plain-listener.mjs');
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

interface FloodRun {
  ok: boolean;
  /** The final agent_completed, ms after the send. */
  completeMs: number;
  /** The largest of the run's own (non-Chromium) processes, bytes. */
  largest: number;
  /** CPU time of its whole process tree, Chromium included. */
  cpuMs: number;
  why?: string;
  lost?: number;
  resultKb?: number;
  summaryKb?: number;
}

export async function benchFlood(pairs = 3, count = 100_000, perSecond = 20_000, bytes = 200): Promise<void> {
  const browser = findBrowser(process.env.PROBE_BROWSER_PATH);
  if ('error' in browser) throw new Error(browser.error);
  const extra = extraProbeEnv();
  console.log(
    `flood: ${count} agent_thinking frames at ${perSecond} a second, ~${bytes} bytes each; the probe CLI${Object.keys(extra).length ? ` (${JSON.stringify(extra)})` : ''} and a plain Playwright listener (bench/plain-listener.mjs), ${pairs} pairs`,
  );
  const reference = await startReference({ speed: 1 });
  reference.setFault('flood', { flood: { count, perSecond, bytes } });
  const dir = mkdtempSync(join(tmpdir(), 'golden-path-flood-'));
  const kept: Array<{ probe: FloodRun; plain: FloodRun }> = [];
  const left: string[] = [];
  try {
    for (let i = 1; i <= pairs; i++) {
      const runPlain = async (): Promise<FloodRun> => {
        const r = await measureWithMemory(process.execPath, [LISTENER], peerEnv(reference, browser));
        try {
          const out = JSON.parse(r.stdout) as { ok: boolean; completeMs?: number; error?: string };
          return { ok: out.ok, completeMs: out.completeMs ?? NaN, largest: r.largest, cpuMs: r.cpuMs, why: out.error };
        } catch {
          return { ok: false, completeMs: NaN, largest: r.largest, cpuMs: r.cpuMs, why: `exit ${r.code}, no result line` };
        }
      };
      const runProbe = async (): Promise<FloodRun> => {
        const reportDir = join(dir, `probe-${i}`);
        const r = await measureWithMemory(process.execPath, [CLI, 'run'], probeEnv(reference, reportDir));
        const runDir = join(reportDir, 'latest');
        try {
          const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
          const thinking = result.verdict.events.find((e) => e.type === 'agent_thinking')?.count ?? 0;
          const kb = (file: string) => statSync(join(runDir, file)).size / 1024;
          return {
            ok: result.verdict.status === 'pass',
            why: `${result.verdict.status}, exit ${r.code}`,
            completeMs: result.verdict.timings.completeMs ?? NaN,
            largest: r.largest,
            cpuMs: r.cpuMs,
            // The run's own agent_thinking: the flood and the two the healthy run sends.
            lost: count + 2 - thinking,
            resultKb: kb('result.json'),
            summaryKb: kb('summary.md'),
          };
        } catch {
          return { ok: false, completeMs: NaN, largest: r.largest, cpuMs: r.cpuMs, why: `exit ${r.code}, no result.json` };
        }
      };
      const [first, second] = i % 2 ? [runProbe, runPlain] : [runPlain, runProbe];
      const a = await first();
      const b = await second();
      const [probe, plain] = i % 2 ? [a, b] : [b, a];
      console.log(
        `  pair ${i}: probe ${sec(probe.completeMs)}, ${mb(probe.largest)}, CPU ${sec(probe.cpuMs)} (${probe.why}, ${probe.lost} lost); plain listener ${sec(plain.completeMs)}, ${mb(plain.largest)}, CPU ${sec(plain.cpuMs)}${plain.ok ? '' : ` (FAILED: ${plain.why})`}`,
      );
      if (!probe.ok) left.push(`pair ${i}: the probe's verdict was ${probe.why}`);
      else if (!plain.ok) left.push(`pair ${i}: the plain listener failed: ${plain.why}`);
      else kept.push({ probe, plain });
    }
  } finally {
    await reference.close();
  }
  if (kept.length === 0) {
    console.log(`  no pair to compare: ${left.join('; ')}`);
    return;
  }
  const m = (f: (p: { probe: FloodRun; plain: FloodRun }) => number) => median(kept.map(f));
  const completeRatio = m((p) => p.probe.completeMs / p.plain.completeMs);
  const memoryRatio = m((p) => p.probe.largest / p.plain.largest);
  const lost = Math.max(...kept.map((p) => p.probe.lost ?? NaN));
  const resultKb = Math.max(...kept.map((p) => p.probe.resultKb ?? NaN));
  printTable([
    ['figure', 'the probe (median)', 'plain listener (median)', 'ratio (median of pairs)', 'goal'],
    ['final completion after the send', sec(m((p) => p.probe.completeMs)), sec(m((p) => p.plain.completeMs)), `${completeRatio.toFixed(2)}x`, goal(completeRatio <= 1.1, '<= 1.1x')],
    ['largest own process (RSS)', mb(m((p) => p.probe.largest)), mb(m((p) => p.plain.largest)), `${memoryRatio.toFixed(2)}x`, goal(memoryRatio <= 1.3, '<= 1.3x')],
    ['CPU, whole tree (Chromium too)', sec(m((p) => p.probe.cpuMs)), sec(m((p) => p.plain.cpuMs)), `${m((p) => p.probe.cpuMs / p.plain.cpuMs).toFixed(2)}x`, ''],
    ['frames lost (most of the pairs)', String(lost), '', '', goal(lost === 0, '0')],
    ['result.json / summary.md', `${resultKb.toFixed(0)} KB / ${m((p) => p.probe.summaryKb ?? NaN).toFixed(0)} KB`, '', '', goal(resultKb < 1024, 'result.json < 1 MB')],
  ]);
  console.log(`  ${kept.length} of ${pairs} pairs counted${left.length ? `; left out: ${left.join('; ')}` : ''}; the flood alone takes ${sec((count / perSecond) * 1000)}`);
}

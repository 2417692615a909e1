// `npm run soak -- --runs 50`: runs the probe (its real CLI, one process per run, as a schedule would) over
// and over against a healthy reference staging with realistic, jittered delays, and reports the false reds
// (any run that is not a pass: the target is 0) and the spread of each event's time after the send.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReference } from '../reference/server';
import { REFERENCE_CREDENTIALS } from '../reference/tokens';
import type { RunResult } from '../src/report/result';

const CLI = join(__dirname, '..', 'bin', 'golden-path-probe.js');
/** One probe run takes seconds; this only stops a hung one. */
const RUN_LIMIT_MS = 180_000;

interface Options {
  runs: number;
  speed: number;
  jitter: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { runs: 50, speed: 1, jitter: 0.5 };
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[++i]);
    if (flag === '--runs' && Number.isInteger(value) && value > 0) opts.runs = value;
    else if (flag === '--speed' && value >= 0) opts.speed = value;
    else if (flag === '--jitter' && value >= 0 && value <= 1) opts.jitter = value;
    else problems.push(`${flag} ${argv[i] ?? ''}: expected --runs N (>0), --speed X (>=0) or --jitter X (0..1)`);
  }
  if (problems.length) {
    console.error(`soak: ${problems.join('; ')}`);
    process.exit(2);
  }
  return opts;
}

function runProbe(env: NodeJS.ProcessEnv, cwd: string): Promise<RunResult | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(readFileSync(join(cwd, 'reports', 'latest', 'result.json'), 'utf8')) as RunResult);
      } catch {
        resolve(`exit ${code}, no result.json: ${output.slice(-500)}`);
      }
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const reference = await startReference({ speed: opts.speed, jitter: opts.jitter });
  const cwd = mkdtempSync(join(tmpdir(), 'golden-path-soak-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PROBE_APP_URL: reference.appUrl,
    PROBE_API_URL: reference.apiUrl,
    PROBE_AUTH_URL: reference.authUrl,
    PROBE_LOGIN: 'form',
    PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
    PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
  };
  console.log(`soak: ${opts.runs} runs against the reference staging (speed ${opts.speed}, jitter ${opts.jitter}); reports in ${cwd}`);
  const statuses = new Map<string, number>();
  const falseReds: string[] = [];
  const times = new Map<string, number[]>();
  try {
    for (let i = 1; i <= opts.runs; i++) {
      const result = await runProbe(env, cwd);
      const status = typeof result === 'string' ? 'error' : result.verdict.status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (typeof result === 'string' || status !== 'pass') {
        const why = typeof result === 'string' ? result : `${status} ${result.verdict.class ?? ''}: ${result.verdict.message}`;
        falseReds.push(`run ${i}: ${why}`);
      }
      if (typeof result !== 'string')
        for (const e of result.verdict.events) if (e.firstSeenMs !== null) times.set(e.type, [...(times.get(e.type) ?? []), e.firstSeenMs]);
      process.stdout.write(`  run ${String(i).padStart(3)}: ${status}\n`);
    }
  } finally {
    await reference.close();
  }
  console.log(`\nresults: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  console.log(`${'event'.padEnd(18)} ${['n', 'min', 'p50', 'p95', 'max'].map((h) => h.padStart(6)).join(' ')}   (ms after the send)`);
  for (const [type, values] of times) {
    const sorted = [...values].sort((a, b) => a - b);
    const cells = [sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 95), sorted[sorted.length - 1]];
    console.log(`${type.padEnd(18)} ${cells.map((c) => String(c).padStart(6)).join(' ')}`);
  }
  for (const red of falseReds) console.log(`  ${red}`);
  console.log(`false reds: ${falseReds.length} of ${opts.runs}`);
  process.exitCode = falseReds.length === 0 ? 0 : 1;
}

void main();

// Operations end to end, through the CLI against the reference staging: loop mode with alerts on a change
// of state and textfile metrics, the pre-release gate, the history figures, and the validation report.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { FAST_BOUNDS, describe, expect, test } from './harness';

const CLI = resolve(__dirname, '..', '..', 'bin', 'golden-path-probe.js');
const FORM = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };
/** The loop test's own bound: a handful of runs of a few seconds each. */
const LOOP_LIMIT_MS = 150_000;

/** A webhook receiver on loopback that resolves waiters as alerts arrive. */
async function webhookReceiver(): Promise<{ url: string; alerts: Array<{ kind: string }>; next: (kind: string) => Promise<void>; close: () => Promise<void> }> {
  const alerts: Array<{ kind: string }> = [];
  const waiters: Array<{ kind: string; resolve: () => void }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const alert = JSON.parse(body) as { kind: string };
      alerts.push(alert);
      for (const w of waiters.filter((w) => w.kind === alert.kind)) w.resolve();
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/probe`,
    alerts,
    next: (kind) => (alerts.some((a) => a.kind === kind) ? Promise.resolve() : new Promise((r) => waiters.push({ kind, resolve: r }))),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('loop mode over healthy -> faulty -> healthy: exactly one failing and one recovered alert, and the metrics show it', async ({ staging, target }, testInfo) => {
  test.setTimeout(LOOP_LIMIT_MS + 30_000);
  const receiver = await webhookReceiver();
  const cwd = testInfo.outputPath('loop');
  mkdirSync(cwd, { recursive: true });
  const metrics = join(cwd, 'metrics.prom');
  const child = spawn(process.execPath, [CLI, 'run', '--every', '1s'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...FAST_BOUNDS, ...target, ...FORM, PROBE_ALERT_WEBHOOK: receiver.url, PROBE_ALERT_AFTER: '2', PROBE_METRICS_FILE: metrics },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const runEnded: Array<() => void> = [];
  const onOutput = (d: Buffer) => {
    output += d.toString();
    const ended = d.toString().match(/ latest: /g)?.length ?? 0;
    for (let i = 0; i < ended; i++) runEnded.shift()?.();
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const nextRun = () => new Promise<void>((r) => runEnded.push(r));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const bounded = <T>(what: string, p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`waited ${LOOP_LIMIT_MS} ms for ${what}; output:\n${output.slice(-3000)}`)), LOOP_LIMIT_MS))]);
  try {
    await bounded('a healthy run', nextRun());
    expect(readFileSync(metrics, 'utf8')).toMatch(/^golden_path_up(\{[^}]*\})? 1$/m);
    staging.setFault('missing-tool-completed');
    await bounded('the failing alert', receiver.next('failing'));
    expect(readFileSync(metrics, 'utf8')).toMatch(/^golden_path_up(\{[^}]*\})? 0$/m);
    staging.setFault('healthy');
    await bounded('the recovered alert', receiver.next('recovered'));
    await bounded('one more healthy run', nextRun());
    expect(readFileSync(metrics, 'utf8')).toMatch(/^golden_path_up(\{[^}]*\})? 1$/m);
  } finally {
    child.kill('SIGTERM');
    await bounded('the loop to stop after SIGTERM', exited);
    await receiver.close();
  }
  expect(receiver.alerts.map((a) => a.kind)).toEqual(['failing', 'recovered']);
  expect(output).toContain('loop ended after');
  expect(output).not.toContain(REFERENCE_CREDENTIALS.password);
});

test.describe('the pre-release gate', () => {
  test('validate --runs 2 passes on a healthy staging, with JUnit', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM }, ['validate', '--runs', '2', '--junit', 'gate.xml']);
    expect(o.code, o.output).toBe(0);
    expect(o.output).toContain('validate: run 1/2: PASS');
    expect(o.output).toContain('validate: PASS: 2 of 2 runs passed (2 required)');
  });

  test('validate fails on a fault', async ({ probe, staging, target }) => {
    staging.setFault('missing-tool-completed');
    const o = await probe({ ...target, ...FORM }, ['validate', '--runs', '2', '--require', '1']);
    expect(o.code, o.output).toBe(1);
    expect(o.output).toContain('validate: FAIL: 0 of 2 runs passed (1 required)');
  });

  test('--expect-version fails on a mismatch with both versions in the message, before any run', async ({ probe, target }) => {
    const o = await probe({ ...target, ...FORM }, ['validate', '--runs', '3', '--expect-version', '9.9.9', '--version-url', `${target.PROBE_API_URL}/health`]);
    expect(o.code, o.output).toBe(1);
    expect(o.output).toMatch(/expected version 9\.9\.9, the target reports reference-[\w.-]+/);
    expect(o.output).not.toContain('validate: run 1/');
  });
});

test('history figures match the runs recorded; the report renders from them', async ({ probe, staging, target }, testInfo) => {
  const env = { ...target, ...FORM };
  expect((await probe(env)).code).toBe(0);
  staging.setFault('answer-not-rendered');
  expect((await probe(env)).code).toBe(1);
  staging.setFault('healthy');
  expect((await probe(env)).code).toBe(0);
  const h = await probe(env, ['history', '--since', '1h']);
  expect(h.code, h.output).toBe(0);
  expect(h.output).toMatch(/runs\W+3\b/);
  expect(h.output).toContain('66.7%');
  expect(h.output).toContain('ui-render');
  const out = testInfo.outputPath('probe', 'validation');
  const r = await probe(env, ['report', '--last', '3', '--title', 'After the fix', '--out', out]);
  expect(r.code, describe(r)).toBe(0);
  expect(existsSync(join(out, 'report.html'))).toBe(true);
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('After the fix');
});

// One probe of a fleet after its run, in a process of its own, for fleet.spec.ts: for each line on stdin
// (JSON: the history URL, its location, the run's status, the webhook), it does exactly what the CLI does
// after a run (afterRun: history, the fleet's alert decision under its lock, delivery) and answers `done`
// with what it logged. The browser part is left out so that rounds of three processes stay fast; everything
// the fleet's alerts depend on is the probe's own code.

import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config/load';
import { afterRun } from '../../src/ops/after-run';
import type { Verdict } from '../../src/contract/types';
import type { RunResult } from '../../src/report/result';
import { runResult } from './run-result';

interface Order {
  db: string;
  location: string;
  status: 'pass' | 'fail';
  webhook: string;
  startedAt: string;
  /** PROBE_ALERT_LOCATIONS; default 2/3. */
  alertLocations?: string;
}

/** The run of this round: a pass, or a fail of class transport, at the round's start, in its location. */
function result(o: Order): RunResult {
  const failed: Partial<Verdict> = {
    status: 'fail',
    class: 'transport',
    message: 'transport: socket 0 closed 1011',
    checks: [{ name: 'transport', status: 'fail', class: 'transport', expected: 'no close', seen: 'closed 1011' }],
    timings: { firstEventMs: 100, completeMs: null },
  };
  return { ...runResult(o.startedAt, o.status === 'fail' ? failed : {}), location: o.location };
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const order = JSON.parse(line) as Order;
  const loaded = loadConfig({
    PROBE_APP_URL: 'https://staging.example.com',
    PROBE_USERNAME: 'u',
    PROBE_PASSWORD: 'p',
    PROBE_HISTORY_DB: order.db,
    PROBE_LOCATION: order.location,
    PROBE_ALERT_WEBHOOK: order.webhook,
    PROBE_ALERT_LOCATIONS: order.alertLocations ?? '2/3',
    PROBE_ALERT_AFTER: '1',
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const logged: string[] = [];
  void afterRun(loaded.config, result(order), '/tmp/run', (l) => logged.push(l)).then((outcome) =>
    process.stdout.write(`done ${JSON.stringify({ logged, ...outcome })}\n`),
  );
});
input.on('close', () => process.stdin.destroy());

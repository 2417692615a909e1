// One probe of a fleet after its run, in a process of its own, for fleet.spec.ts: for each line on stdin
// (JSON: the history URL, its location, the run's status, the webhook), it does exactly what the CLI does
// after a run (afterRun: history, the fleet's alert decision under its lock, delivery) and answers `done`
// with what it logged. The browser part is left out so that rounds of three processes stay fast; everything
// the fleet's alerts depend on is the probe's own code.

import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config/load';
import { afterRun } from '../../src/ops/after-run';
import type { RunResult } from '../../src/report/result';

interface Order {
  db: string;
  location: string;
  status: 'pass' | 'fail';
  webhook: string;
  startedAt: string;
}

function result(o: Order): RunResult {
  const failed = o.status === 'fail';
  return {
    schemaVersion: 1,
    startedAt: o.startedAt,
    finishedAt: o.startedAt,
    durationMs: 5000,
    target: { embedded: false, profile: 'generic', appUrl: 'https://staging.example.com', apiUrl: 'https://staging.example.com', authUrl: 'https://staging.example.com', login: 'form' },
    location: o.location,
    message: 'hello [probe 0123456789ab]',
    nonce: '0123456789ab',
    userId: 'u-1',
    sentAt: 1000,
    verdict: {
      status: o.status,
      class: failed ? 'transport' : null,
      message: failed ? 'transport: socket 0 closed 1011' : 'all 17 checks passed',
      checks: [{ name: 'transport', status: failed ? 'fail' : 'pass', class: 'transport', expected: 'no close', seen: failed ? 'closed 1011' : 'open' }],
      events: [{ type: 'agent_started', firstSeenMs: 100, count: 1 }],
      runId: 'r-1',
      threadId: 't-1',
      answer: { frames: null, page: null },
      timings: { firstEventMs: 100, completeMs: failed ? null : 900 },
      warnings: [],
      retries: [],
    },
    steps: [],
    waits: [],
    sockets: [],
    timeline: [],
  };
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
    PROBE_ALERT_LOCATIONS: '2/3',
    PROBE_ALERT_AFTER: '1',
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const logged: string[] = [];
  void afterRun(loaded.config, result(order), '/tmp/run', (l) => logged.push(l)).then((outcome) =>
    process.stdout.write(`done ${JSON.stringify({ logged, ...outcome })}\n`),
  );
});
input.on('close', () => process.stdin.destroy());

// A run's result as the CLI records it, for tests of what comes after a run (history, alerts): a healthy
// run of the embedded reference at `startedAt`, its verdict changed by `verdict`.

import type { Verdict } from '../../src/contract/types';
import type { RunResult } from '../../src/report/result';

export function runResult(startedAt: string, verdict: Partial<Verdict> = {}): RunResult {
  const started = Date.parse(startedAt);
  return {
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date(started + 6000).toISOString(),
    durationMs: 6000,
    target: {
      embedded: true,
      profile: 'generic',
      appUrl: 'http://127.0.0.1:4100',
      apiUrl: 'http://127.0.0.1:4100',
      authUrl: 'http://127.0.0.1:4100',
      login: 'e2e-bypass',
      version: '2.0.1',
    },
    message: 'hello [probe 0123456789ab]',
    nonce: '0123456789ab',
    userId: 'u-1',
    sentAt: 1000,
    verdict: {
      status: 'pass',
      class: null,
      message: 'all 16 checks passed',
      checks: [
        { name: 'events-present', status: 'pass', class: 'missing-event', expected: 'all five', seen: 'all five' },
      ],
      events: [
        { type: 'agent_started', firstSeenMs: 100, count: 1 },
        { type: 'agent_thinking', firstSeenMs: 200, count: 1 },
        { type: 'tool_executing', firstSeenMs: 300, count: 1 },
        { type: 'tool_completed', firstSeenMs: 400, count: 1 },
        { type: 'agent_completed', firstSeenMs: 900, count: 1 },
      ],
      runId: 'r-1',
      threadId: 't-1',
      answer: { frames: 'answer', page: 'answer' },
      timings: { firstEventMs: 100, completeMs: 900 },
      warnings: [],
      retries: [],
      ...verdict,
    },
    steps: [],
    waits: [],
    sockets: [],
    timeline: [],
  };
}

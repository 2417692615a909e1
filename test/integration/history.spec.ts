// The history file on disk (several processes writing it at once), and the two metric sinks: the textfile
// (atomic) and the Pushgateway PUT (against local servers on port 0: one that records, one that refuses, one
// that hangs).

import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import type { Verdict } from '../../src/contract/types';
import { History, HISTORY_SCHEMA_VERSION } from '../../src/ops/history';
import { pushMetrics, writeTextfile } from '../../src/ops/metrics';
import { runResult } from './run-result';

const ROOT = resolve(__dirname, '..', '..');
const HISTORY_MODULE = join(ROOT, 'src', 'ops', 'history.ts');
/** Four writers start tsx and write 25 rows each; this only stops a hung one, and says so. */
const WRITERS_LIMIT_MS = 60_000;

const TIMEOUT_VERDICT: Partial<Verdict> = {
  status: 'fail',
  class: 'timeout',
  message: 'completed-in-time: expected the final agent_completed within 8000 ms; not seen',
  checks: [
    {
      name: 'events-present',
      status: 'fail',
      class: 'missing-event',
      expected: 'all five',
      seen: 'missing agent_completed',
    },
    {
      name: 'completed-in-time',
      status: 'fail',
      class: 'timeout',
      expected: 'the final agent_completed',
      seen: 'not seen',
    },
  ],
  events: [
    { type: 'agent_started', firstSeenMs: 150, count: 1 },
    { type: 'agent_thinking', firstSeenMs: null, count: 0 },
    { type: 'tool_executing', firstSeenMs: null, count: 0 },
    { type: 'tool_completed', firstSeenMs: null, count: 0 },
    { type: 'agent_completed', firstSeenMs: null, count: 0 },
    { type: 'agent_error', firstSeenMs: 700, count: 1 },
  ],
  timings: { firstEventMs: 150, completeMs: null },
};

test.describe('history', () => {
  test('records runs and reads them back with since() and last(), oldest first', async ({}, testInfo) => {
    const history = await History.open(testInfo.outputPath('nested', 'folder', 'history.db'));
    try {
      const first = await history.record(runResult('2025-01-01T10:00:00.000Z'), 'reports/a');
      const second = await history.record(runResult('2025-01-01T11:00:00.000Z', TIMEOUT_VERDICT), 'reports/b');
      // Recorded out of order: reading is by start time.
      const early = await history.record(
        runResult('2025-01-01T09:00:00.000Z', { status: 'degraded', message: 'first-event-budget: over' }),
        'reports/c',
      );

      expect(second).toEqual({
        id: second.id,
        startedAt: '2025-01-01T11:00:00.000Z',
        finishedAt: '2025-01-01T11:00:06.000Z',
        status: 'fail',
        class: 'timeout',
        message: 'completed-in-time: expected the final agent_completed within 8000 ms; not seen',
        durationMs: 6000,
        firstEventMs: 150,
        completeMs: null,
        answerVisibleMs: null,
        events: {
          agent_started: 150,
          agent_thinking: null,
          tool_executing: null,
          tool_completed: null,
          agent_completed: null,
          agent_error: 700,
        },
        // The embedded reference is one target whatever its port: its runs never mix with a staging's.
        target: 'embedded reference staging',
        version: '2.0.1',
        runDir: 'reports/b',
        failedCheck: 'completed-in-time',
        users: 1,
        location: '',
        traceId: null,
        journey: 'golden-path',
        turns: null,
      });
      expect([first.failedCheck, early.failedCheck, early.status]).toEqual([null, null, 'degraded']);

      expect(await history.since('2025-01-01T00:00:00.000Z')).toEqual([early, first, second]);
      expect(await history.since('2025-01-01T10:00:00.000Z')).toEqual([first, second]);
      expect(await history.since(Date.parse('2025-01-01T10:30:00.000Z'))).toEqual([second]);
      expect(await history.since('2025-01-02T00:00:00.000Z')).toEqual([]);
      await expect(history.since('yesterday')).rejects.toThrow(
        'history: "yesterday" is not an instant; give an ISO date or epoch milliseconds',
      );
      expect(await history.last(2)).toEqual([first, second]);
      expect(await history.last(10)).toEqual([early, first, second]);
      expect(await history.last(0)).toEqual([]);
    } finally {
      await history.close();
    }
  });

  test('alerts round trip; lastAlert is the most recent', async ({}, testInfo) => {
    const history = await History.open(testInfo.outputPath('history.db'));
    try {
      expect(await history.lastAlert()).toBeNull();
      const run = await history.record(runResult('2025-01-01T10:00:00.000Z', TIMEOUT_VERDICT), 'reports/a');
      const failing = await history.recordAlert({
        at: '2025-01-01T10:00:07.000Z',
        kind: 'failing',
        runId: run.id,
        delivered: true,
        detail: 'slack: HTTP 200',
        scope: '',
        sendingUntil: null,
      });
      expect(await history.lastAlert()).toEqual(failing);
      const recovered = await history.recordAlert({
        at: '2025-01-01T10:05:07.000Z',
        kind: 'recovered',
        runId: run.id,
        delivered: false,
        detail: 'webhook: connection refused',
        scope: '',
        sendingUntil: null,
      });
      expect(recovered).toEqual({
        id: failing.id + 1,
        at: '2025-01-01T10:05:07.000Z',
        kind: 'recovered',
        runId: run.id,
        delivered: false,
        detail: 'webhook: connection refused',
        scope: '',
        sendingUntil: null,
      });
      expect(await history.lastAlert()).toEqual(recovered);
    } finally {
      await history.close();
    }
  });

  test('the schema and the rows survive reopening; WAL mode and the schema version are on disk', async ({}, testInfo) => {
    const path = testInfo.outputPath('history.db');
    const first = await History.open(path);
    const run = await first.record(runResult('2025-01-01T10:00:00.000Z'), 'reports/a');
    const alert = await first.recordAlert({
      at: '2025-01-01T10:00:07.000Z',
      kind: 'reminder',
      runId: run.id,
      delivered: true,
      detail: 'still failing',
      scope: '',
      sendingUntil: null,
    });
    await first.close();

    const again = await History.open(path);
    try {
      expect(await again.last(5)).toEqual([run]);
      expect(await again.lastAlert()).toEqual(alert);
      const next = await again.record(runResult('2025-01-01T10:05:00.000Z'), 'reports/b');
      expect(next.id).toBe(run.id + 1);
    } finally {
      await again.close();
    }

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(HISTORY_SCHEMA_VERSION);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
        .all();
      expect(tables).toEqual([{ name: 'alert_state' }, { name: 'alerts' }, { name: 'runs' }]);
    } finally {
      raw.close();
    }
  });

  test('a file of schema version 1 (before runs of several sessions) is migrated: its runs read as one session each', async ({}, testInfo) => {
    const path = testInfo.outputPath('v1.db');
    const raw = new Database(path);
    // Schema version 1 as it shipped: the runs table without `users`.
    raw.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, started_ms INTEGER NOT NULL,
      finished_at TEXT NOT NULL, status TEXT NOT NULL, class TEXT, message TEXT NOT NULL, duration_ms INTEGER NOT NULL,
      first_event_ms INTEGER, complete_ms INTEGER, events TEXT NOT NULL, target TEXT NOT NULL, version TEXT,
      run_dir TEXT NOT NULL, failed_check TEXT);
      CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL, run_id INTEGER NOT NULL,
      delivered INTEGER NOT NULL, detail TEXT NOT NULL);
      INSERT INTO runs (started_at, started_ms, finished_at, status, message, duration_ms, events, target, run_dir)
      VALUES ('2025-01-01T10:00:00.000Z', 1735725600000, '2025-01-01T10:00:05.000Z', 'pass', 'ok', 5000, '{}', 'http://t', 'reports/old');`);
    raw.pragma('user_version = 1');
    raw.close();
    const history = await History.open(path);
    try {
      expect((await history.last(5)).map((r) => [r.runDir, r.users])).toEqual([['reports/old', 1]]);
      const multi = await history.record({ ...runResult('2025-01-01T11:00:00.000Z'), users: 3 }, 'reports/new');
      expect(multi.users).toBe(3);
      expect((await history.last(5)).map((r) => r.users)).toEqual([1, 3]);
    } finally {
      await history.close();
    }
  });

  test('a file holding tables the probe did not create is refused, naming them, and left as it was', async ({}, testInfo) => {
    const path = testInfo.outputPath('theirs.db');
    const raw = new Database(path);
    raw.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, job TEXT NOT NULL); INSERT INTO runs (job) VALUES ('nightly-etl');`);
    raw.close();
    await expect(History.open(path)).rejects.toThrow(
      `${path}: runs (table) was not created by golden-path-probe: the history's file holds its own tables only, and never adopts another's; give PROBE_HISTORY_DB a file of its own`,
    );
    // A file of the probe's own, with a view somebody added: refused the same way.
    const ours = testInfo.outputPath('ours.db');
    await (await History.open(ours)).close();
    const added = new Database(ours);
    added.exec('CREATE VIEW failures AS SELECT * FROM runs');
    added.close();
    await expect(History.open(ours)).rejects.toThrow('failures (view) was not created by golden-path-probe');
    const after = new Database(path, { readonly: true });
    try {
      expect(after.prepare('SELECT * FROM runs').all()).toEqual([{ id: 1, job: 'nightly-etl' }]);
      expect(after.pragma('user_version', { simple: true })).toBe(0);
    } finally {
      after.close();
    }
  });

  test('alerts of before locations wait for one scope to claim them: a location (with the runs of before), or one machine without a location', async ({}, testInfo) => {
    const seed = async (path: string) => {
      const history = await History.open(path);
      const run = await history.record({ ...runResult('2025-01-01T10:00:00.000Z', TIMEOUT_VERDICT), location: '' }, 'reports/old');
      await history.recordAlert({ at: '2025-01-01T10:00:07.000Z', kind: 'failing', runId: run.id, delivered: true, detail: 'sent', scope: '', sendingUntil: null });
      await history.close();
      // As a file of version 3 left them: scope '' for the alerts of before locations.
      const raw = new Database(path);
      raw.pragma('user_version = 3');
      raw.exec(
        "DROP INDEX runs_journey; ALTER TABLE runs DROP COLUMN journey; ALTER TABLE runs DROP COLUMN turns; ALTER TABLE runs DROP COLUMN trace_id; ALTER TABLE alerts DROP COLUMN sending_until; ALTER TABLE runs DROP COLUMN answer_visible_ms; UPDATE alerts SET scope = ''",
      );
      raw.close();
      return History.open(path);
    };
    const located = await seed(testInfo.outputPath('located.db'));
    try {
      expect(await located.lastAlert('eu-west')).toBeNull();
      await located.claimBeforeLocations('eu-west', 'eu-west');
      await located.claimBeforeLocations('us-east', 'us-east');
      expect([(await located.lastAlert('eu-west'))?.kind, await located.lastAlert('us-east')]).toEqual(['failing', null]);
      expect((await located.since(0)).map((r) => r.location)).toEqual(['eu-west']);
    } finally {
      await located.close();
    }
    const oneMachine = await seed(testInfo.outputPath('one-machine.db'));
    try {
      await oneMachine.claimBeforeLocations('', undefined);
      expect((await oneMachine.lastAlert(''))?.kind).toBe('failing');
      expect((await oneMachine.since(0)).map((r) => r.location)).toEqual(['']);
    } finally {
      await oneMachine.close();
    }
  });

  test('a file written by a newer schema is refused, naming the file and both versions', async ({}, testInfo) => {
    const path = testInfo.outputPath('future.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${HISTORY_SCHEMA_VERSION + 1}`);
    raw.close();
    await expect(History.open(path)).rejects.toThrow(
      `${path}: history schema version ${HISTORY_SCHEMA_VERSION + 1} is newer than this golden-path-probe knows (${HISTORY_SCHEMA_VERSION}); upgrade the probe or use another --history file`,
    );
  });

  test('four processes recording 25 runs each into a new file at once: exactly 100 rows, no error', async ({}, testInfo) => {
    const path = testInfo.outputPath('shared', 'history.db');
    // Each writer opens the file (all four racing to create the schema), says `ready`, and writes its 25 rows
    // when the test says `go` to all four: the writes overlap, without a sleep anywhere.
    const script = `
      require('tsx/cjs');
      const { History } = require(process.env.HISTORY_MODULE);
      const worker = Number(process.env.WORKER);
      const base = JSON.parse(process.env.RESULT_JSON);
      (async () => {
        const history = await History.open(process.env.HISTORY_DB);
        process.stdout.write('ready\\n');
        process.stdin.once('data', async () => {
          try {
            for (let i = 0; i < 25; i++) {
              const startedAt = new Date(Date.parse(base.startedAt) + (worker * 25 + i) * 1000).toISOString();
              await history.record({ ...base, startedAt }, 'reports/w' + worker + '/' + i);
            }
            await history.close();
            process.stdout.write('done\\n');
          } catch (err) {
            process.stderr.write(String(err && err.stack || err));
            process.exitCode = 1;
          }
          process.stdin.destroy();
        });
      })().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
    `;
    const base = JSON.stringify(runResult('2025-01-01T00:00:00.000Z'));
    const children = [0, 1, 2, 3].map((worker) => {
      const child = spawn(process.execPath, ['-e', script], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HISTORY_MODULE, HISTORY_DB: path, RESULT_JSON: base, WORKER: String(worker) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      const ready = new Promise<void>((done, fail) => {
        child.stdout.on('data', () => out.stdout.includes('ready\n') && done());
        void exited.then(() => fail(new Error(`writer ${worker} exited before it was ready: ${out.stderr}`)));
      });
      return { worker, child, out, exited, ready };
    });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        for (const c of children) c.child.kill('SIGKILL');
        fail(
          new Error(
            `the writers did not finish within ${WRITERS_LIMIT_MS} ms: ${JSON.stringify(children.map((c) => c.out))}`,
          ),
        );
      }, WRITERS_LIMIT_MS);
    });
    try {
      await Promise.race([Promise.all(children.map((c) => c.ready)), limit]);
      for (const c of children) c.child.stdin.end('go\n');
      const codes = await Promise.race([Promise.all(children.map((c) => c.exited)), limit]);
      expect(children.map((c) => ({ worker: c.worker, code: codes[c.worker], ...c.out }))).toEqual(
        children.map((c) => ({ worker: c.worker, code: 0, stdout: 'ready\ndone\n', stderr: '' })),
      );
    } finally {
      clearTimeout(timer);
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }

    const history = await History.open(path);
    try {
      const rows = await history.since(0);
      expect(rows).toHaveLength(100);
      expect(new Set(rows.map((r) => r.id)).size).toBe(100);
      const perWorker = [0, 1, 2, 3].map((w) => rows.filter((r) => r.runDir.startsWith(`reports/w${w}/`)).length);
      expect(perWorker).toEqual([25, 25, 25, 25]);
      // Oldest first, by the start times the writers gave.
      expect(rows.map((r) => r.startedAt)).toEqual([...rows.map((r) => r.startedAt)].sort());
    } finally {
      await history.close();
    }
  });
});

test.describe('metric sinks', () => {
  test('writeTextfile replaces the file atomically: every read sees one whole version, no temporary file is left', async ({}, testInfo) => {
    const path = testInfo.outputPath('textfile', 'collector', 'golden_path.prom');
    const version = (n: number) => `# version ${n}\n${'golden_path_up{target="x"} 1\n'.repeat(60_000)}# end ${n}\n`;
    await writeTextfile(path, version(0));
    let reads = 0;
    for (let n = 1; n <= 8; n++) {
      let finished = false;
      const writing = writeTextfile(path, version(n)).finally(() => (finished = true));
      do {
        const text = await readFile(path, 'utf8');
        const seen = Number(/^# version (\d+)\n/.exec(text)?.[1] ?? -1);
        expect(seen === n - 1 || seen === n, `read ${reads}: version ${seen}`).toBe(true);
        expect(
          text === version(seen),
          `read ${reads}: version ${seen} is whole (${text.length} of ${version(seen).length} chars)`,
        ).toBe(true);
        reads++;
      } while (!finished);
      await writing;
    }
    expect(await readFile(path, 'utf8')).toBe(version(8));
    expect(await readdir(join(path, '..'))).toEqual(['golden_path.prom']);
  });

  test.describe('pushMetrics', () => {
    let server: Server | undefined;
    test.afterEach(async () => {
      if (server === undefined) return;
      server.closeAllConnections();
      await new Promise((done) => server?.close(done));
      server = undefined;
    });

    async function listen(
      handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void,
    ): Promise<string> {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => handler(req, body, res));
      });
      await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    test('PUTs the text to {url}/metrics/job/{job} with the exposition content type', async () => {
      const seen: Array<{ method?: string; url?: string; type?: string; auth?: string; body: string }> = [];
      const base = await listen((req, body, res) => {
        seen.push({
          method: req.method,
          url: req.url,
          type: req.headers['content-type'],
          auth: req.headers.authorization,
          body,
        });
        res
          .writeHead(seen.length === 3 ? 400 : 200)
          .end(seen.length === 3 ? 'text format parsing error in line 1\n' : '');
      });
      const text = 'golden_path_up{target="http://x"} 1\n';
      expect(await pushMetrics(`${base}/`, 'golden-path', text, 5000)).toEqual({
        ok: true,
        detail: `push to ${base}/metrics/job/golden-path: HTTP 200`,
      });
      // Basic auth given in the URL goes into a header, never into the detail.
      const withCredentials = base.replace('http://', 'http://probe:s3cret@');
      expect(await pushMetrics(`${withCredentials}/gateway`, 'a/b', text, 5000)).toEqual({
        ok: true,
        detail: `push to ${base}/gateway/metrics/job@base64/YS9i: HTTP 200`,
      });
      expect(await pushMetrics(base, 'golden-path', 'not metrics', 5000)).toEqual({
        ok: false,
        detail: `push to ${base}/metrics/job/golden-path: HTTP 400 text format parsing error in line 1`,
      });
      expect(seen).toEqual([
        {
          method: 'PUT',
          url: '/metrics/job/golden-path',
          type: 'text/plain; version=0.0.4; charset=utf-8',
          auth: undefined,
          body: text,
        },
        {
          method: 'PUT',
          url: '/gateway/metrics/job@base64/YS9i',
          type: 'text/plain; version=0.0.4; charset=utf-8',
          auth: `Basic ${Buffer.from('probe:s3cret').toString('base64')}`,
          body: text,
        },
        {
          method: 'PUT',
          url: '/metrics/job/golden-path',
          type: 'text/plain; version=0.0.4; charset=utf-8',
          auth: undefined,
          body: 'not metrics',
        },
      ]);
    });

    test('a port that refuses: ok false, "connection refused"', async () => {
      const base = await listen(() => undefined);
      await new Promise((done) => server?.close(done));
      server = undefined;
      expect(await pushMetrics(base, 'golden-path', 'x 1\n', 5000)).toEqual({
        ok: false,
        detail: `push to ${base}/metrics/job/golden-path: connection refused`,
      });
    });

    test('a server that never answers: ok false within the timeout', async () => {
      let received = false;
      const base = await listen(() => (received = true));
      const started = Date.now();
      const outcome = await pushMetrics(base, 'golden-path', 'x 1\n', 400);
      const took = Date.now() - started;
      expect(outcome).toEqual({ ok: false, detail: `push to ${base}/metrics/job/golden-path: timed out after 400 ms` });
      expect(received).toBe(true);
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(3000);
    });

    test('bad arguments are reported, not thrown', async () => {
      expect(await pushMetrics('not a url', 'job', 'x 1\n', 100)).toEqual({
        ok: false,
        detail: 'push: "not a url" is not an http(s) URL',
      });
      expect(await pushMetrics('ftp://u:pw@host/x', 'job', 'x 1\n', 100)).toEqual({
        ok: false,
        detail: 'push: "ftp://host/x" is not an http(s) URL',
      });
      expect(await pushMetrics('http://127.0.0.1:9', '', 'x 1\n', 100)).toEqual({
        ok: false,
        detail: 'push: the job name is empty',
      });
    });
  });
});

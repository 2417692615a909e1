// A fleet against a real PostgreSQL (postgres-server.ts: initdb and pg_ctl on a free loopback port, no
// Docker): probes in three locations writing one history at once, exactly one fleet alert when two of three
// fail while all three finish together (20 times over), a database that is not there or goes away, and the
// history in a schema of its own: created in an empty database, migrated from the previous version's tables
// in `public`, refusing what it did not create. Every database holds a team's own `public.runs`, which every
// test must leave as it was (checked after each test).

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { REFERENCE_CREDENTIALS, referenceUsername } from '../../reference/server';
import { History, HISTORY_SCHEMA_VERSION } from '../../src/ops/history';
import { describe, expect, test as harness } from './harness';
import { runResult } from './run-result';
import { FOREIGN_RUNS_STATE, foreignRunsState, POSTGRES_TEST_PASSWORD, startPostgres, type PostgresServer } from './postgres-server';

const test = harness.extend<{ pg: PostgresServer }, { _pg: PostgresServer }>({
  _pg: [
    async ({}, use) => {
      const server = await startPostgres();
      try {
        await use(server);
      } finally {
        server.close();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  pg: async ({ _pg }, use) => {
    const made: string[] = [];
    await use({
      ..._pg,
      newDatabase: async (opts) => {
        const url = await _pg.newDatabase(opts);
        if (opts?.foreign !== false) made.push(url);
        return url;
      },
    });
    // A test that stopped the server leaves it running again for the next one.
    try {
      _pg.start();
    } catch {
      // already running
    }
    // The team's own public.runs beside the history: exactly as it was, whatever the test did.
    for (const url of made) expect(await foreignRunsState(url), `public.runs of ${url.replace(POSTGRES_TEST_PASSWORD, '…')}`).toEqual(FOREIGN_RUNS_STATE);
  },
});

const FORM = { PROBE_USERNAME: REFERENCE_CREDENTIALS.username, PROBE_PASSWORD: REFERENCE_CREDENTIALS.password };
const CHILD = join(__dirname, 'fleet-child.ts');
/** A round of three processes deciding an alert takes well under a second; this only stops a hung one. */
const ROUND_LIMIT_MS = 30_000;

test('three probes in three locations write one PostgreSQL history at once; history --by location shows all three', async ({ probe, target, pg }) => {
  const db = await pg.newDatabase();
  const locations = ['eu-west', 'us-east', 'ap-south'];
  // A user each: probes of one user would rightly see each other's runs (isolation).
  const runs = await Promise.all(
    locations.map((location, i) =>
      probe({ ...target, ...FORM, PROBE_USERNAME: referenceUsername(i + 1), PROBE_HISTORY_DB: db, PROBE_LOCATION: location, PROBE_REPORT_DIR: location }),
    ),
  );
  for (const o of runs) {
    expect(o.code, describe(o)).toBe(0);
    expect(o.output).not.toContain(POSTGRES_TEST_PASSWORD);
  }
  expect(runs.map((o) => o.result?.location)).toEqual(locations);
  const history = await History.open(db);
  try {
    const rows = await history.since(0);
    expect(rows.map((r) => r.location).sort()).toEqual([...locations].sort());
    expect(new Set(rows.map((r) => r.runDir)).size).toBe(3);
  } finally {
    await history.close();
  }
  const shown = await probe({ ...target, ...FORM, PROBE_HISTORY_DB: db }, ['history', '--by', 'location']);
  expect(shown.code, describe(shown)).toBe(0);
  for (const location of locations) expect(shown.output).toMatch(new RegExp(`^${location}\\s+1\\s+100\\.0%\\s+\\d+/\\d+ ms`, 'm'));
  expect(shown.output).not.toContain(POSTGRES_TEST_PASSWORD);
});

/** What a fleet probe (fleet-child.ts) is told: where its history is, how its run went, where alerts go. */
interface Order {
  db: string;
  webhook: string;
  status: 'pass' | 'fail';
  startedAt: string;
  /** PROBE_ALERT_LOCATIONS; default 2/3; '' for none (each location alerts on its own runs). */
  alertLocations?: string;
}

/** What a fleet probe did after its run: the lines it logged, and why its run was not recorded, if it was not. */
interface Outcome {
  logged: string[];
  historyProblem?: string;
}

/** Fleet probes (fleet-child.ts), one per location, kept running; each does what the CLI does after a run when told. */
class Fleet {
  private readonly children: Array<{ child: ChildProcess; waiting: Array<(line: string) => void> }>;

  constructor(readonly locations: string[]) {
    this.children = locations.map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: join(__dirname, '..', '..'), env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['pipe', 'pipe', 'inherit'] });
      const entry = { child, waiting: [] as Array<(line: string) => void> };
      createInterface({ input: child.stdout! }).on('line', (line) => entry.waiting.shift()?.(line));
      return entry;
    });
  }

  /** The probe of location `i` finishes a run; resolves with what it did after it. */
  ask(i: number, order: Order): Promise<Outcome> {
    const entry = this.children[i]!;
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fleet probe in ${this.locations[i]} did not answer within ${ROUND_LIMIT_MS} ms`)), ROUND_LIMIT_MS);
      entry.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
    entry.child.stdin!.write(`${JSON.stringify({ ...order, location: this.locations[i] })}\n`);
    return answered.then((line) => {
      expect(line.startsWith('done ')).toBe(true);
      return JSON.parse(line.slice(5)) as Outcome;
    });
  }

  /** Every location finishes a run with its status at the same moment; resolves with what each logged. */
  async round(db: string, webhook: string, statuses: Array<'pass' | 'fail'>, startedAt: string, alertLocations?: string): Promise<string[][]> {
    const outcomes = await Promise.all(statuses.map((status, i) => this.ask(i, { db, webhook, status, startedAt, alertLocations })));
    for (const o of outcomes) expect(o.historyProblem).toBeUndefined();
    return outcomes.map((o) => o.logged);
  }

  close(): void {
    for (const { child } of this.children) child.stdin!.end();
  }
}

interface Webhook {
  url: string;
  /** The alerts received, in order. */
  received: Array<{ kind: string; fleet?: string }>;
  /** Resolves once `n` alerts were received; bounded by ROUND_LIMIT_MS, failing with `what`. */
  receivedCount(n: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A webhook on 127.0.0.1:0 that records each alert, then leaves its answer to `answer`. */
async function startWebhook(answer: (res: ServerResponse, n: number) => void): Promise<Webhook> {
  const received: Webhook['received'] = [];
  const listeners = new Set<() => void>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { kind: string; fleet?: string });
      for (const listener of listeners) listener();
      answer(res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    receivedCount: (n, what) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what}: the webhook did not receive ${n} alert(s) within ${ROUND_LIMIT_MS} ms`)), ROUND_LIMIT_MS);
        const check = () => {
          if (received.length < n) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** As long as a slow Slack takes to answer: the delivery happens outside every lock, so nobody waits for it. */
const SLOW_WEBHOOK_MS = 3_000;

test('two of three locations failing, all three finishing at once, a webhook that takes 3 s: exactly one failing alert, then one recovered; 20 times over', async ({ pg }) => {
  test.setTimeout(300_000);
  const webhook = await startWebhook((res) => setTimeout(() => res.end('ok'), SLOW_WEBHOOK_MS));
  const fleet = new Fleet(['eu-west', 'us-east', 'ap-south']);
  try {
    for (let round = 1; round <= 20; round++) {
      const db = await pg.newDatabase();
      webhook.received.length = 0;
      const failingAt = new Date().toISOString();
      const failingLogs = await fleet.round(db, webhook.url, ['fail', 'fail', 'pass'], failingAt);
      expect(webhook.received.map((a) => a.kind), `round ${round}: ${JSON.stringify(failingLogs)}`).toEqual(['failing']);
      expect(webhook.received[0]!.fleet).toBe('2 of 3 locations failing (alerting at 2): eu-west, us-east');
      expect(failingLogs.flat().filter((l) => l.startsWith('alert failing (fleet): sent'))).toHaveLength(1);
      const recoveredLogs = await fleet.round(db, webhook.url, ['pass', 'pass', 'pass'], new Date(Date.parse(failingAt) + 1000).toISOString());
      expect(webhook.received.map((a) => a.kind), `round ${round}: ${JSON.stringify(recoveredLogs)}`).toEqual(['failing', 'recovered']);
    }
  } finally {
    fleet.close();
    await webhook.close();
  }
});

for (const engine of ['PostgreSQL', 'SQLite'] as const) {
  test(`${engine}: an alert on its way holds nobody: a healthy probe records its run and decides while the webhook has not answered`, async ({ pg }, testInfo) => {
    const db = engine === 'PostgreSQL' ? await pg.newDatabase() : testInfo.outputPath('history.db');
    const events: string[] = [];
    let answer: (() => void) | undefined;
    const webhook = await startWebhook((res) => {
      events.push('the webhook received the failing alert');
      answer = () => {
        events.push('the webhook answered');
        res.end('ok');
      };
    });
    const fleet = new Fleet(['eu-west', 'us-east']);
    try {
      const startedAt = new Date().toISOString();
      // eu-west fails and, one failing location being enough here, sends the fleet's failing alert: the webhook keeps it waiting.
      const failing = fleet.ask(0, { db, webhook: webhook.url, status: 'fail', startedAt, alertLocations: '1' });
      await webhook.receivedCount(1, 'the failing alert of eu-west');
      // Meanwhile us-east passes: its run is recorded and its decision made (nothing to send: the alert is on its way).
      const healthy = await fleet.ask(1, { db, webhook: webhook.url, status: 'pass', startedAt, alertLocations: '1' });
      events.push(`us-east recorded its run: ${JSON.stringify(healthy)}`);
      const history = await History.open(db);
      try {
        const alert = await history.lastAlert('fleet');
        events.push(`the history holds runs of ${(await history.since(0)).map((r) => r.location).join(', ')}; its alert ${alert?.kind} delivered: ${alert?.delivered}`);
      } finally {
        await history.close();
      }
      answer!();
      const sent = await failing;
      events.push(`eu-west: ${sent.logged.map((l) => l.replace(/ \(POST .*/, '')).join('; ')}`);
      expect(events).toEqual([
        'the webhook received the failing alert',
        'us-east recorded its run: {"logged":[]}',
        'the history holds runs of eu-west, us-east; its alert failing delivered: false',
        'the webhook answered',
        'eu-west: alert failing (fleet): sent',
      ]);
    } finally {
      fleet.close();
      await webhook.close();
    }
  });
}

test('a delivery that failed is sent by the next run, once; then nothing more', async ({ pg }) => {
  // The first two attempts (the delivery and its retry) answer 500; every later one 200.
  const webhook = await startWebhook((res, n) => res.writeHead(n <= 2 ? 500 : 200).end(n <= 2 ? 'down' : 'ok'));
  const fleet = new Fleet(['eu-west', 'us-east', 'ap-south']);
  try {
    const db = await pg.newDatabase();
    const t0 = Date.now();
    const logs: string[] = [];
    // One location after the other, each failing; one failing location is enough.
    for (let i = 0; i < 3; i++) {
      const o = await fleet.ask(i, { db, webhook: webhook.url, status: 'fail', startedAt: new Date(t0 + i * 1000).toISOString(), alertLocations: '1' });
      logs.push(`${fleet.locations[i]}: ${o.logged.map((l) => l.replace(/ \(POST .*/, '')).join('; ') || '-'}`);
    }
    expect(logs).toEqual(['eu-west: alert failing (fleet): NOT delivered', 'us-east: alert failing (fleet): sent', 'ap-south: -']);
    expect(webhook.received.map((a) => a.kind)).toEqual(['failing', 'failing', 'failing']);
  } finally {
    fleet.close();
    await webhook.close();
  }
});

test('an episode open before locations existed: one recovered when three locations pass at once, not one per location; the claiming location takes its runs', async ({ pg }) => {
  const db = await pg.newDatabase({ foreign: false });
  const failed = (n: number) =>
    `('2025-01-01T10:0${n}:00.000Z', ${Date.parse(`2025-01-01T10:0${n}:00.000Z`)}, '2025-01-01T10:0${n}:05.000Z', 'fail', 'timeout', 'old', 5000, '{}', 'https://staging.example.com', 'reports/old-${n}', 1)`;
  await sql(
    db,
    `${VERSION_2}
     INSERT INTO runs (started_at, started_ms, finished_at, status, class, message, duration_ms, events, target, run_dir, users) VALUES ${[0, 1, 2].map(failed).join(', ')};
     INSERT INTO alerts (at, kind, run_id, delivered, detail) VALUES ('2025-01-01T10:02:06.000Z', 'failing', 3, 1, 'sent');`,
  );
  const webhook = await startWebhook((res) => res.end('ok'));
  const fleet = new Fleet(['eu-west', 'us-east', 'ap-south']);
  try {
    // Without PROBE_ALERT_LOCATIONS: each location alerts on its own runs.
    const passed = await fleet.round(db, webhook.url, ['pass', 'pass', 'pass'], new Date().toISOString(), '');
    expect(webhook.received.map((a) => a.kind), JSON.stringify(passed)).toEqual(['recovered']);
    const claimed = passed.findIndex((logged) => logged.some((l) => l.startsWith('alert recovered: sent')));
    // The runs of before are the claiming location's now, and its alerts continue the episode; the others start afresh.
    const history = await History.open(db);
    try {
      expect((await history.since(0)).filter((r) => r.runDir.startsWith('reports/old')).map((r) => r.location)).toEqual(Array(3).fill(fleet.locations[claimed]));
      expect(await Promise.all(fleet.locations.map(async (l) => (await history.lastAlert(l))?.kind ?? null))).toEqual(fleet.locations.map((l, i) => (i === claimed ? 'recovered' : null)));
    } finally {
      await history.close();
    }
    // The next runs: nothing more to say.
    await fleet.round(db, webhook.url, ['pass', 'pass', 'pass'], new Date().toISOString(), '');
    expect(webhook.received.map((a) => a.kind)).toEqual(['recovered']);
  } finally {
    fleet.close();
    await webhook.close();
  }
});

test('a PostgreSQL that cannot be reached: exit 2 naming its host, never its password; the run and its files are still there', async ({ probe, target, pg }) => {
  const closed = `postgres://postgres:${POSTGRES_TEST_PASSWORD}@127.0.0.1:${pg.port + 1}/nowhere`;
  const o = await probe({ ...target, ...FORM, PROBE_HISTORY_DB: closed });
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toContain(`history: PostgreSQL at postgres://postgres@127.0.0.1:${pg.port + 1}/nowhere cannot be reached`);
  expect(o.output).not.toContain(POSTGRES_TEST_PASSWORD);
  expect(o.result?.verdict.status, describe(o)).toBe('pass');
  expect(existsSync(join(o.runDir!, 'summary.md'))).toBe(true);
});

test('a database that goes away during a run: that run is not recorded, said clearly, exit 2; its verdict and files are there', async ({ startProbe, staging, target, pg }) => {
  const db = await pg.newDatabase();
  // The run takes two seconds after the chat opens: time for the server to go before the history is written.
  staging.setFault('slow-first-event', { delayMs: 2000 });
  const running = startProbe({ ...target, ...FORM, PROBE_HISTORY_DB: db });
  // The history was opened (and migrated) before the browser started; the server goes once the chat is open.
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    running.child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('open chat')) resolve();
    });
    void running.exited.then(() => reject(new Error(`the probe ended before the chat opened:\n${seen}`)));
  });
  pg.stop();
  const o = await running.exited;
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toMatch(/history: not recorded: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/probe_\w+/);
  expect(o.output).not.toContain(POSTGRES_TEST_PASSWORD);
  expect(o.result?.verdict.status, describe(o)).toBe('pass');
  expect(existsSync(join(o.runDir!, 'frames.ndjson'))).toBe(true);
});

/** Runs `text` against a database, as its owner would in psql. */
async function sql(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

const tablesOf = async (url: string, schema: string) =>
  (await sql(url, `SELECT tablename FROM pg_tables WHERE schemaname = '${schema}' ORDER BY tablename`)).map((t) => t.tablename);

test('the schema: created in a schema of its own (golden_path, or PROBE_HISTORY_SCHEMA) beside a team\'s own runs table', async ({ pg }) => {
  const db = await pg.newDatabase();
  await (await History.open(db)).close();
  expect(await sql(db, 'SELECT version FROM golden_path.golden_path_schema')).toEqual([{ version: HISTORY_SCHEMA_VERSION }]);
  expect(await tablesOf(db, 'golden_path')).toEqual(['alert_state', 'alerts', 'golden_path_schema', 'runs']);
  expect(await tablesOf(db, 'public')).toEqual(['runs']);
  // Opened again (a second probe, the next run): its own schema, nothing to do.
  const again = await History.open(db);
  await again.record(runResult('2025-01-01T10:00:00.000Z'), 'reports/a');
  await again.close();
  expect(await sql(db, 'SELECT run_dir FROM golden_path.runs')).toEqual([{ run_dir: 'reports/a' }]);

  const other = await pg.newDatabase();
  await (await History.open(other, 'probe_history')).close();
  expect(await tablesOf(other, 'probe_history')).toEqual(['alert_state', 'alerts', 'golden_path_schema', 'runs']);
  expect(await tablesOf(other, 'golden_path')).toEqual([]);
});

test('an object in the history\'s schema that the probe did not create: exit 2 naming it, never adopted', async ({ probe, target, pg }) => {
  const db = await pg.newDatabase();
  await sql(db, `CREATE SCHEMA golden_path; CREATE TABLE golden_path.runs (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO golden_path.runs VALUES (7, 'theirs')`);
  const o = await probe({ ...target, ...FORM, PROBE_HISTORY_DB: db });
  expect(o.code, describe(o)).toBe(2);
  expect(o.output).toContain('golden_path.runs (table), golden_path.runs_pkey (index) were not created by golden-path-probe');
  expect(o.output).not.toContain(POSTGRES_TEST_PASSWORD);
  expect(o.result?.verdict.status, describe(o)).toBe('pass');
  expect(await sql(db, 'SELECT * FROM golden_path.runs')).toEqual([{ id: 7, note: 'theirs' }]);
  expect(await tablesOf(db, 'golden_path')).toEqual(['runs']);

  // In a schema of the probe's own, an object added later is refused the same way.
  const ours = await pg.newDatabase();
  await (await History.open(ours)).close();
  await sql(ours, 'CREATE VIEW golden_path.dashboard AS SELECT 1 AS one');
  await expect(History.open(ours)).rejects.toThrow('golden_path.dashboard (view) was not created by golden-path-probe');
});

/** The history's tables at version 2, as it shipped (in public, before the schema of its own): runs with users, no location; alerts without scope. */
const VERSION_2 = `CREATE TABLE runs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, started_at TEXT NOT NULL, started_ms BIGINT NOT NULL,
    finished_at TEXT NOT NULL, status TEXT NOT NULL, class TEXT, message TEXT NOT NULL, duration_ms INTEGER NOT NULL,
    first_event_ms INTEGER, complete_ms INTEGER, events TEXT NOT NULL, target TEXT NOT NULL, version TEXT, run_dir TEXT NOT NULL,
    failed_check TEXT, users INTEGER NOT NULL DEFAULT 1);
  CREATE INDEX runs_started_ms ON runs (started_ms);
  CREATE TABLE alerts (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, run_id BIGINT NOT NULL,
    delivered INTEGER NOT NULL, detail TEXT NOT NULL);
  CREATE TABLE golden_path_schema (version INTEGER NOT NULL);
  INSERT INTO golden_path_schema VALUES (2);`;

test('the history of before, its tables in public: moved into the schema with its rows; a team\'s runs table without the mark stays', async ({ pg }) => {
  const previous = await pg.newDatabase({ foreign: false });
  await sql(
    previous,
    `${VERSION_2}
     INSERT INTO runs (started_at, started_ms, finished_at, status, message, duration_ms, events, target, run_dir, users)
       VALUES ('2025-01-01T10:00:00.000Z', 1735725600000, '2025-01-01T10:00:05.000Z', 'fail', 'old', 5000, '{}', 'http://t', 'reports/old', 3);
     INSERT INTO alerts (at, kind, run_id, delivered, detail) VALUES ('2025-01-01T10:00:06.000Z', 'failing', 1, 1, 'sent');`,
  );
  const migrated = await History.open(previous);
  try {
    expect((await migrated.last(5)).map((r) => [r.runDir, r.users, r.location])).toEqual([['reports/old', 3, '']]);
    // The identity went along: the next run is number 2.
    expect((await migrated.record(runResult('2025-01-02T10:00:00.000Z'), 'reports/new')).id).toBe(2);
  } finally {
    await migrated.close();
  }
  expect(await tablesOf(previous, 'public')).toEqual([]);
  expect(await tablesOf(previous, 'golden_path')).toEqual(['alert_state', 'alerts', 'golden_path_schema', 'runs']);
  expect(await sql(previous, 'SELECT version FROM golden_path.golden_path_schema')).toEqual([{ version: HISTORY_SCHEMA_VERSION }]);
  expect(await sql(previous, "SELECT indexname FROM pg_indexes WHERE schemaname = 'golden_path' AND tablename = 'runs' ORDER BY 1")).toEqual([
    { indexname: 'runs_journey' },
    { indexname: 'runs_location' },
    { indexname: 'runs_pkey' },
    { indexname: 'runs_started_ms' },
  ]);

  // Marked as the probe's, but a runs table with columns the probe never made (one it adopted by mistake): left where it is, said.
  const adopted = await pg.newDatabase({ foreign: false });
  await sql(adopted, `CREATE TABLE golden_path_schema (version INTEGER NOT NULL); INSERT INTO golden_path_schema VALUES (3);
    CREATE TABLE runs (id SERIAL PRIMARY KEY, job TEXT NOT NULL)`);
  await expect(History.open(adopted)).rejects.toThrow("public.runs is marked as the probe's history of before (public.golden_path_schema) but has columns the probe never made (job)");
  expect(await tablesOf(adopted, 'public')).toEqual(['golden_path_schema', 'runs']);
});

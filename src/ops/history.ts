// Every run's verdict in SQLite, for trends (`golden-path-probe history --since 24h`), for the alerts' change
// of state, and for the metrics' window counts. Only what the verdict says is stored: status, class, message,
// timings, the target's URL and version, and where the run's files are. The RunResult is already redacted;
// nothing here reads a credential.
//
// Several probe processes (a loop, a cron job, an engineer) may write the same file at once: WAL mode, a busy
// timeout, and the schema created and migrated inside one IMMEDIATE transaction, so two first openers do not
// race. The schema's version is PRAGMA user_version; MIGRATIONS[i] takes it from i to i + 1.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FailureClass, Status } from '../contract/types';
import type { RunResult } from '../report/result';

export interface HistoryRecord {
  id: number;
  startedAt: string;
  finishedAt: string;
  status: Status;
  class: FailureClass | null;
  message: string;
  durationMs: number;
  firstEventMs: number | null;
  completeMs: number | null;
  /** firstSeenMs (after the send) by event type, as the verdict listed them; null for an event never seen. */
  events: Record<string, number | null>;
  /** The appUrl. */
  target: string;
  /** result.target.version: what the health endpoints reported, when they did. */
  version: string | null;
  /** The run's folder: result.json, summary.md, frames.ndjson. */
  runDir: string;
  /** The check that decided a `fail`/`error` verdict (the first failing check of its class); null otherwise. */
  failedCheck: string | null;
  /** How many sessions ran at once (PROBE_USERS); the times are then the slowest session's. */
  users: number;
}

export interface AlertRecord {
  id: number;
  at: string;
  kind: 'failing' | 'recovered' | 'reminder';
  runId: number;
  delivered: boolean;
  detail: string;
}

/** How long a writer waits for another process's lock before it gives up (SQLITE_BUSY). */
export const HISTORY_BUSY_TIMEOUT_MS = 5000;

/** The schema, one step per entry. Never edit a step that shipped: append one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS runs (
     id             INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at     TEXT    NOT NULL,
     started_ms     INTEGER NOT NULL,
     finished_at    TEXT    NOT NULL,
     status         TEXT    NOT NULL CHECK (status IN ('pass', 'degraded', 'fail', 'error')),
     class          TEXT,
     message        TEXT    NOT NULL,
     duration_ms    INTEGER NOT NULL,
     first_event_ms INTEGER,
     complete_ms    INTEGER,
     events         TEXT    NOT NULL,
     target         TEXT    NOT NULL,
     version        TEXT,
     run_dir        TEXT    NOT NULL,
     failed_check   TEXT
   );
   CREATE INDEX IF NOT EXISTS runs_started_ms ON runs (started_ms);
   CREATE TABLE IF NOT EXISTS alerts (
     id        INTEGER PRIMARY KEY AUTOINCREMENT,
     at        TEXT    NOT NULL,
     kind      TEXT    NOT NULL CHECK (kind IN ('failing', 'recovered', 'reminder')),
     run_id    INTEGER NOT NULL,
     delivered INTEGER NOT NULL CHECK (delivered IN (0, 1)),
     detail    TEXT    NOT NULL
   );`,
  // 2: runs of several sessions at once (PROBE_USERS).
  `ALTER TABLE runs ADD COLUMN users INTEGER NOT NULL DEFAULT 1;`,
];

/** The schema version this code writes. */
export const HISTORY_SCHEMA_VERSION = MIGRATIONS.length;

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string;
  status: string;
  class: string | null;
  message: string;
  duration_ms: number;
  first_event_ms: number | null;
  complete_ms: number | null;
  events: string;
  target: string;
  version: string | null;
  run_dir: string;
  failed_check: string | null;
  users: number;
}

interface AlertRow {
  id: number;
  at: string;
  kind: string;
  run_id: number;
  delivered: number;
  detail: string;
}

export class History {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  /** Opens (creating the folders, the file and the schema when needed) the history at `path`. */
  static open(path: string): History {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: HISTORY_BUSY_TIMEOUT_MS });
    try {
      db.pragma(`busy_timeout = ${HISTORY_BUSY_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, path);
      return new History(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  record(result: RunResult, runDir: string): HistoryRecord {
    const v = result.verdict;
    const row: Omit<RunRow, 'id'> = {
      started_at: result.startedAt,
      finished_at: result.finishedAt,
      status: v.status,
      class: v.class,
      message: v.message,
      duration_ms: Math.round(result.durationMs),
      first_event_ms: v.timings.firstEventMs,
      complete_ms: v.timings.completeMs,
      events: JSON.stringify(Object.fromEntries(v.events.map((e) => [e.type, e.firstSeenMs]))),
      target: result.target.appUrl,
      version: result.target.version ?? null,
      run_dir: runDir,
      failed_check: decidingCheck(result),
      users: result.users ?? 1,
    };
    const info = this.db
      .prepare(
        `INSERT INTO runs (started_at, started_ms, finished_at, status, class, message, duration_ms, first_event_ms,
                           complete_ms, events, target, version, run_dir, failed_check, users)
         VALUES (@started_at, @started_ms, @finished_at, @status, @class, @message, @duration_ms, @first_event_ms,
                 @complete_ms, @events, @target, @version, @run_dir, @failed_check, @users)`,
      )
      .run({ ...row, started_ms: epochMs(result.startedAt) ?? epochMs(result.finishedAt) ?? Date.now() });
    return toRecord({ id: Number(info.lastInsertRowid), ...row });
  }

  /** Runs that started at or after the instant (an ISO date or epoch ms), oldest first. */
  since(isoOrEpochMs: string | number): HistoryRecord[] {
    const from = typeof isoOrEpochMs === 'number' ? isoOrEpochMs : epochMs(isoOrEpochMs);
    if (from === null || !Number.isFinite(from)) {
      throw new Error(
        `history: ${JSON.stringify(isoOrEpochMs)} is not an instant; give an ISO date or epoch milliseconds`,
      );
    }
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE started_ms >= ? ORDER BY started_ms, id`)
      .all(Math.floor(from)) as RunRow[];
    return rows.map(toRecord);
  }

  /** The `n` most recent runs (by start), oldest first. */
  last(n: number): HistoryRecord[] {
    const limit = Math.floor(n);
    if (!(limit > 0)) return [];
    const rows = this.db
      .prepare(`SELECT * FROM (SELECT * FROM runs ORDER BY started_ms DESC, id DESC LIMIT ?) ORDER BY started_ms, id`)
      .all(limit) as RunRow[];
    return rows.map(toRecord);
  }

  /** The most recently recorded alert. */
  lastAlert(): AlertRecord | null {
    const row = this.db.prepare(`SELECT * FROM alerts ORDER BY id DESC LIMIT 1`).get() as AlertRow | undefined;
    return row === undefined ? null : toAlert(row);
  }

  recordAlert(a: Omit<AlertRecord, 'id'>): AlertRecord {
    const info = this.db
      .prepare(`INSERT INTO alerts (at, kind, run_id, delivered, detail) VALUES (?, ?, ?, ?, ?)`)
      .run(a.at, a.kind, a.runId, a.delivered ? 1 : 0, a.detail);
    return {
      id: Number(info.lastInsertRowid),
      at: a.at,
      kind: a.kind,
      runId: a.runId,
      delivered: a.delivered,
      detail: a.detail,
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database, path: string): void {
  // IMMEDIATE: the first of several processes opening a new file creates the schema; the others wait for its
  // lock (busy_timeout), then see the version it wrote and do nothing.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `${path}: history schema version ${current} is newer than this golden-path-probe knows (${MIGRATIONS.length}); upgrade the probe or use another --history file`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}

/** The check that decided a failing verdict: the first failing check of the verdict's class (as the judge picks it). */
function decidingCheck(result: RunResult): string | null {
  const v = result.verdict;
  if (v.status !== 'fail' && v.status !== 'error') return null;
  const failing = v.checks.filter((c) => c.status === 'fail');
  return (failing.find((c) => c.class === v.class) ?? failing[0])?.name ?? null;
}

function epochMs(iso: string): number | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function toRecord(row: RunRow): HistoryRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status as Status,
    class: row.class as FailureClass | null,
    message: row.message,
    durationMs: row.duration_ms,
    firstEventMs: row.first_event_ms,
    completeMs: row.complete_ms,
    events: parseEvents(row.events),
    target: row.target,
    version: row.version,
    runDir: row.run_dir,
    failedCheck: row.failed_check,
    users: row.users,
  };
}

function parseEvents(json: string): Record<string, number | null> {
  try {
    const value: unknown = JSON.parse(json);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
    const out: Record<string, number | null> = {};
    for (const [type, ms] of Object.entries(value)) out[type] = typeof ms === 'number' ? ms : null;
    return out;
  } catch {
    return {};
  }
}

function toAlert(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind as AlertRecord['kind'],
    runId: row.run_id,
    delivered: row.delivered === 1,
    detail: row.detail,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Statistics over a window of runs (pure), and the text `golden-path-probe history` prints.

export interface EventStats {
  type: string;
  /** Runs in which the event was seen. */
  n: number;
  /** ms after the send, nearest rank; null when n is 0. */
  p50: number | null;
  p95: number | null;
}

export interface HistoryStats {
  runs: number;
  /** (pass + degraded) / runs; null when there are no runs. */
  successRate: number | null;
  /** Every status, with 0 for those not seen. */
  byStatus: Record<string, number>;
  /** Runs that failed or errored, by class; most frequent first. */
  failuresByClass: Record<string, number>;
  /** The five required events in contract order, then others by name. */
  events: EventStats[];
  /** The earliest startedAt and the latest finishedAt of the runs; null when there are none. */
  from: string | null;
  to: string | null;
  /** Runs by how many sessions they had at once (PROBE_USERS), fewest first. */
  byUsers: Record<string, number>;
}

/** The contract's five events, in contract order (the default contract's names: history outlives a contract file). */
export const HISTORY_EVENT_ORDER = [
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
];
const STATUSES: readonly Status[] = ['pass', 'degraded', 'fail', 'error'];

export function historyStats(records: HistoryRecord[]): HistoryStats {
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const classes = new Map<string, number>();
  const users = new Map<number, number>();
  const times = new Map<string, number[]>(HISTORY_EVENT_ORDER.map((type) => [type, []]));
  let from: { ms: number; iso: string } | null = null;
  let to: { ms: number; iso: string } | null = null;

  for (const r of records) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    users.set(r.users, (users.get(r.users) ?? 0) + 1);
    if ((r.status === 'fail' || r.status === 'error') && r.class !== null) {
      classes.set(r.class, (classes.get(r.class) ?? 0) + 1);
    }
    for (const [type, ms] of Object.entries(r.events)) {
      const list = times.get(type) ?? [];
      if (!times.has(type)) times.set(type, list);
      if (ms !== null && Number.isFinite(ms)) list.push(ms);
    }
    const start = Date.parse(r.startedAt);
    const end = Date.parse(r.finishedAt);
    if (!Number.isNaN(start) && (from === null || start < from.ms)) from = { ms: start, iso: r.startedAt };
    if (!Number.isNaN(end) && (to === null || end > to.ms)) to = { ms: end, iso: r.finishedAt };
  }

  const succeeded = (byStatus.pass ?? 0) + (byStatus.degraded ?? 0);
  const others = [...times.keys()].filter((t) => !HISTORY_EVENT_ORDER.includes(t)).sort();
  return {
    runs: records.length,
    successRate: records.length === 0 ? null : succeeded / records.length,
    byStatus,
    failuresByClass: Object.fromEntries([...classes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    events: [...HISTORY_EVENT_ORDER, ...others].map((type) => {
      const values = [...(times.get(type) ?? [])].sort((a, b) => a - b);
      return { type, n: values.length, p50: nearestRank(values, 50), p95: nearestRank(values, 95) };
    }),
    from: from?.iso ?? null,
    to: to?.iso ?? null,
    byUsers: Object.fromEntries([...users].sort((a, b) => a[0] - b[0]).map(([n, runs]) => [String(n), runs])),
  };
}

/** Nearest-rank percentile of sorted values: the value at rank ceil(p/100 * n). */
export function nearestRank(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** What `golden-path-probe history --since 24h` prints; `label` names the window (`since 24h`, `last 50 runs`). */
export function renderHistory(stats: HistoryStats, label: string): string {
  const lines = [`golden-path-probe history, ${label}`];
  if (stats.runs === 0) {
    lines.push('no runs recorded in this window');
    return lines.join('\n') + '\n';
  }
  lines.push(`window: ${stats.from ?? '?'} .. ${stats.to ?? '?'}`);
  const rate = stats.successRate === null ? 'n/a' : `${(stats.successRate * 100).toFixed(1)}%`;
  const statuses = STATUSES.map((s) => `${s} ${stats.byStatus[s] ?? 0}`).join(', ');
  lines.push(`runs: ${stats.runs}, success rate: ${rate} (${statuses})`);
  const failures = Object.entries(stats.failuresByClass);
  lines.push(`failures by class: ${failures.length === 0 ? 'none' : failures.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const byUsers = Object.entries(stats.byUsers);
  // Times of a run of several sessions are its slowest session's.
  if (byUsers.some(([n]) => n !== '1')) lines.push(`sessions a run: ${byUsers.map(([n, runs]) => `${n} (${runs} runs)`).join(', ')}; times of runs of several are the slowest session's`);
  lines.push('');
  const rows = [['event', 'n', 'p50', 'p95'], ...stats.events.map((e) => [e.type, String(e.n), ms(e.p50), ms(e.p95)])];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) {
    lines.push(
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.join('\n') + '\n';
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

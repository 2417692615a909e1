// Every run's verdict, for trends (`golden-path-probe history --since 24h`), for the alerts' change of state,
// and for the metrics' window counts: in SQLite on one machine, in PostgreSQL for a fleet (history-db.ts; each
// statement here is written once for both). Only what the verdict says is stored: status, class, message,
// timings, the target's URL and version, where the run ran and where its files are. The RunResult is already
// redacted; nothing here reads a credential.
//
// Several probe processes (a loop, a cron job, an engineer, a fleet) may write at once: the schema is created
// and migrated under a lock, so two first openers do not race, and an alert is decided under the lock of its
// scope. MIGRATIONS[i] takes the schema from version i to i + 1. Statements name tables as `{runs}`, which
// becomes the history's own schema's table on PostgreSQL (history-namespace.ts: never anybody else's).

import { openDb, type Dialect, type SqlDb } from './history-db';
import { claimNamespace, type HistoryColumns } from './history-namespace';
import type { FailureClass, Status } from '../contract/types';
import { decidingCheck } from '../contract/judge';
import { BUILT_IN_JOURNEY, journeyOf } from '../config/journey';
import type { RunResult, TurnEntry } from '../report/result';
import { targetName } from '../report/target-name';

export interface HistoryRecord {
  id: number;
  startedAt: string;
  finishedAt: string;
  status: Status;
  class: FailureClass | null;
  message: string;
  durationMs: number;
  firstEventMs: number | null;
  /** The run's final agent_completed (not the first of the type: sub-agents complete too). */
  completeMs: number | null;
  /** When the run's final answer became visible in the page: the wait a person feels. */
  answerVisibleMs: number | null;
  /** firstSeenMs (after the send) by event type, as the verdict listed them; null for an event never seen. */
  events: Record<string, number | null>;
  /** What the run probed: the appUrl, or the embedded reference (targetName). */
  target: string;
  /** result.target.version: what the health endpoints reported, when they did. */
  version: string | null;
  /** The run's folder: result.json, summary.md, frames.ndjson. */
  runDir: string;
  /** The check that decided a `fail`/`error` verdict (the first failing check of its class); null otherwise. */
  failedCheck: string | null;
  /** How many sessions ran at once (PROBE_USERS); the times are then the slowest session's. */
  users: number;
  /** Where the run ran (PROBE_LOCATION); '' for runs recorded before locations existed. */
  location: string;
  /** The trace id its requests carried (the deciding session's); null before traces, or with propagation off. */
  traceId: string | null;
  /** The journey the run was (BUILT_IN_JOURNEY for the built-in one, and for runs recorded before journeys). */
  journey: string;
  /** A conversation of several turns: each turn's status and times (of the deciding session); null for one turn. */
  turns: TurnTimes[] | null;
}

/** One turn of a run, as the history keeps it. */
export interface TurnTimes {
  turn: number;
  status: Status;
  firstEventMs: number | null;
  completeMs: number | null;
  answerVisibleMs: number | null;
}

export interface AlertRecord {
  id: number;
  at: string;
  kind: 'failing' | 'recovered' | 'reminder';
  runId: number;
  delivered: boolean;
  detail: string;
  /**
   * Whose alert: a location's name, FLEET_SCOPE, '' (a probe without PROBE_LOCATION: the whole history is one
   * machine's), or BEFORE_LOCATIONS until claimed (claimBeforeLocations).
   */
  scope: string;
  /**
   * Epoch ms until which a probe is delivering it (the outbox's claim: decided and recorded first, delivered
   * outside the lock, then marked); null once the delivery ended, delivered or not. A claim that runs out
   * (its probe died on the way) counts as not delivered.
   */
  sendingUntil: number | null;
}

/** The scope of alerts recorded before locations existed (migration 5), until one scope claims them. */
export const BEFORE_LOCATIONS = '(before locations)';

/** The schema, one step per entry, written once for both engines (`{id}` is each one's auto-increment key). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS {runs} (
     id             {id},
     started_at     TEXT    NOT NULL,
     started_ms     BIGINT  NOT NULL,
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
   CREATE INDEX IF NOT EXISTS runs_started_ms ON {runs} (started_ms);
   CREATE TABLE IF NOT EXISTS {alerts} (
     id        {id},
     at        TEXT    NOT NULL,
     kind      TEXT    NOT NULL CHECK (kind IN ('failing', 'recovered', 'reminder')),
     run_id    BIGINT  NOT NULL,
     delivered INTEGER NOT NULL CHECK (delivered IN (0, 1)),
     detail    TEXT    NOT NULL
   );`,
  // 2: runs of several sessions at once (PROBE_USERS).
  `ALTER TABLE {runs} ADD COLUMN users INTEGER NOT NULL DEFAULT 1;`,
  // 3: a fleet. Where each run ran; whose alert an alert is (a location, or the fleet); the rows probes lock
  // to decide an alert one at a time. Rows of before have location and scope '' (one machine).
  `ALTER TABLE {runs} ADD COLUMN location TEXT NOT NULL DEFAULT '';
   ALTER TABLE {alerts} ADD COLUMN scope TEXT NOT NULL DEFAULT '';
   CREATE TABLE IF NOT EXISTS {alert_state} (scope TEXT PRIMARY KEY);
   CREATE INDEX IF NOT EXISTS runs_location ON {runs} (location, started_ms);`,
  // 4: alerts as an outbox: recorded under the scope's lock before they are sent, delivered outside it.
  `ALTER TABLE {alerts} ADD COLUMN sending_until BIGINT;`,
  // 5: the alerts of before locations existed wait for the one scope they belong to (claimBeforeLocations).
  `UPDATE {alerts} SET scope = '${BEFORE_LOCATIONS}' WHERE scope = '';`,
  // 6: when the answer became visible in the page (null for runs of before, and runs with no visible answer).
  `ALTER TABLE {runs} ADD COLUMN answer_visible_ms INTEGER;`,
  // 7: the run's W3C trace id (the deciding session's; null for runs of before and PROBE_TRACE_PROPAGATION=off).
  `ALTER TABLE {runs} ADD COLUMN trace_id TEXT;`,
  // 8: journeys (a team's own, PROBE_JOURNEYS; runs of before were the built-in one), and each turn's times
  // (JSON, for runs of several turns; null for one).
  `ALTER TABLE {runs} ADD COLUMN journey TEXT NOT NULL DEFAULT '${BUILT_IN_JOURNEY}';
   ALTER TABLE {runs} ADD COLUMN turns TEXT;
   CREATE INDEX IF NOT EXISTS runs_journey ON {runs} (journey, started_ms);`,
];

const AUTO_ID: Record<Dialect, string> = {
  sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  postgres: 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY',
};

/** The schema version this code writes. */
export const HISTORY_SCHEMA_VERSION = MIGRATIONS.length;

/** The alert scope of the fleet's alerts (PROBE_ALERT_LOCATIONS); a location's alerts have its name. */
export const FLEET_SCOPE = 'fleet';


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
  answer_visible_ms: number | null;
  events: string;
  target: string;
  version: string | null;
  run_dir: string;
  failed_check: string | null;
  users: number;
  location: string;
  trace_id: string | null;
  journey: string;
  turns: string | null;
}

interface AlertRow {
  id: number;
  at: string;
  kind: string;
  run_id: number;
  delivered: number;
  detail: string;
  scope: string;
  sending_until: number | null;
}

const RUN_COLUMNS = [
  'started_at', 'started_ms', 'finished_at', 'status', 'class', 'message', 'duration_ms', 'first_event_ms',
  'complete_ms', 'answer_visible_ms', 'events', 'target', 'version', 'run_dir', 'failed_check', 'users', 'location', 'trace_id',
  'journey', 'turns',
] as const;

/** Every table the probe makes, with every column any version of it had: all else in its namespace is another's. */
const HISTORY_COLUMNS: HistoryColumns = {
  runs: ['id', ...RUN_COLUMNS],
  alerts: ['id', 'at', 'kind', 'run_id', 'delivered', 'detail', 'scope', 'sending_until'],
  alert_state: ['scope'],
};

/** A statement with its `{table}` names (and `{id}`, the auto-increment key) as this engine writes them. */
function sql(db: SqlDb, text: string): string {
  return text.replace(/\{(\w+)\}/g, (token, name: string) => (name === 'id' ? AUTO_ID[db.dialect] : name in HISTORY_COLUMNS ? db.table(name) : token));
}

export class History {
  private constructor(private readonly db: SqlDb) {}

  /** Where the history is, as it may be printed (a URL without its password). */
  get where(): string {
    return this.db.where;
  }

  /**
   * Opens the history (a file path: SQLite, creating folders and file; a postgres:// URL: PostgreSQL, in
   * `schema`, default golden_path) and migrates its schema, under a lock, so that probes starting together
   * do not race.
   */
  static async open(setting: string, schema?: string): Promise<History> {
    const db = await openDb(setting, schema);
    try {
      await migrate(db);
      return new History(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  async record(result: RunResult, runDir: string): Promise<HistoryRecord> {
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
      answer_visible_ms: v.timings.answerVisibleMs ?? null,
      events: JSON.stringify(Object.fromEntries(v.events.map((e) => [e.type, e.firstSeenMs]))),
      target: targetName(result.target),
      version: result.target.version ?? null,
      run_dir: runDir,
      failed_check: failedCheckOf(result),
      users: result.users ?? 1,
      location: result.location ?? '',
      trace_id: result.traceId ?? null,
      journey: journeyOf(result),
      turns: result.turns ? JSON.stringify(result.turns.map(turnTimesOf)) : null,
    };
    const values: Record<string, unknown> = { ...row, started_ms: epochMs(result.startedAt) ?? epochMs(result.finishedAt) ?? Date.now() };
    const [inserted] = await this.db.all<{ id: number }>(
      sql(this.db, `INSERT INTO {runs} (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`),
      RUN_COLUMNS.map((c) => values[c]),
    );
    return toRecord({ id: Number(inserted!.id), ...row });
  }

  /** Runs that started at or after the instant (an ISO date or epoch ms), oldest first; of one location, of one journey, when given. */
  async since(isoOrEpochMs: string | number, location?: string, journey?: string): Promise<HistoryRecord[]> {
    const from = typeof isoOrEpochMs === 'number' ? isoOrEpochMs : epochMs(isoOrEpochMs);
    if (from === null || !Number.isFinite(from)) {
      throw new Error(
        `history: ${JSON.stringify(isoOrEpochMs)} is not an instant; give an ISO date or epoch milliseconds`,
      );
    }
    const rows = await this.db.all<RunRow>(
      sql(this.db, `SELECT * FROM {runs} WHERE ${OF_LOCATION} AND ${OF_JOURNEY} AND started_ms >= $2 ORDER BY started_ms, id`),
      [location ?? null, Math.floor(from), journey ?? null],
    );
    return rows.map(toRecord);
  }

  /** The `n` most recent runs (by start), oldest first; of one location, of one journey, when given. */
  async last(n: number, location?: string, journey?: string): Promise<HistoryRecord[]> {
    const limit = Math.floor(n);
    if (!(limit > 0)) return [];
    const rows = await this.db.all<RunRow>(
      sql(this.db, `SELECT * FROM (SELECT * FROM {runs} WHERE ${OF_LOCATION} AND ${OF_JOURNEY} ORDER BY started_ms DESC, id DESC LIMIT $2) AS recent ORDER BY started_ms, id`),
      [location ?? null, limit, journey ?? null],
    );
    return rows.map(toRecord);
  }

  /** The most recently recorded alert of a scope (a location, '', or FLEET_SCOPE); any scope when none is given. */
  async lastAlert(scope?: string): Promise<AlertRecord | null> {
    const [row] = await this.db.all<AlertRow>(sql(this.db, `SELECT * FROM {alerts} WHERE CAST($1 AS TEXT) IS NULL OR scope = $1 ORDER BY id DESC LIMIT 1`), [scope ?? null]);
    return row === undefined ? null : toAlert(row);
  }

  /**
   * The state of before locations existed was one machine's: the first probe to decide a location's alert
   * takes it over, once (under its scope's lock): the alerts of BEFORE_LOCATIONS become `scope`'s, and, when the
   * probe has a location, the runs of before (location '') become its runs. Every other location starts afresh,
   * so an episode open then ends with one `recovered`, not one per location. The fleet's alerts never continue it.
   */
  async claimBeforeLocations(scope: string, location: string | undefined): Promise<void> {
    await this.db.all(sql(this.db, `UPDATE {alerts} SET scope = $1 WHERE scope = $2`), [scope, BEFORE_LOCATIONS]);
    if (location !== undefined && location !== '') await this.db.all(sql(this.db, `UPDATE {runs} SET location = $1 WHERE location = ''`), [location]);
  }

  async recordAlert(a: Omit<AlertRecord, 'id'>): Promise<AlertRecord> {
    const [inserted] = await this.db.all<{ id: number }>(
      sql(this.db, `INSERT INTO {alerts} (at, kind, run_id, delivered, detail, scope, sending_until) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`),
      [a.at, a.kind, a.runId, a.delivered ? 1 : 0, a.detail, a.scope, a.sendingUntil],
    );
    return { id: Number(inserted!.id), ...a };
  }

  /** The end of an alert's delivery: delivered or not, with what the receiver said; its claim released. */
  async markAlert(id: number, delivered: boolean, detail: string): Promise<void> {
    await this.db.all(sql(this.db, `UPDATE {alerts} SET delivered = $2, detail = $3, sending_until = NULL WHERE id = $1`), [id, delivered ? 1 : 0, detail]);
  }

  /**
   * Runs `body` (read the state, decide, record the alert to send) with the alert state of `scope` locked: of
   * several probes finishing at once, one decides at a time, so exactly one records it and none twice. The
   * delivery happens after, outside the lock (an outbox): a slow webhook never holds another probe's record.
   */
  underAlertLock<T>(scope: string, body: () => Promise<T>): Promise<T> {
    return this.db.exclusive(body, scope);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** Runs of one location (`$1`), the runs of before locations existed with them; every run when `$1` is null. */
const OF_LOCATION = `(CAST($1 AS TEXT) IS NULL OR location = $1 OR location = '')`;
/** Runs of one journey (`$3`); every run when `$3` is null. */
const OF_JOURNEY = `(CAST($3 AS TEXT) IS NULL OR journey = $3)`;

async function migrate(db: SqlDb): Promise<void> {
  // Under the lock: the first of several probes opening a new database creates the schema; the others wait
  // for it, then see the version it wrote and do nothing.
  await db.exclusive(async () => {
    await claimNamespace(db, HISTORY_COLUMNS);
    const current = await db.schemaVersion();
    if (current > MIGRATIONS.length) {
      throw new Error(
        `${db.where}: history schema version ${current} is newer than this golden-path-probe knows (${MIGRATIONS.length}); upgrade the probe or use another --history file`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await db.exec(sql(db, MIGRATIONS[version] ?? ''));
      await db.setSchemaVersion(version + 1);
    }
  });
}

/** The check that decided a failing verdict (the judge's rule); null for a run that passed or was degraded. */
function failedCheckOf(result: RunResult): string | null {
  const v = result.verdict;
  return v.status === 'fail' || v.status === 'error' ? (decidingCheck(v)?.name ?? null) : null;
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
    answerVisibleMs: row.answer_visible_ms,
    events: parseEvents(row.events),
    target: row.target,
    version: row.version,
    runDir: row.run_dir,
    failedCheck: row.failed_check,
    users: row.users,
    location: row.location,
    traceId: row.trace_id ?? null,
    journey: row.journey,
    turns: parseTurns(row.turns),
  };
}

function turnTimesOf(t: TurnEntry): TurnTimes {
  const { firstEventMs, completeMs, answerVisibleMs } = t.verdict.timings;
  return { turn: t.turn, status: t.verdict.status, firstEventMs, completeMs, answerVisibleMs: answerVisibleMs ?? null };
}

/** The turns column as written by turnTimesOf; anything else (null, a row edited by hand) is no turns. */
function parseTurns(json: string | null): TurnTimes[] | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return null;
    const time = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return value
      .filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null && typeof (t as { turn?: unknown }).turn === 'number')
      .map((t) => ({ turn: t.turn as number, status: String(t.status) as Status, firstEventMs: time(t.firstEventMs), completeMs: time(t.completeMs), answerVisibleMs: time(t.answerVisibleMs) }));
  } catch {
    return null;
  }
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
    scope: row.scope,
    sendingUntil: row.sending_until ?? null,
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
  /**
   * The five required events in contract order (each the first of its type a run saw), then others by name,
   * then the run's own milestones: its final agent_completed and its answer visible in the page (TIMING_ROWS),
   * then, for runs of several turns, each turn's (turnRow).
   */
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

/**
 * The run's milestones beside the events: the final agent_completed (a sub-agent's completion comes first, and
 * is what the event row shows) and the answer visible in the page, the wait the user feels.
 */
export const TIMING_ROWS = { final: 'final agent_completed', answer: 'answer visible' } as const;

/** The row of a turn's milestone, for runs of several turns: `turn 2: answer visible`. */
export function turnRow(turn: number, milestone: keyof typeof TIMING_ROWS): string {
  return `turn ${turn}: ${TIMING_ROWS[milestone]}`;
}

export function historyStats(records: HistoryRecord[]): HistoryStats {
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const classes = new Map<string, number>();
  const users = new Map<number, number>();
  const times = new Map<string, number[]>(HISTORY_EVENT_ORDER.map((type) => [type, []]));
  const milestones = { final: [] as number[], answer: [] as number[] };
  // Runs of several turns (PROBE_TURNS, a journey's follow-ups): each turn's own milestones, by turn.
  const turnTimes: Array<{ final: number[]; answer: number[] }> = [];
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
    if (r.completeMs !== null) milestones.final.push(r.completeMs);
    if (r.answerVisibleMs !== null) milestones.answer.push(r.answerVisibleMs);
    for (const t of r.turns ?? []) {
      const of = (turnTimes[t.turn - 1] ??= { final: [], answer: [] });
      if (t.completeMs !== null) of.final.push(t.completeMs);
      if (t.answerVisibleMs !== null) of.answer.push(t.answerVisibleMs);
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
    events: [
      ...[...HISTORY_EVENT_ORDER, ...others].map((type) => percentiles(type, times.get(type) ?? [])),
      percentiles(TIMING_ROWS.final, milestones.final),
      percentiles(TIMING_ROWS.answer, milestones.answer),
      ...[...turnTimes.entries()].flatMap(([i, t]) => (t === undefined ? [] : [percentiles(turnRow(i + 1, 'final'), t.final), percentiles(turnRow(i + 1, 'answer'), t.answer)])),
    ],
    from: from?.iso ?? null,
    to: to?.iso ?? null,
    byUsers: Object.fromEntries([...users].sort((a, b) => a[0] - b[0]).map(([n, runs]) => [String(n), runs])),
  };
}

function percentiles(type: string, values: number[]): EventStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { type, n: sorted.length, p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95) };
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
  // The events are each the first of its type a run saw; the run's own end and answer follow them.
  const named = (type: string) => (HISTORY_EVENT_ORDER.includes(type) ? `${type} (first)` : type);
  const rows = [['event', 'n', 'p50', 'p95'], ...stats.events.map((e) => [named(e.type), String(e.n), ms(e.p50), ms(e.p95)])];
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

/** `history --by location`: per location, the runs, the success rate and p50/p95 of each required event. */
export function renderHistoryByLocation(records: HistoryRecord[], label: string): string {
  const lines = [`golden-path-probe history, ${label}, by location`];
  const locations = [...new Set(records.map((r) => r.location))].sort();
  if (locations.length === 0) return `${lines[0]}\nno runs recorded in this window\n`;
  const series = [...HISTORY_EVENT_ORDER, TIMING_ROWS.final, TIMING_ROWS.answer];
  const header = ['location', 'runs', 'success', ...series.map((e) => `${e} p50/p95`)];
  const rows = locations.map((location) => {
    const stats = historyStats(records.filter((r) => r.location === location));
    const rate = stats.successRate === null ? 'n/a' : `${(stats.successRate * 100).toFixed(1)}%`;
    const events = series.map((type) => {
      const e = stats.events.find((x) => x.type === type);
      return e === undefined || e.n === 0 ? '-' : `${Math.round(e.p50 ?? 0)}/${Math.round(e.p95 ?? 0)} ms`;
    });
    return [location === '' ? '(before locations)' : location, String(stats.runs), rate, ...events];
  });
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const r of table) lines.push(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
  return lines.join('\n') + '\n';
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

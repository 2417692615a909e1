// The two engines the history runs on, behind one small interface, so that history.ts writes each statement
// once: SQLite (a file, the embedded default for one machine) and PostgreSQL (a `postgres://` URL, shared by
// a fleet of probes). Statements use PostgreSQL's `$1` placeholders; the SQLite side reads them as `?1`.
// `exclusive()` is the one way to serialize probes: a transaction that holds the database's write lock
// (SQLite: BEGIN IMMEDIATE) or, on PostgreSQL, the row of `alert_state` it names (SELECT ... FOR UPDATE),
// else a transaction-scoped advisory lock (the schema's migrations, before any table exists).
// On PostgreSQL every table is named with the history's own schema (PROBE_HISTORY_SCHEMA, `table()`), never
// through the search_path (which a pooler may not keep), so that a table of somebody else's in `public` is
// never read or written.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Client, ClientConfig } from 'pg';
import { describeHistoryDb, isPostgresUrl, isSchemaName } from '../config/history-url';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDb {
  readonly dialect: Dialect;
  /** Where the history is, as it may be printed: the file, or the URL without its password. */
  readonly where: string;
  /** PostgreSQL: the schema that holds the history (validated as a plain identifier); SQLite: null, the file is its own. */
  readonly schema: string | null;
  /** A table of the history as statements name it: `golden_path.runs` on PostgreSQL, `runs` on SQLite. */
  table(name: string): string;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs statements without parameters, several at once (the schema's migrations). */
  exec(sql: string): Promise<void>;
  /** The schema version this database holds (0: none yet). */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;
  /**
   * Runs `body` in one transaction that no other probe's `exclusive` on the same lock runs beside; rolls back
   * if it throws. `row`: the scope of the alert state it decides (a row lock on PostgreSQL).
   */
  exclusive<T>(body: () => Promise<T>, row?: string): Promise<T>;
  close(): Promise<void>;
}

/** How long a writer waits for another process's lock before it gives up: longer than an alert's delivery. */
export const HISTORY_LOCK_TIMEOUT_MS = 15_000;
/** How long the probe tries to reach a PostgreSQL server before it says it cannot. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;

/** The history's PostgreSQL schema unless PROBE_HISTORY_SCHEMA says another. */
export const DEFAULT_HISTORY_SCHEMA = 'golden_path';

export async function openDb(setting: string, schema = DEFAULT_HISTORY_SCHEMA): Promise<SqlDb> {
  return isPostgresUrl(setting) ? PostgresDb.connect(setting, schema) : SqliteDb.open(setting);
}

/* eslint-disable @typescript-eslint/no-require-imports -- each engine is loaded only when it is used */
class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite';
  readonly schema = null;

  table(name: string): string {
    return name;
  }

  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly where: string,
  ) {}

  static open(path: string): SqliteDb {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(path, { timeout: HISTORY_LOCK_TIMEOUT_MS });
    try {
      db.pragma(`busy_timeout = ${HISTORY_LOCK_TIMEOUT_MS}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      return new SqliteDb(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const statement = this.db.prepare(sql.replace(/\$(\d+)/g, '?$1'));
    // better-sqlite3 binds numbered parameters (?1, used as often as the statement likes) by name: '1', '2', ...
    const named = Object.fromEntries(params.map((value, i) => [String(i + 1), value]));
    const args = params.length === 0 ? [] : [named];
    return (statement.reader ? statement.all(...args) : (statement.run(...args), [])) as T[];
  }

  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async schemaVersion(): Promise<number> {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async setSchemaVersion(version: number): Promise<void> {
    this.db.pragma(`user_version = ${Math.floor(version)}`);
  }

  async exclusive<T>(body: () => Promise<T>): Promise<T> {
    // IMMEDIATE takes the write lock now, so two probes never decide on the same state.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await body();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** The advisory lock key of the probe's history (any constant; one per database). */
const LOCK_KEY = 4_711_2026;

class PostgresDb implements SqlDb {
  readonly dialect = 'postgres';

  private constructor(
    private readonly client: Client,
    readonly where: string,
    readonly schema: string,
  ) {}

  static async connect(url: string, schema: string): Promise<PostgresDb> {
    const pg = require('pg') as typeof import('pg');
    const where = describeHistoryDb(url);
    // The config refuses any other name; checked again here, since it goes into SQL.
    if (!isSchemaName(schema)) throw new Error(`${JSON.stringify(schema)} is not a schema name the history can use`);
    const config: ClientConfig = {
      connectionString: url,
      connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
      statement_timeout: HISTORY_LOCK_TIMEOUT_MS * 2,
      lock_timeout: HISTORY_LOCK_TIMEOUT_MS,
      application_name: 'golden-path-probe',
      // BIGINT (epoch ms, ids) as numbers: every value the history keeps fits in a double.
      types: { getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as never },
    };
    const client = new pg.Client(config);
    // A server that goes away later emits `error` on the client: it must not crash the probe; the next query fails.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new Error(`PostgreSQL at ${where} cannot be reached: ${reason(err)}`);
    }
    return new PostgresDb(client, where, schema);
  }

  table(name: string): string {
    return `${this.schema}.${name}`;
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.client.query(sql, params)).rows as T[];
    } catch (err) {
      throw new Error(`PostgreSQL at ${this.where}: ${reason(err)}`);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.all(sql);
  }

  async schemaVersion(): Promise<number> {
    // history-namespace.ts made the table when it claimed the schema.
    const rows = await this.all<{ version: number }>(`SELECT version FROM ${this.table('golden_path_schema')}`);
    return rows[0]?.version ?? 0;
  }

  async setSchemaVersion(version: number): Promise<void> {
    await this.all(`DELETE FROM ${this.table('golden_path_schema')}`);
    await this.all(`INSERT INTO ${this.table('golden_path_schema')} (version) VALUES ($1)`, [version]);
  }

  async exclusive<T>(body: () => Promise<T>, row?: string): Promise<T> {
    await this.all('BEGIN');
    try {
      if (row === undefined) await this.all('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      else {
        // A probe that inserts the row second waits for the first's commit, then both lock the same row.
        await this.all(`INSERT INTO ${this.table('alert_state')} (scope) VALUES ($1) ON CONFLICT DO NOTHING`, [row]);
        await this.all(`SELECT scope FROM ${this.table('alert_state')} WHERE scope = $1 FOR UPDATE`, [row]);
      }
      const result = await body();
      await this.all('COMMIT');
      return result;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** A driver error as one line: its code and message (pg's messages never carry the password). */
function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message || e.code || String(err);
  return e.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

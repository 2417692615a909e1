// The history's namespace, claimed before its schema is migrated (under the migration lock): on PostgreSQL a
// schema of its own (PROBE_HISTORY_SCHEMA, default golden_path), on SQLite the file. Everything found there
// must be the probe's own: an object it did not create (a team's `runs` table, a view) is an error that names
// it, never adopted, since migrations would alter it. The history of before (the probe's tables in `public`,
// marked by public.golden_path_schema) moves into the schema whole, rows, indexes and sequences with it.

import type { SqlDb } from './history-db';

/** PostgreSQL: the table that keeps the schema's version (SQLite: user_version), and marks a schema as the probe's. */
export const VERSION_TABLE = 'golden_path_schema';

/** The probe's tables and their columns (any version's columns are among them); their indexes and sequences are its own too. */
export type HistoryColumns = Readonly<Record<string, readonly string[]>>;

interface FoundObject {
  name: string;
  kind: string;
  /** The table an index or sequence belongs to; a table's own name; null for anything else. */
  of_table: string | null;
}

export async function claimNamespace(db: SqlDb, columns: HistoryColumns): Promise<void> {
  if (db.schema === null) await claimFile(db, columns);
  else await claimSchema(db, db.schema, columns);
}

/** SQLite: a file of schema version 0 holds nothing yet; one of ours holds only our tables (and their indexes). */
async function claimFile(db: SqlDb, columns: HistoryColumns): Promise<void> {
  const found = await db.all<FoundObject>(`SELECT name, type AS kind, tbl_name AS of_table FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`);
  const ours = (await db.schemaVersion()) > 0;
  const foreign = found.filter((o) => !ours || o.of_table === null || !(o.of_table in columns));
  if (foreign.length > 0) {
    throw new Error(`${db.where}: ${describe(foreign, '')} not created by golden-path-probe: the history's file holds its own tables only, and never adopts another's; give PROBE_HISTORY_DB a file of its own`);
  }
}

/** Every object in a PostgreSQL schema (`$1`), with the table an index or an identity sequence belongs to. */
const OBJECTS_IN_SCHEMA = `
  SELECT c.relname AS name,
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
           WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'f' THEN 'foreign table' ELSE 'type' END AS kind,
         CASE WHEN c.relkind IN ('r', 'p') THEN c.relname ELSE COALESCE(indexed.relname, owner.relname) END AS of_table
    FROM pg_class c
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class indexed ON indexed.oid = i.indrelid
    LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class owner ON owner.oid = d.refobjid
   WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
  UNION ALL
  SELECT p.proname, 'function', NULL FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
  UNION ALL
  SELECT t.typname, 'type', NULL FROM pg_type t
   WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND t.typrelid = 0 AND t.typcategory <> 'A'
  ORDER BY 1`;

/**
 * PostgreSQL: the schema is the probe's when it holds the version table; then everything in it must belong to
 * the probe's tables. A schema without it must be empty (one a DBA made for the probe is fine) or absent
 * (created now). The tables of before move in from `public` when public.golden_path_schema marks them.
 */
async function claimSchema(db: SqlDb, schema: string, columns: HistoryColumns): Promise<void> {
  const found = await db.all<FoundObject>(OBJECTS_IN_SCHEMA, [schema]);
  const ours = found.some((o) => o.name === VERSION_TABLE && o.kind === 'table');
  const known = (o: FoundObject) => o.of_table !== null && (o.of_table === VERSION_TABLE || o.of_table in columns);
  const foreign = found.filter((o) => !ours || !known(o));
  if (foreign.length > 0) {
    throw new Error(`${db.where}: ${describe(foreign, `${schema}.`)} not created by golden-path-probe: its schema ${schema} holds the probe's own tables only, and never adopts another's; set PROBE_HISTORY_SCHEMA to a schema of its own, or move them out`);
  }
  if (ours) return;
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const [legacy] = await db.all<{ marked: boolean }>(`SELECT to_regclass('public.${VERSION_TABLE}') IS NOT NULL AS marked`);
  if (legacy?.marked) await moveFromPublic(db, schema, columns);
  else await db.exec(`CREATE TABLE ${schema}.${VERSION_TABLE} (version INTEGER NOT NULL)`);
}

/** The history of before, in `public`: each of its tables moves into the schema whole, after its columns show it is the probe's. */
async function moveFromPublic(db: SqlDb, schema: string, columns: HistoryColumns): Promise<void> {
  const tables = { ...columns, [VERSION_TABLE]: ['version'] };
  for (const [table, known] of Object.entries(tables)) {
    const present = await db.all<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
      [table],
    );
    if (present.length === 0) continue;
    const strange = present.map((c) => c.column_name).filter((c) => !known.includes(c));
    if (strange.length > 0) {
      throw new Error(`${db.where}: public.${table} is marked as the probe's history of before (public.${VERSION_TABLE}) but has columns the probe never made (${strange.join(', ')}): left where it is; move the probe's own rows by hand`);
    }
    await db.exec(`ALTER TABLE public.${table} SET SCHEMA ${schema}`);
  }
}

function describe(objects: FoundObject[], prefix: string): string {
  const named = objects.map((o) => `${prefix}${o.name} (${o.kind})`);
  return `${named.join(', ')} ${named.length === 1 ? 'was' : 'were'}`;
}

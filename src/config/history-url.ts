// PROBE_HISTORY_DB is a file path (SQLite) or a postgres:// URL (PostgreSQL). A URL may carry a password:
// these say which it is, how it may be printed, and what the redactor must hide; and which schema names
// (PROBE_HISTORY_SCHEMA) the history may live in.

export function isPostgresUrl(setting: string): boolean {
  return /^postgres(ql)?:\/\//i.test(setting);
}

/** The setting as it may be printed: a URL loses its password (and any query value), a path stays. */
export function describeHistoryDb(setting: string): string {
  if (!isPostgresUrl(setting)) return setting;
  try {
    const url = new URL(setting);
    return `postgres://${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'postgres://(a URL that does not parse)';
  }
}

/** The password of a postgres URL, for the redactor; undefined for a file path. */
export function historyDbSecret(setting: string | null): string | undefined {
  if (setting === null || !isPostgresUrl(setting)) return undefined;
  try {
    const password = new URL(setting).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/**
 * A schema name the history can use: a plain lowercase identifier (never quoted, so it reads the same in
 * psql), not `public` (everyone's) nor one of PostgreSQL's own.
 */
export function isSchemaName(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name) && name !== 'public' && name !== 'information_schema' && !name.startsWith('pg_');
}

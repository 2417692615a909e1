// The test users of a run with several sessions (PROBE_USERS above 1): one distinct user a session, taken
// from the login strategy's own source. Two sessions never share a user: a platform that routes by user
// cannot be checked for cross-talk with one. Files are read here, once, and their secrets never leave the
// probe's memory: they go to each session's login and to the redactor.

import { readFileSync } from 'node:fs';
import type { LoginStrategy } from './variables';

/** The credentials one session logs in with; only those its login strategy uses are set. */
export interface SessionLogin {
  username?: string;
  password?: string;
  e2eEmail: string;
  token?: string;
}

export interface UsersSource {
  users: number;
  login: LoginStrategy;
  embedded: boolean;
  username?: string;
  password?: string;
  e2eEmail: string;
  token?: string;
  emailPattern: string;
  usersFile?: string;
  tokensFile?: string;
}

export type SessionLogins = { ok: true; logins: SessionLogin[] } | { ok: false; problems: string[] };

/** The users of sessions 1..N; with one session, the configured user as it is. */
export function sessionLogins(s: UsersSource): SessionLogins {
  const single: SessionLogin = { username: s.username, password: s.password, e2eEmail: s.e2eEmail, token: s.token };
  if (s.users === 1) return { ok: true, logins: [single] };
  const each = Array.from({ length: s.users }, (_, i) => i + 1);
  switch (s.login) {
    case 'e2e-bypass':
      return distinct(
        each.map((n) => ({ ...single, e2eEmail: numbered(s.e2eEmail, s.emailPattern, n) })),
        (l) => l.e2eEmail,
        'PROBE_USER_EMAIL_PATTERN',
      );
    case 'form':
      // The embedded reference staging knows its own numbered users (probe+n@reference.test), password shared.
      // Its username is published when it has started: before that (the CLI's check) there is none yet.
      if (s.usersFile === undefined && s.embedded) {
        const base = s.username;
        return { ok: true, logins: each.map((n) => ({ ...single, username: base === undefined ? undefined : numbered(base, s.emailPattern, n) })) };
      }
      return fromFile(s.usersFile, 'PROBE_USERS_FILE', s.users, parseUsersFile, (c) => ({ ...single, ...c }), (l) => l.username!);
    case 'token':
      return fromFile(s.tokensFile, 'PROBE_TOKENS_FILE', s.users, parseTokensFile, (token) => ({ ...single, token }), (l) => l.token!);
    case 'storage-state':
      return { ok: false, problems: ['PROBE_USERS above 1 needs a login that can log in several users: a storage state holds one user (use form, e2e-bypass or token)'] };
  }
}

/** `{local}+{n}@{domain}` applied to `probe@example.com` for n = 2: `probe+2@example.com`. */
export function numbered(email: string, pattern: string, n: number): string {
  const at = email.lastIndexOf('@');
  const local = at < 0 ? email : email.slice(0, at);
  const domain = at < 0 ? '' : email.slice(at + 1);
  return pattern.replaceAll('{local}', local).replaceAll('{domain}', domain).replaceAll('{n}', String(n));
}

function fromFile<T>(
  file: string | undefined,
  variable: string,
  users: number,
  parse: (text: string) => T[] | string,
  toLogin: (entry: T) => SessionLogin,
  key: (l: SessionLogin) => string,
): SessionLogins {
  if (file === undefined) return { ok: false, problems: [`${variable} is required with PROBE_USERS=${users}: one user a session`] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`${variable} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  const entries = parse(text);
  if (typeof entries === 'string') return { ok: false, problems: [`${variable} ${file}: ${entries}`] };
  if (entries.length < users) return { ok: false, problems: [`${variable} ${file} holds ${entries.length} users; PROBE_USERS=${users} needs ${users}`] };
  return distinct(entries.slice(0, users).map(toLogin), key, variable);
}

/** A JSON list of {username, password}; what is wrong names the entry, never a password. */
function parseUsersFile(text: string): Array<{ username: string; password: string }> | string {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return 'is not JSON (a list of {"username", "password"} is expected)';
  }
  if (!Array.isArray(list)) return 'must hold a JSON list of {"username", "password"}';
  for (const [i, entry] of list.entries()) {
    const e = entry as Record<string, unknown> | null;
    if (typeof e?.username !== 'string' || e.username === '' || typeof e.password !== 'string' || e.password === '')
      return `entry ${i + 1} needs a non-empty "username" and "password"`;
  }
  return (list as Array<{ username: string; password: string }>).map(({ username, password }) => ({ username, password }));
}

function parseTokensFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function distinct(logins: SessionLogin[], key: (l: SessionLogin) => string, variable: string): SessionLogins {
  const seen = new Map<string, number>();
  for (const [i, login] of logins.entries()) {
    const first = seen.get(key(login));
    // Which sessions, not the value: it may be a token.
    if (first !== undefined) return { ok: false, problems: [`${variable} gives sessions ${first + 1} and ${i + 1} the same user; each session needs its own`] };
    seen.set(key(login), i);
  }
  return { ok: true, logins };
}

import { expect, test } from '@playwright/test';
import { hostname } from 'node:os';
import { describeHistoryDb, historyDbSecret, isPostgresUrl } from '../../src/config/history-url';
import { messageBoxCandidates, sendCandidates, tried } from '../../src/capture/chat';
import { loadConfig, type ChatSettings } from '../../src/config/load';

test('no staging configured: the embedded reference, with every default', () => {
  const r = loadConfig({});
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.config).toMatchObject({
    embedded: true,
    login: 'form',
    answerSelector: undefined,
    firstEventTimeoutMs: 15000,
    completeTimeoutMs: 60000,
    reportDir: 'reports',
  });
});

test('API and auth URLs default to the app URL, trailing slashes dropped', () => {
  const r = loadConfig({ PROBE_APP_URL: 'https://app.example.com/', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p' });
  expect(r.ok && [r.config.appUrl, r.config.apiUrl, r.config.authUrl, r.config.embedded]).toEqual([
    'https://app.example.com',
    'https://app.example.com',
    'https://app.example.com',
    false,
  ]);
});

test('every problem is reported at once, naming its variable', () => {
  const r = loadConfig({
    PROBE_APP_URL: 'not-a-url',
    PROBE_API_URL: 'ftp://x',
    PROBE_LOGIN: 'sso',
    PROBE_COMPLETE_TIMEOUT_MS: '1.5',
    PROBE_FIRST_EVENT_TIMEOUT_MS: '0',
    PROBE_EXPECT_ANSWER: '(unclosed',
  });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.problems).toEqual([
    'PROBE_APP_URL must be an absolute http(s) URL, got "not-a-url"',
    'PROBE_API_URL must be an http or https URL, got "ftp://x"',
    'PROBE_LOGIN must be one of form, e2e-bypass, token, storage-state; got "sso"',
    expect.stringContaining('PROBE_EXPECT_ANSWER is not a valid regular expression'),
    'PROBE_FIRST_EVENT_TIMEOUT_MS must be a positive whole number of milliseconds, got "0"',
    'PROBE_COMPLETE_TIMEOUT_MS must be a positive whole number of milliseconds, got "1.5"',
  ]);
});

test('a real target must name the credentials of its login strategy', () => {
  const base = { PROBE_APP_URL: 'https://app.example.com' };
  expect(loadConfig(base)).toEqual({
    ok: false,
    problems: ['PROBE_USERNAME is required when PROBE_LOGIN=form', 'PROBE_PASSWORD is required when PROBE_LOGIN=form'],
  });
  expect(loadConfig({ ...base, PROBE_LOGIN: 'e2e-bypass' })).toEqual({
    ok: false,
    problems: ['PROBE_E2E_BYPASS_KEY is required when PROBE_LOGIN=e2e-bypass'],
  });
  expect(loadConfig({ ...base, PROBE_LOGIN: 'token' })).toEqual({ ok: false, problems: ['PROBE_TOKEN is required when PROBE_LOGIN=token'] });
});

test('a warning budget set above its timeout set is refused, for both pairs', () => {
  const r = loadConfig({ PROBE_COMPLETE_WARN_MS: '70000', PROBE_COMPLETE_TIMEOUT_MS: '60000', PROBE_FIRST_EVENT_WARN_MS: '9000', PROBE_FIRST_EVENT_TIMEOUT_MS: '8000' });
  expect(r).toEqual({
    ok: false,
    problems: ['PROBE_FIRST_EVENT_WARN_MS (9000) must not exceed PROBE_FIRST_EVENT_TIMEOUT_MS (8000)', 'PROBE_COMPLETE_WARN_MS (70000) must not exceed PROBE_COMPLETE_TIMEOUT_MS (60000)'],
  });
});

test('a timeout set alone takes its warning along at the defaults\' ratio; a warning set alone above the default timeout raises it', () => {
  const budgets = (env: Record<string, string>) => {
    const r = loadConfig(env);
    if (!r.ok) throw new Error(r.problems.join('; '));
    const c = r.config;
    return { firstWarn: c.firstEventWarnMs, firstTimeout: c.firstEventTimeoutMs, warn: c.completeWarnMs, timeout: c.completeTimeoutMs };
  };
  expect(budgets({})).toEqual({ firstWarn: 5000, firstTimeout: 15000, warn: 30000, timeout: 60000 });
  // The case of the issue: 15 s alone used to exit 2 against the 30 s default warning.
  expect(budgets({ PROBE_COMPLETE_TIMEOUT_MS: '15000' })).toMatchObject({ warn: 7500, timeout: 15000 });
  expect(budgets({ PROBE_COMPLETE_TIMEOUT_MS: '120000' })).toMatchObject({ warn: 60000, timeout: 120000 });
  expect(budgets({ PROBE_FIRST_EVENT_TIMEOUT_MS: '3000' })).toMatchObject({ firstWarn: 1000, firstTimeout: 3000 });
  // A warning alone keeps the default timeout while it fits under it, and raises it when it does not.
  expect(budgets({ PROBE_COMPLETE_WARN_MS: '20000' })).toMatchObject({ warn: 20000, timeout: 60000 });
  expect(budgets({ PROBE_COMPLETE_WARN_MS: '90000' })).toMatchObject({ warn: 90000, timeout: 180000 });
  expect(budgets({ PROBE_FIRST_EVENT_WARN_MS: '20000' })).toMatchObject({ firstWarn: 20000, firstTimeout: 60000 });
  // Both set and consistent: taken as they are.
  expect(budgets({ PROBE_COMPLETE_WARN_MS: '10000', PROBE_COMPLETE_TIMEOUT_MS: '12000' })).toMatchObject({ warn: 10000, timeout: 12000 });
});

test('a bad URL is quoted without the credentials written inside it', () => {
  const r = loadConfig({ PROBE_APP_URL: 'https://user:hunter2@', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p' });
  expect(r).toEqual({ ok: false, problems: ['PROBE_APP_URL must be an absolute http(s) URL, got "https://[REDACTED]@"'] });
});

test('credentials inside a URL the browser opens are refused, naming the variable and never the password; the Pushgateway takes them as Basic auth', () => {
  const base = { PROBE_APP_URL: 'https://app.example.com', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p' };
  for (const name of ['PROBE_APP_URL', 'PROBE_API_URL', 'PROBE_AUTH_URL']) {
    const r = loadConfig({ ...base, [name]: 'https://probe:hunter2-pw@staging.example.com' });
    expect(r.ok, name).toBe(false);
    const said = r.ok ? '' : r.problems.join('\n');
    expect(said).toContain(`${name} must not carry credentials (user:password@), got "https://[REDACTED]@staging.example.com"`);
    expect(said).not.toContain('hunter2');
  }
  expect(loadConfig({ ...base, PROBE_APP_URL: 'https://token-only@staging.example.com' }).ok).toBe(false);
  expect(loadConfig({ ...base, PROBE_PUSHGATEWAY_URL: 'https://push:s3cret@push.example.com' }).ok).toBe(true);
});

test('PROBE_HISTORY_SCHEMA: golden_path by default, a plain lowercase name of its own, for PostgreSQL only', () => {
  const base = { PROBE_APP_URL: 'https://app.example.com', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p' };
  const pg = { ...base, PROBE_HISTORY_DB: 'postgres://probe@db/probes' };
  const plain = loadConfig(pg);
  expect(plain.ok && plain.config.historySchema).toBe('golden_path');
  const named = loadConfig({ ...pg, PROBE_HISTORY_SCHEMA: 'synthetic_checks' });
  expect(named.ok && named.config.historySchema).toBe('synthetic_checks');
  for (const bad of ['public', 'pg_probe', 'Golden', 'golden-path', 'a.b', 'x; DROP TABLE runs']) {
    const r = loadConfig({ ...pg, PROBE_HISTORY_SCHEMA: bad });
    expect(!r.ok && r.problems.join('\n'), bad).toContain('PROBE_HISTORY_SCHEMA must be a schema of the history\'s own');
  }
  const sqlite = loadConfig({ ...base, PROBE_HISTORY_DB: 'reports/history.db', PROBE_HISTORY_SCHEMA: 'golden_path' });
  expect(!sqlite.ok && sqlite.problems).toEqual([
    'PROBE_HISTORY_SCHEMA names a PostgreSQL schema, but PROBE_HISTORY_DB is a SQLite file, which is a namespace of its own: leave PROBE_HISTORY_SCHEMA unset',
  ]);
});

test('PROBE_ALERT_LOCATIONS without PROBE_LOCATION is refused, saying why', () => {
  const r = loadConfig({ PROBE_APP_URL: 'https://app.example.com', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p', PROBE_ALERT_LOCATIONS: '2/3' });
  expect(r).toEqual({
    ok: false,
    problems: [
      'PROBE_ALERT_LOCATIONS needs PROBE_LOCATION on every probe of the fleet: without it each run is tagged with its host name (a new one for every pod of a CronJob), no location ever builds a failure streak, and the fleet alert would never fire',
    ],
  });
});

test('precedence: environment over profile over default', () => {
  const netra = { PROBE_PROFILE: 'netra', PROBE_APP_URL: 'https://a.example', PROBE_API_URL: 'https://b.example', PROBE_AUTH_URL: 'https://c.example', PROBE_E2E_BYPASS_KEY: 'k-123' };
  const r = loadConfig(netra);
  expect(r.ok && [r.config.login, r.config.preflightUrls, r.config.wsAuth]).toEqual(['e2e-bypass', ['{api}/health', '{api}/ws/health', '{auth}/health'], 'ticket']);
  const overridden = loadConfig({ ...netra, PROBE_LOGIN: 'token', PROBE_TOKEN: 't-123', PROBE_PREFLIGHT_URLS: '{app}/ping' });
  expect(overridden.ok && [overridden.config.login, overridden.config.preflightUrls]).toEqual(['token', ['{app}/ping']]);
  const generic = loadConfig({});
  expect(generic.ok && [generic.config.login, generic.config.preflightUrls]).toEqual(['form', ['{app}/']]);
});

test('a fleet: PROBE_LOCATION (default the host name), PROBE_ALERT_LOCATIONS as N or N/M, a postgres:// history never shown with its password', () => {
  const base = { PROBE_APP_URL: 'https://app.example.com', PROBE_USERNAME: 'u', PROBE_PASSWORD: 'p' };
  const plain = loadConfig(base);
  expect(plain.ok && [plain.config.location, plain.config.locationGiven]).toEqual([hostname(), false]);
  const fleet = loadConfig({ ...base, PROBE_LOCATION: 'eu-west', PROBE_ALERT_LOCATIONS: '2/3', PROBE_HISTORY_DB: 'postgres://probe:s3cret@db.internal:5432/probes?sslmode=require' });
  expect(fleet.ok && [fleet.config.location, fleet.config.locationGiven, fleet.config.alert.locations, fleet.config.historyDb]).toEqual([
    'eu-west',
    true,
    { min: 2, size: 3 },
    'postgres://probe:s3cret@db.internal:5432/probes?sslmode=require',
  ]);
  expect(loadConfig({ ...base, PROBE_LOCATION: 'eu-west', PROBE_ALERT_LOCATIONS: '2' }).ok).toBe(true);
  for (const bad of ['0', '3/2', 'two', '2/3/4']) {
    const r = loadConfig({ ...base, PROBE_LOCATION: 'eu-west', PROBE_ALERT_LOCATIONS: bad });
    expect(!r.ok && r.problems.join('\n'), bad).toContain('PROBE_ALERT_LOCATIONS must be N or N/M locations');
  }
  expect(describeHistoryDb('postgres://probe:s3cret@db.internal:5432/probes?sslmode=require')).toBe('postgres://probe@db.internal:5432/probes');
  expect(describeHistoryDb('reports/history.db')).toBe('reports/history.db');
  expect(historyDbSecret('postgres://probe:s%40cret@db/x')).toBe('s@cret');
  expect([isPostgresUrl('postgresql://h/db'), isPostgresUrl('postgres:/not-a-url'), isPostgresUrl('reports/postgres.db')]).toEqual([true, false, false]);
});

test('the chat: /chat found by test id or by role by default, PROBE_SEND_SELECTOR=enter, a bad path refused', () => {
  const chat = (env: Record<string, string>): ChatSettings => {
    const r = loadConfig(env);
    if (!r.ok) throw new Error(r.problems.join('; '));
    return r.config.chat;
  };
  // Unset: the test ids first, then by role and name; with no send control, Enter. The errors name what was tried.
  const defaults = chat({});
  expect(defaults).toEqual({ path: '/chat', messageSelector: undefined, send: undefined });
  expect(tried(messageBoxCandidates(defaults))).toBe('[data-testid="message-textarea"], or a textbox');
  expect(tried(sendCandidates(defaults))).toBe('[data-testid="send-button"], or a button named like "send"');

  const plain = chat({ PROBE_CHAT_PATH: '/app/conversations', PROBE_MESSAGE_SELECTOR: '#composer', PROBE_SEND_SELECTOR: 'enter' });
  expect(plain).toEqual({ path: '/app/conversations', messageSelector: '#composer', send: 'enter' });
  expect(tried(messageBoxCandidates(plain))).toBe('#composer');
  expect(sendCandidates(plain)).toEqual([]);
  expect(chat({ PROBE_SEND_SELECTOR: 'Enter' }).send).toBe('enter');
  expect(chat({ PROBE_SEND_SELECTOR: 'button[aria-label="Submit"]' }).send).toEqual({ selector: 'button[aria-label="Submit"]' });

  for (const bad of ['chat', 'https://app.example.com/chat', '//evil.example/chat', '/my chat']) {
    expect(loadConfig({ PROBE_CHAT_PATH: bad }), bad).toEqual({
      ok: false,
      problems: [`PROBE_CHAT_PATH must be a path on the app starting with /, like /chat; got ${JSON.stringify(bad)}`],
    });
  }
});

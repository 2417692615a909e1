// Reads and validates the probe's configuration from an environment (process.env after .env is loaded).
// Every problem is collected and reported at once, each naming its variable, so that a broken setup is
// fixed in one round instead of one variable per run.

import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultContract, type Contract } from '../contract/contract';
import { parseAlertWindow } from './alert-window';
import { parseDuration } from './duration';
import type { Budgets } from '../contract/types';
import { loadContractFile } from './contract-file';
import { BUILT_IN_JOURNEY } from './journey';
import { PROFILES_BY_NAME } from './profiles';
import { sessionLogins, type SessionLogin } from './users';
import { isPostgresUrl, isSchemaName } from './history-url';
import { selectorProblem } from './selector';
import { didYouMean } from './suggest';
import { INTERNAL_VARIABLES, LOGIN_STRATEGIES, VARIABLES, type AlertFormat, type LoginStrategy, type ProfileName, type TokenHandoff, type VariableSpec } from './variables';

export interface ProbeConfig {
  /** True when no staging is configured and the embedded reference staging plays the target. */
  embedded: boolean;
  /** True when the embedded reference was asked for in so many words (PROBE_APP_URL=embedded), not just left unset. */
  embeddedAsked: boolean;
  /** The app's origin: every host check and path is relative to it. */
  appUrl: string;
  /** The page the probe opens first: the path PROBE_APP_URL was given with (`/app/chat`), else `/`. */
  openPath: string;
  apiUrl: string;
  authUrl: string;
  profile: ProfileName;
  login: LoginStrategy;
  loginPath: string;
  selectors: { username: string; password: string; submit: string; error: string; success?: string };
  tokenHandoff: TokenHandoff;
  callbackPath: string;
  chat: ChatSettings;
  tokenStorageKey: string;
  storageState?: string;
  preflight: boolean;
  preflightUrls: string[];
  preflightTimeoutMs: number;
  wsAuth: 'ticket' | 'subprotocol';
  username?: string;
  password?: string;
  bypassKey?: string;
  e2eEmail: string;
  token?: string;
  /** How many sessions run at once (PROBE_USERS). */
  users: number;
  /** The user each session logs in as, session 1 first; one entry when `users` is 1, the settings above. */
  sessionLogins: SessionLogin[];
  message: string;
  /** The conversation's messages, one a turn (PROBE_TURNS, PROBE_MESSAGES); the first is `message`. */
  messages: string[];
  /** A folder of the team's own journeys (PROBE_JOURNEYS), absolute; null: the built-in golden path. */
  journeys: string | null;
  /** The journey a run is, by name in every report and the history: BUILT_IN_JOURNEY, or a journey's (journeys.ts). */
  journey: string;
  /** After the last answer, reload and return to the conversation (PROBE_PERSISTENCE). */
  persistence: boolean;
  /** The conversation's item in the app's list, `{threadId}` in it (PROBE_THREAD_LIST_SELECTOR). */
  threadListSelector: string;
  /** The thread's stored history, `{api}` and `{threadId}` in it (PROBE_THREAD_MESSAGES_URL); undefined: not asked. */
  threadMessagesUrl?: string;
  expectAnswer?: string;
  /** Where the answer is read; undefined: the page's whole visible text. */
  answerSelector?: string;
  firstEventWarnMs: number;
  firstEventTimeoutMs: number;
  completeWarnMs: number;
  completeTimeoutMs: number;
  finalGraceMs: number;
  renderTimeoutMs: number;
  /** A page that answers no read for this long has stopped responding (PROBE_UNRESPONSIVE_MS). */
  unresponsiveMs: number;
  stepTimeoutMs: number;
  reportDir: string;
  browserPath?: string;
  contract: Contract;
  retriesBeforeSend: number;
  /** Loop mode: ms between runs; undefined: run once. */
  everyMs?: number;
  /** The history database; null: keep none. */
  historyDb: string | null;
  /** PostgreSQL: the schema of the history's own (PROBE_HISTORY_SCHEMA). */
  historySchema: string;
  /** W3C trace context on the target's requests (PROBE_TRACE_PROPAGATION). */
  tracePropagation: boolean;
  /** PROBE_TRACE_URL: a link to a trace, `{traceId}` in it. */
  traceUrl?: string;
  /**
   * The standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT: the run's spans are exported
   * there after the run (the SDK reads the rest of OTEL_* itself). Unset, or OTEL_SDK_DISABLED=true: none.
   */
  otlpEndpoint?: string;
  alert: {
    /** Where alerts go; with the pagerduty format, PagerDuty's endpoint unless PROBE_ALERT_WEBHOOK says another. */
    webhook?: string;
    format: AlertFormat;
    /** PROBE_PAGERDUTY_ROUTING_KEY: a secret. */
    pagerdutyRoutingKey?: string;
    after: number;
    window?: { failures: number; withinMs: number };
    remindEveryMs: number | null;
    /** PROBE_ALERT_LOCATIONS: fleet alerts when at least `min` locations fail; `size`: the fleet's, for messages. */
    locations?: { min: number; size?: number };
  };
  metricsFile?: string;
  pushgatewayUrl?: string;
  /** Where this probe runs (PROBE_LOCATION, default the host name). */
  location: string;
  /**
   * True when PROBE_LOCATION was given: alerts and window metrics then follow this location's runs only. A
   * host name can change from run to run (a CronJob's pod): without a location given, one machine's history
   * is one, as it always was.
   */
  locationGiven: boolean;
}

/**
 * The chat page: where it is, its message box, how a message is sent. A selector left unset is found by
 * the chat driver's defaults (src/capture/chat.ts): the test ids first, then by role and name.
 */
export interface ChatSettings {
  path: string;
  messageSelector?: string;
  /** 'enter': press Enter in the message box; undefined: the default send control, else Enter. */
  send?: 'enter' | { selector: string };
}

export type ConfigResult = { ok: true; config: ProbeConfig } | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

/** PagerDuty's Events API v2, where PROBE_ALERT_FORMAT=pagerduty sends unless PROBE_ALERT_WEBHOOK says another. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** More sessions than this in one browser would measure the probe's machine, not the staging. */
export const MAX_USERS = 50;

/** The URL that stands for "not configured yet" while the embedded reference has not started. */
const EMBEDDED_PLACEHOLDER = 'http://127.0.0.1:0';
/** PROBE_APP_URL=embedded: the embedded reference, asked for in so many words (loop mode and alerts need that). */
export const EMBEDDED_WORD = 'embedded';

export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const given = (name: string): string | undefined => {
    const raw = env[name];
    return raw !== undefined && raw.trim() !== '' ? raw.trim() : undefined;
  };
  const profileName = (given('PROBE_PROFILE') ?? 'generic') as ProfileName;
  const profile = PROFILES_BY_NAME[profileName] ?? PROFILES_BY_NAME.generic;
  // flag > environment > .env (both already in `env`) > profile > default
  const value = (name: string): string | undefined => given(name) ?? profile.values[name] ?? spec(name).default;

  for (const v of VARIABLES) {
    const raw = value(v.name);
    if (raw === undefined) continue;
    const problem = checkValue(v, raw);
    if (problem) problems.push(problem);
  }
  // A misspelled name would be a setting silently ignored: a scheduled check green against the wrong thing.
  const names = VARIABLES.map((v) => v.name);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('PROBE_') || names.includes(name) || INTERNAL_VARIABLES.includes(name)) continue;
    problems.push(`${name} is not a setting of the probe${didYouMean(name, names)}; it was set in the environment or .env (--help lists every setting)`);
  }

  // PROBE_EMBEDDED is set by the probe itself once it has started the reference and published its URLs.
  const appGiven = value('PROBE_APP_URL');
  const embeddedAsked = appGiven === EMBEDDED_WORD || (env['PROBE_EMBEDDED'] === '1' && env['PROBE_EMBEDDED_ASKED'] === '1');
  const embedded = appGiven === undefined || appGiven === EMBEDDED_WORD || env['PROBE_EMBEDDED'] === '1';
  // A URL with a path names the page to open; the hosts are its origin (health, login, the chat).
  const { origin: appUrl, path: openPath } = splitAppUrl(appGiven === undefined || appGiven === EMBEDDED_WORD ? EMBEDDED_PLACEHOLDER : appGiven);
  const apiUrl = value('PROBE_API_URL') ?? appUrl;
  const authUrl = value('PROBE_AUTH_URL') ?? apiUrl;
  const login = (value('PROBE_LOGIN') ?? 'form') as LoginStrategy;

  const several = Number(value('PROBE_USERS')) > 1;
  // The embedded reference supplies its own credentials and hosts, so only a real target must name them.
  if (!embedded) {
    for (const name of profile.requires)
      if (!given(name)) problems.push(`${name} is required with PROBE_PROFILE=${profileName} (its hosts are separate)`);
    // With several sessions, form users come from PROBE_USERS_FILE (checked with the sessions).
    if (login === 'form' && !several) {
      if (!value('PROBE_USERNAME')) problems.push('PROBE_USERNAME is required when PROBE_LOGIN=form');
      if (!value('PROBE_PASSWORD')) problems.push('PROBE_PASSWORD is required when PROBE_LOGIN=form');
    }
    if (login === 'e2e-bypass' && !value('PROBE_E2E_BYPASS_KEY'))
      problems.push('PROBE_E2E_BYPASS_KEY is required when PROBE_LOGIN=e2e-bypass');
  }
  if (login === 'token' && !several && !value('PROBE_TOKEN')) problems.push('PROBE_TOKEN is required when PROBE_LOGIN=token');
  if (login === 'storage-state' && !value('PROBE_STORAGE_STATE'))
    problems.push('PROBE_STORAGE_STATE is required when PROBE_LOGIN=storage-state');

  const ms = (name: string) => Number(value(name));
  const explicit = (name: string) => given(name) ?? profile.values[name];
  const firstEvent = budgetPair('PROBE_FIRST_EVENT_WARN_MS', 'PROBE_FIRST_EVENT_TIMEOUT_MS', explicit, problems);
  const complete = budgetPair('PROBE_COMPLETE_WARN_MS', 'PROBE_COMPLETE_TIMEOUT_MS', explicit, problems);
  const config: ProbeConfig = {
    embedded,
    embeddedAsked,
    appUrl,
    openPath,
    apiUrl: stripSlash(apiUrl),
    authUrl: stripSlash(authUrl),
    profile: profileName,
    login,
    loginPath: value('PROBE_LOGIN_PATH')!,
    selectors: {
      username: value('PROBE_LOGIN_USERNAME_SELECTOR')!,
      password: value('PROBE_LOGIN_PASSWORD_SELECTOR')!,
      submit: value('PROBE_LOGIN_SUBMIT_SELECTOR')!,
      error: value('PROBE_LOGIN_ERROR_SELECTOR')!,
      success: value('PROBE_LOGIN_SUCCESS_SELECTOR'),
    },
    tokenHandoff: value('PROBE_TOKEN_HANDOFF') as TokenHandoff,
    callbackPath: value('PROBE_CALLBACK_PATH')!,
    chat: chatSettingsOf(value),
    tokenStorageKey: value('PROBE_TOKEN_STORAGE_KEY')!,
    storageState: value('PROBE_STORAGE_STATE'),
    preflight: value('PROBE_PREFLIGHT') === 'on',
    preflightUrls: value('PROBE_PREFLIGHT_URLS')!
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
    preflightTimeoutMs: ms('PROBE_PREFLIGHT_TIMEOUT_MS'),
    wsAuth: value('PROBE_WS_AUTH') as 'ticket' | 'subprotocol',
    username: value('PROBE_USERNAME'),
    password: value('PROBE_PASSWORD'),
    bypassKey: value('PROBE_E2E_BYPASS_KEY'),
    e2eEmail: value('PROBE_E2E_EMAIL')!,
    token: value('PROBE_TOKEN'),
    users: Number(value('PROBE_USERS')),
    sessionLogins: [],
    message: value('PROBE_MESSAGE')!,
    messages: turnMessages(value('PROBE_MESSAGE')!, given('PROBE_TURNS'), value('PROBE_MESSAGES'), problems),
    journeys: journeysOf(value('PROBE_JOURNEYS'), problems),
    journey: env['PROBE_JOURNEY'] ?? BUILT_IN_JOURNEY,
    persistence: value('PROBE_PERSISTENCE') === 'on',
    threadListSelector: value('PROBE_THREAD_LIST_SELECTOR')!,
    threadMessagesUrl: value('PROBE_THREAD_MESSAGES_URL'),
    expectAnswer: value('PROBE_EXPECT_ANSWER'),
    answerSelector: value('PROBE_ANSWER_SELECTOR'),
    firstEventWarnMs: firstEvent.warnMs,
    firstEventTimeoutMs: firstEvent.timeoutMs,
    completeWarnMs: complete.warnMs,
    completeTimeoutMs: complete.timeoutMs,
    finalGraceMs: ms('PROBE_FINAL_GRACE_MS'),
    renderTimeoutMs: ms('PROBE_RENDER_TIMEOUT_MS'),
    unresponsiveMs: ms('PROBE_UNRESPONSIVE_MS'),
    stepTimeoutMs: ms('PROBE_STEP_TIMEOUT_MS'),
    reportDir: value('PROBE_REPORT_DIR')!,
    browserPath: value('PROBE_BROWSER_PATH'),
    contract: defaultContract,
    retriesBeforeSend: Number(value('PROBE_RETRIES_BEFORE_SEND')),
    everyMs: optionalDuration(value('PROBE_EVERY')),
    historyDb: historyDbOf(value('PROBE_HISTORY_DB'), value('PROBE_REPORT_DIR')!),
    historySchema: value('PROBE_HISTORY_SCHEMA')!,
    tracePropagation: value('PROBE_TRACE_PROPAGATION') === 'on',
    traceUrl: value('PROBE_TRACE_URL'),
    otlpEndpoint: given('OTEL_SDK_DISABLED')?.toLowerCase() === 'true' ? undefined : (given('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? given('OTEL_EXPORTER_OTLP_ENDPOINT')),
    alert: {
      webhook: value('PROBE_ALERT_WEBHOOK') ?? (value('PROBE_ALERT_FORMAT') === 'pagerduty' ? PAGERDUTY_EVENTS_URL : undefined),
      format: value('PROBE_ALERT_FORMAT') as AlertFormat,
      pagerdutyRoutingKey: value('PROBE_PAGERDUTY_ROUTING_KEY'),
      after: Math.max(1, Number(value('PROBE_ALERT_AFTER'))),
      remindEveryMs: value('PROBE_ALERT_REMIND') === 'off' ? null : (optionalDuration(value('PROBE_ALERT_REMIND')) ?? null),
    },
    metricsFile: value('PROBE_METRICS_FILE'),
    pushgatewayUrl: value('PROBE_PUSHGATEWAY_URL'),
    location: value('PROBE_LOCATION') ?? hostname(),
    locationGiven: value('PROBE_LOCATION') !== undefined,
  };
  if (config.traceUrl !== undefined && (!config.traceUrl.includes('{traceId}') || !isHttpUrl(config.traceUrl.split('{traceId}').join('0'))))
    problems.push(`PROBE_TRACE_URL must be an http(s) URL with {traceId} where the trace id goes, got ${JSON.stringify(config.traceUrl)}`);
  if (config.alert.format === 'pagerduty' && config.alert.pagerdutyRoutingKey === undefined)
    problems.push('PROBE_PAGERDUTY_ROUTING_KEY is required when PROBE_ALERT_FORMAT=pagerduty (the integration key of an Events API v2 service)');
  if (config.alert.webhook !== undefined && !isHttpUrl(config.alert.webhook))
    problems.push('PROBE_ALERT_WEBHOOK must be an absolute http(s) URL (its value is not shown: it may hold a secret path)');
  // A scheduled check or an alert against the reference would be green forever while the staging burns.
  if (embedded && !embeddedAsked) {
    const ask = `set PROBE_APP_URL to the staging to watch, or PROBE_APP_URL=${EMBEDDED_WORD} to mean the embedded reference staging`;
    if (config.everyMs !== undefined) problems.push(`PROBE_EVERY (--every) runs the probe on a schedule, and no target is set: it would watch the embedded reference staging; ${ask}`);
    if (config.alert.webhook !== undefined) problems.push(`PROBE_ALERT_WEBHOOK sends alerts, and no target is set: they would be about the embedded reference staging; ${ask}`);
  }
  const alertWindow = value('PROBE_ALERT_WINDOW');
  if (alertWindow) {
    try {
      config.alert.window = parseAlertWindow(alertWindow);
    } catch {
      problems.push(`PROBE_ALERT_WINDOW must be X failures within a duration, written like 3/15m; got ${JSON.stringify(alertWindow)}`);
    }
  }
  const users = sessionsOf(config, value, problems);
  if (users) config.sessionLogins = users;
  const alertLocations = value('PROBE_ALERT_LOCATIONS');
  if (alertLocations) {
    const m = /^(\d+)(?:\/(\d+))?$/.exec(alertLocations);
    const min = Number(m?.[1]);
    const size = m?.[2] === undefined ? undefined : Number(m[2]);
    if (!m || min < 1 || (size !== undefined && size < min))
      problems.push(`PROBE_ALERT_LOCATIONS must be N or N/M locations (1 <= N <= M), like 2 or 2/3; got ${JSON.stringify(alertLocations)}`);
    else config.alert.locations = size === undefined ? { min } : { min, size };
    // Without it each probe records its host name, which a CronJob's pod changes every run: no location
    // would ever build a failure streak, and the fleet's alert would never fire.
    if (!config.locationGiven)
      problems.push('PROBE_ALERT_LOCATIONS needs PROBE_LOCATION on every probe of the fleet: without it each run is tagged with its host name (a new one for every pod of a CronJob), no location ever builds a failure streak, and the fleet alert would never fire');
  }
  if (config.historyDb !== null && isPostgresUrl(config.historyDb)) {
    try {
      new URL(config.historyDb);
    } catch {
      problems.push('PROBE_HISTORY_DB is a postgres:// URL that does not parse (its value is not shown: it may hold a password)');
    }
  } else if (given('PROBE_HISTORY_SCHEMA') && config.historyDb !== null) {
    problems.push('PROBE_HISTORY_SCHEMA names a PostgreSQL schema, but PROBE_HISTORY_DB is a SQLite file, which is a namespace of its own: leave PROBE_HISTORY_SCHEMA unset');
  }
  if (!isSchemaName(config.historySchema))
    problems.push(`PROBE_HISTORY_SCHEMA must be a schema of the history's own, a lowercase name of letters, digits and _ (not public, nor pg_...), got ${JSON.stringify(config.historySchema)}`);
  const contractFile = value('PROBE_CONTRACT');
  if (contractFile) {
    const loadedContract = loadContractFile(contractFile);
    if (loadedContract.ok) config.contract = loadedContract.contract;
    else problems.push(...loadedContract.problems);
  }

  return problems.length ? { ok: false, problems } : { ok: true, config };
}

function chatSettingsOf(value: (name: string) => string | undefined): ChatSettings {
  const send = value('PROBE_SEND_SELECTOR');
  return {
    path: value('PROBE_CHAT_PATH')!,
    messageSelector: value('PROBE_MESSAGE_SELECTOR'),
    send: send === undefined ? undefined : send.toLowerCase() === 'enter' ? 'enter' : { selector: send },
  };
}

/** PROBE_JOURNEYS as an absolute folder that exists; null when unset. */
function journeysOf(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined) return null;
  const dir = resolve(raw);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    problems.push(`PROBE_JOURNEYS: no folder ${dir} (from ${JSON.stringify(raw)}): give the folder that holds your journeys' spec files`);
    return null;
  }
  if (!isDir) problems.push(`PROBE_JOURNEYS must be a folder of spec files, and ${dir} is a file: give its folder`);
  return dir;
}

/** The most turns one conversation has: enough for a follow-up or three, not a load test. */
export const MAX_TURNS = 10;

/**
 * One message a turn: PROBE_MESSAGES when given (a turn a message, unless PROBE_TURNS says how many of them),
 * else PROBE_MESSAGE, then follow-ups of it (PROBE_TURNS of them).
 */
function turnMessages(first: string, turnsGiven: string | undefined, listed: string | undefined, problems: string[]): string[] {
  const turns = Number(turnsGiven ?? spec('PROBE_TURNS').default);
  if (!Number.isInteger(turns)) return [first]; // said by checkValue
  if (listed === undefined) return Array.from({ length: turns }, (_, i) => (i === 0 ? first : `Follow-up ${i}: ${first}`));
  let list: string[];
  try {
    list = JSON.parse(listed) as string[];
  } catch {
    return [first]; // said by checkValue
  }
  if (!Array.isArray(list)) return [first];
  if (turnsGiven === undefined) {
    if (list.length > MAX_TURNS) problems.push(`PROBE_MESSAGES lists ${list.length} messages: a conversation has at most ${MAX_TURNS} turns`);
    return list.length === 0 ? [first] : list.slice(0, MAX_TURNS);
  }
  if (list.length < turns) problems.push(`PROBE_MESSAGES lists ${list.length} message(s), and PROBE_TURNS is ${turns}: one message a turn`);
  return list.slice(0, Math.max(turns, 1));
}

/** Each session's user; undefined (and the problems said) when they cannot be had. */
function sessionsOf(config: ProbeConfig, value: (name: string) => string | undefined, problems: string[]): SessionLogin[] | undefined {
  if (!Number.isInteger(config.users)) return undefined;
  const emailPattern = value('PROBE_USER_EMAIL_PATTERN')!;
  if (!emailPattern.includes('{n}')) problems.push(`PROBE_USER_EMAIL_PATTERN must contain {n} (the session's number), got ${JSON.stringify(emailPattern)}`);
  if (config.users > 1 && config.storageState)
    problems.push(`PROBE_STORAGE_STATE holds one user's login; with PROBE_USERS=${config.users} each session logs in as its own user: leave it unset`);
  const found = sessionLogins({ ...config, emailPattern, usersFile: value('PROBE_USERS_FILE'), tokensFile: value('PROBE_TOKENS_FILE') });
  if (found.ok) return found.logins;
  problems.push(...found.problems);
  return undefined;
}

/**
 * A warning budget and its timeout. One set alone never contradicts the other's default: a warning that
 * was not set follows its timeout at the defaults' ratio (a third, or half), and a timeout that was not set
 * rises with a warning set above it, at the same ratio. Only a warning set above a timeout set is an error.
 */
function budgetPair(
  warnName: string,
  timeoutName: string,
  explicit: (name: string) => string | undefined,
  problems: string[],
): { warnMs: number; timeoutMs: number } {
  const ratio = Number(spec(warnName).default) / Number(spec(timeoutName).default);
  const warnSet = explicit(warnName);
  const timeoutSet = explicit(timeoutName);
  const warnMs = Number(warnSet ?? spec(warnName).default);
  const timeoutMs = Number(timeoutSet ?? spec(timeoutName).default);
  if (warnSet !== undefined && timeoutSet !== undefined) {
    if (warnMs > timeoutMs) problems.push(`${warnName} (${warnMs}) must not exceed ${timeoutName} (${timeoutMs})`);
    return { warnMs, timeoutMs };
  }
  if (timeoutSet !== undefined) return { warnMs: Math.round(timeoutMs * ratio), timeoutMs };
  if (warnSet !== undefined && warnMs > timeoutMs) return { warnMs, timeoutMs: Math.round(warnMs / ratio) };
  return { warnMs, timeoutMs };
}

/** A duration setting in ms; undefined when unset or not a duration (that problem is reported by checkValue). */
function optionalDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

function historyDbOf(setting: string | undefined, reportDir: string): string | null {
  if (setting === 'off') return null;
  return setting ?? join(reportDir, 'history.db');
}

/**
 * The bounds of a journey's test. Every step and wait is bounded on its own; these outer bounds only catch a
 * bug of the probe. The test starts with the steps before the first send (open, log in, open chat), one read
 * of a stuck page and a margin; each message a chat sends adds a turn's, each reload a reload's (fixtures/chat.ts).
 */
export function journeyStartTimeoutMs(c: ProbeConfig): number {
  return c.stepTimeoutMs * 3 + c.unresponsiveMs + 30_000;
}

/** A turn: the send and its confirmation, the completion wait, the render wait (the grace after the final runs beside it). */
export function turnTimeoutMs(c: ProbeConfig): number {
  return c.stepTimeoutMs + c.completeTimeoutMs + Math.max(c.renderTimeoutMs, c.finalGraceMs);
}

/** A reload: the reload, the conversation shown by its URL, else a click in the list and shown again, the stored history. */
export function reloadTimeoutMs(c: ProbeConfig): number {
  return c.stepTimeoutMs * 3 + c.renderTimeoutMs * 2;
}

/** The built-in golden path's whole test: its turns (PROBE_TURNS) and its reload (PROBE_PERSISTENCE). */
export function probeTestTimeoutMs(c: ProbeConfig): number {
  return journeyStartTimeoutMs(c) + c.messages.length * turnTimeoutMs(c) + (c.persistence ? reloadTimeoutMs(c) : 0);
}

/** A team's journey, whose turns are in its code: the most a chat may send (MAX_TURNS), and up to three reloads. */
export function journeysTestTimeoutMs(c: ProbeConfig): number {
  return journeyStartTimeoutMs(c) + MAX_TURNS * turnTimeoutMs(c) + 3 * reloadTimeoutMs(c);
}

/** The time budgets of the contract, as the judge takes them. */
export function budgetsOf(c: ProbeConfig): Budgets {
  return {
    firstEventWarnMs: c.firstEventWarnMs,
    firstEventMs: c.firstEventTimeoutMs,
    completeWarnMs: c.completeWarnMs,
    completeMs: c.completeTimeoutMs,
  };
}

function spec(name: string): VariableSpec {
  const found = VARIABLES.find((v) => v.name === name);
  if (!found) throw new Error(`unknown variable ${name}`);
  return found;
}

/** One problem with a variable's value, or undefined. Secrets are never echoed back. */
function checkValue(v: VariableSpec, raw: string): string | undefined {
  // Secrets are never shown; nor are credentials written inside a URL (https://user:password@host).
  const shown = v.kind === 'secret' ? '(value hidden)' : JSON.stringify(raw.replace(/\/\/[^/@\s]*@/, '//[REDACTED]@'));
  switch (v.kind) {
    case 'url': {
      if (v.name === 'PROBE_APP_URL' && raw === EMBEDDED_WORD) return undefined;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return `${v.name} must be an absolute http(s) URL, got ${shown}`;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return `${v.name} must be an http or https URL, got ${shown}`;
      if ((url.username || url.password) && !v.basicAuth)
        return `${v.name} must not carry credentials (user:password@), got ${shown}: the browser opens this URL, and Playwright's step titles and HTML report would show them; log in through PROBE_LOGIN`;
      return undefined;
    }
    case 'ms': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0)
        return `${v.name} must be a positive whole number of milliseconds, got ${shown}`;
      return undefined;
    }
    case 'count':
      if (!/^\d+$/.test(raw) || Number(raw) > 10) return `${v.name} must be a whole number from 0 to 10, got ${shown}`;
      return undefined;
    case 'sessions':
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_USERS) return `${v.name} must be a whole number from 1 to ${MAX_USERS}, got ${shown}`;
      return undefined;
    case 'duration':
      if (raw === 'off' && v.name === 'PROBE_ALERT_REMIND') return undefined;
      try {
        if (parseDuration(raw) <= 0) return `${v.name} must be a positive duration, got ${shown}`;
      } catch {
        return `${v.name} must be a duration like 30s, 5m, 1h or 7d, got ${shown}`;
      }
      return undefined;
    case 'number':
      if (!/^\d+(\.\d+)?$/.test(raw)) return `${v.name} must be a number of zero or more, got ${shown}`;
      return undefined;
    case 'enum':
      if (!v.values?.includes(raw)) return `${v.name} must be one of ${v.values?.join(', ')}; got ${shown}`;
      return undefined;
    case 'selector': {
      if (v.name === 'PROBE_SEND_SELECTOR' && raw.toLowerCase() === 'enter') return undefined;
      const problem = selectorProblem(raw);
      return problem ? `${v.name} is not a selector Playwright can use: ${problem}; got ${shown}` : undefined;
    }
    case 'app-path':
      // Joined to PROBE_APP_URL as it is: `chat` would make https://hostchat, a URL would repeat the host.
      if (!/^\/(?!\/)\S*$/.test(raw)) return `${v.name} must be a path on the app starting with /, like /chat; got ${shown}`;
      return undefined;
    case 'turns':
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_TURNS) return `${v.name} must be a whole number from 1 to ${MAX_TURNS}, got ${shown}`;
      return undefined;
    case 'json-list': {
      let list: unknown;
      try {
        list = JSON.parse(raw);
      } catch (err) {
        return `${v.name} is not JSON: ${(err as Error).message}`;
      }
      if (!Array.isArray(list) || list.length === 0 || list.some((m) => typeof m !== 'string' || m.trim() === ''))
        return `${v.name} must be a JSON list of non-empty strings, like ["What drove my costs?", "And last month?"]; got ${shown}`;
      return undefined;
    }
    case 'regex':
      try {
        new RegExp(raw);
      } catch (err) {
        return `${v.name} is not a valid regular expression: ${(err as Error).message}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** `http://host:8080/app/chat?x=1` -> origin `http://host:8080`, path `/app/chat?x=1`; `/` when it has none. */
function splitAppUrl(raw: string): { origin: string; path: string } {
  try {
    const url = new URL(raw);
    const path = `${url.pathname}${url.search}`;
    return { origin: url.origin, path: path === '' ? '/' : path };
  } catch {
    // Reported by checkValue; the origin-less value keeps the rest of the checks going.
    return { origin: stripSlash(raw), path: '/' };
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export { LOGIN_STRATEGIES };

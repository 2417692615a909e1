// Alerts on a change of state, never on every failed run. The decision is a pure function of the recent
// history, the last alert sent and the policy, so every rule is tested on plain sequences; building the message
// and delivering it are separate steps. A webhook URL (Slack's above all) is a secret: no detail, log line or
// error ever shows more of it than its origin.

import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { boundedRequest } from '../net/bounded-request';
import { classifyError } from '../preflight/classify';
import { REDACTED, Redactor } from '../redact';
import { BUILT_IN_JOURNEY, journeyLabel, journeyOf } from '../config/journey';
import { decidingCheck } from '../contract/judge';
import { SUMMARY_FILE, type RunResult } from '../report/result';
import { targetName } from '../report/target-name';
import type { AlertRecord, HistoryRecord } from './history';
import type { AlertFormat } from '../config/variables';
import { alertmanagerAlerts, pagerDutyEvent, type IncidentOptions } from './incidents';

export { alertmanagerUrl } from './incidents';

export interface AlertPolicy {
  /** A failing alert after this many consecutive failed runs (fail or error). */
  after: number;
  /** Also a failing alert after `failures` failed runs within `withinMs`, consecutive or not. */
  window?: { failures: number; withinMs: number };
  /** While still failing, a reminder this long after the last alert; null: none. */
  remindEveryMs: number | null;
}

export type AlertKind = 'failing' | 'recovered' | 'reminder';

export interface AlertMessage {
  kind: AlertKind;
  title: string;
  /** The journey (`golden-path`, the built-in one, or a team's): each has its own alert state. */
  journey: string;
  /** The newest run's verdict status. */
  status: string;
  class: string | null;
  /** The check that decided the newest run's verdict; null when it passed. */
  failedCheck: string | null;
  /** The newest run's verdict message. */
  message: string;
  /** The target's app URL (already without credentials). */
  target: string;
  version: string | null;
  /** failing/reminder: when the current streak of failed runs began; recovered: when the streak that just ended began. */
  since: string;
  /** How many failed runs that streak holds. */
  failures: number;
  /** The newest run's summary.md. */
  report: string;
  /** The last rows of the newest run's timeline, `ms dir #socket type`, no payloads (with several sessions: the deciding session's). */
  timeline: string[];
  /** With several sessions (PROBE_USERS): each one's outcome, and which one the timeline is of. */
  sessions?: Array<{ session: number; userId: string | null; status: string; class: string | null }>;
  decidingSession?: number;
  /** A conversation of several turns: each one's outcome, and which one decided (the timeline is of its send). */
  turns?: Array<{ turn: number; status: string; class: string | null }>;
  decidingTurn?: number;
  /** Where the newest run ran (PROBE_LOCATION). */
  location?: string;
  /** A fleet alert (PROBE_ALERT_LOCATIONS): how many locations fail, and which. */
  fleet?: string;
  /** The newest run's trace id (the deciding session's), and its link (PROBE_TRACE_URL). */
  traceId?: string;
  traceUrl?: string;
  /**
   * The class of the episode's first failed run (`fleet` for a fleet's): what an incident is labelled with
   * from its failing alert to its recovery (the newest run's class may change meanwhile).
   */
  episodeClass: string | null;
}

export interface DeliveryOptions {
  /** The whole delivery, every attempt included, ends within this. */
  timeoutMs: number;
  /** Further attempts after a network error or a 5xx (never after a 4xx). */
  retries: number;
  /** Beside the URL's own parts, what no detail may show (PagerDuty's routing key, which the body carries). */
  secrets?: Array<string | undefined>;
}

export const ALERT_SOURCE = 'golden-path-probe';
export const ALERT_TIMELINE_ROWS = 12;
/** Pause before a retry, cut short by what is left of the delivery's time. */
export const ALERT_RETRY_DELAY_MS = 250;

const TYPE_CHARS = 60;
const BODY_EXCERPT_CHARS = 200;
const BODY_READ_LIMIT = 4096;
const SLACK_HEADER_CHARS = 150;
const SLACK_TEXT_CHARS = 2900;

// ---------------------------------------------------------------------------------------------------------
// Policy

function isFailure(record: HistoryRecord): boolean {
  return record.status === 'fail' || record.status === 'error';
}

function instantOf(record: HistoryRecord): number {
  const started = Date.parse(record.startedAt);
  return Number.isFinite(started) ? started : Date.parse(record.finishedAt);
}

/** The trailing run of failed records ending at `end` (exclusive). */
function streakBefore(recent: HistoryRecord[], end: number): HistoryRecord[] {
  let start = end;
  while (start > 0 && isFailure(recent[start - 1]!)) start -= 1;
  return recent.slice(start, end);
}

/**
 * What to send now, if anything. Pure. `recent` is oldest first and ends with the run just recorded; `lastAlert`
 * is the last alert recorded (delivered or not). Rules, in order:
 * - the newest run succeeded (pass, degraded): `recovered` if an episode is open (last alert failing or
 *   reminder), or if the last alert was a `recovered` that was not delivered; else nothing;
 * - the newest run failed (fail, error) and an episode is open: the same alert again if it was not delivered;
 *   a `reminder` once `remindEveryMs` has passed since the last alert; else nothing;
 * - the newest run failed and no episode is open: `failing` after `after` consecutive failures, or
 *   `window.failures` failures within `window.withinMs` of now; only runs after the last `recovered` count,
 *   so the failures of a closed episode never open the next one;
 * - before all of these: while another probe is delivering the last alert (its claim runs), nothing: that one
 *   is on its way, and the next run decides on what holds then.
 */
export function decideAlert(
  recent: HistoryRecord[],
  lastAlert: AlertRecord | null,
  policy: AlertPolicy,
  now: Date,
): AlertKind | null {
  const newest = recent[recent.length - 1];
  if (newest === undefined) return null;
  // Not in an episode: only the runs after the last recovery can open one.
  const closedUpTo = lastAlert?.kind === 'recovered' ? lastAlert.runId : -Infinity;
  const opens = isFailingNow(recent.filter((r) => r.id > closedUpTo), policy, now);
  return transition(opens, isFailure(newest), lastAlert, policy.remindEveryMs, now);
}

/** The per-location rule: the newest run failed, and `after` failed in a row or the window's count did. */
function isFailingNow(runs: HistoryRecord[], policy: AlertPolicy, now: Date): boolean {
  const newest = runs[runs.length - 1];
  if (newest === undefined || !isFailure(newest)) return false;
  if (streakBefore(runs, runs.length).length >= Math.max(1, Math.floor(policy.after))) return true;
  if (!policy.window) return false;
  const from = now.getTime() - policy.window.withinMs;
  const failures = runs.filter((r) => isFailure(r) && instantOf(r) > from && instantOf(r) <= now.getTime()).length;
  return failures >= Math.max(1, policy.window.failures);
}

/**
 * The change of state, from whether a new episode opens now (`opens`) and whether an open one still holds:
 * `recovered` when it no longer holds (again, while a recovered was not delivered); within an episode, the same
 * alert again until delivered, then reminders; `failing` when one opens.
 */
function transition(opens: boolean, holds: boolean, lastAlert: AlertRecord | null, remindEveryMs: number | null, now: Date): AlertKind | null {
  if (lastAlert !== null && !lastAlert.delivered && lastAlert.sendingUntil !== null && lastAlert.sendingUntil > now.getTime()) return null;
  const episode = lastAlert !== null && lastAlert.kind !== 'recovered' ? lastAlert : null;
  if (!holds) {
    if (episode) return 'recovered';
    if (lastAlert?.kind === 'recovered' && !lastAlert.delivered) return 'recovered';
    return null;
  }
  if (episode) {
    if (!episode.delivered) return episode.kind;
    if (remindEveryMs === null) return null;
    return now.getTime() - Date.parse(episode.at) >= remindEveryMs ? 'reminder' : null;
  }
  return opens ? 'failing' : null;
}

/** PROBE_ALERT_LOCATIONS: the fleet is failing when at least `min` locations are; `size`, the fleet's, is for the message. */
export interface FleetPolicy {
  min: number;
  size?: number;
  /** Locations count when they ran within this long before now. */
  withinMs: number;
}

export interface FleetState {
  /** Locations that ran within the window, by name. */
  seen: string[];
  /** Those of them failing by the per-location rule. */
  failing: string[];
}

/** Which locations ran within the window, and which of them are failing by the per-location rule. Pure. */
export function fleetState(runs: HistoryRecord[], policy: AlertPolicy, fleet: FleetPolicy, now: Date): FleetState {
  const from = now.getTime() - fleet.withinMs;
  const byLocation = new Map<string, HistoryRecord[]>();
  for (const r of runs) byLocation.set(r.location, [...(byLocation.get(r.location) ?? []), r]);
  const seen = [...byLocation.keys()].filter((l) => byLocation.get(l)!.some((r) => instantOf(r) > from)).sort();
  return { seen, failing: seen.filter((l) => isFailingNow(byLocation.get(l)!, policy, now)) };
}

/** The fleet's change of state: `failing` once at least `min` locations fail, `recovered` once fewer do. Pure. */
export function decideFleetAlert(state: FleetState, lastAlert: AlertRecord | null, policy: AlertPolicy, fleet: FleetPolicy, now: Date): AlertKind | null {
  const failing = state.failing.length >= Math.max(1, fleet.min);
  return transition(failing, failing, lastAlert, policy.remindEveryMs, now);
}

/** `2 of 3 locations failing: eu-west, us-east`. */
export function describeFleet(state: FleetState, fleet: FleetPolicy): string {
  const of = fleet.size ?? state.seen.length;
  const names = state.failing.length === 0 ? '' : `: ${state.failing.join(', ')}`;
  return `${state.failing.length} of ${of} locations failing (alerting at ${fleet.min})${names}`;
}

// ---------------------------------------------------------------------------------------------------------
// The message

function shortType(type: string): string {
  const oneLine = type.replace(/\s+/g, ' ');
  return oneLine.length > TYPE_CHARS ? `${oneLine.slice(0, TYPE_CHARS)}…` : oneLine;
}

/** `subject`: the journey as the verdict names it (`golden path`, `journey checkout`). */
function titleOf(kind: AlertKind, subject: string, target: string, status: string, cls: string | null): string {
  const what = cls ? `${status} (${cls})` : status;
  switch (kind) {
    case 'failing':
      return `${subject} FAILING on ${target}: ${what}`;
    case 'reminder':
      return `${subject} still failing on ${target}: ${what}`;
    case 'recovered':
      return `${subject} recovered on ${target}: ${what}`;
  }
}

/** The alert for the newest run (`result`, recorded last in `recent`). No payloads: frames may hold user data. */
export function buildAlert(kind: AlertKind, recent: HistoryRecord[], result: RunResult, runDir: string, fleet?: string): AlertMessage {
  const newest = recent[recent.length - 1];
  // failing/reminder: the streak that ends with the newest run; recovered: the streak right before it.
  const streak =
    kind === 'recovered' ? streakBefore(recent, Math.max(0, recent.length - 1)) : streakBefore(recent, recent.length);
  const since = streak[0]?.startedAt ?? newest?.startedAt ?? result.startedAt;
  const status = result.verdict.status;
  const cls = result.verdict.class;
  const target = targetName(result.target);
  const journey = journeyOf(result);
  const subject = journeyLabel(journey);
  return {
    kind,
    title: fleet === undefined ? titleOf(kind, subject, target, status, cls) : fleetTitleOf(kind, subject, target),
    journey,
    status,
    class: cls,
    failedCheck: status === 'fail' || status === 'error' ? (decidingCheck(result.verdict)?.name ?? null) : null,
    message: result.verdict.message,
    target,
    version: result.target.version ?? null,
    since,
    failures: streak.length,
    report: join(runDir, SUMMARY_FILE),
    timeline: result.timeline
      .slice(-ALERT_TIMELINE_ROWS)
      .map((row) => `${row.ms}ms ${row.dir} #${row.socket} ${shortType(row.type)}`),
    ...(result.sessions
      ? {
          sessions: result.sessions.map((x) => ({ session: x.session, userId: x.userId, status: x.verdict.status, class: x.verdict.class })),
          decidingSession: result.decidingSession,
        }
      : {}),
    ...(result.turns ? { turns: result.turns.map((t) => ({ turn: t.turn, status: t.verdict.status, class: t.verdict.class })), decidingTurn: result.decidingTurn } : {}),
    ...(result.location === undefined ? {} : { location: result.location }),
    ...(fleet === undefined ? {} : { fleet }),
    ...(result.traceId === undefined ? {} : { traceId: result.traceId }),
    ...(result.traceUrl === undefined ? {} : { traceUrl: result.traceUrl }),
    episodeClass: fleet === undefined ? (streak[0]?.class ?? null) : 'fleet',
  };
}

function fleetTitleOf(kind: AlertKind, subject: string, target: string): string {
  switch (kind) {
    case 'failing':
      return `${subject} FAILING on ${target} from several locations`;
    case 'reminder':
      return `${subject} still failing on ${target} from several locations`;
    case 'recovered':
      return `${subject} recovered on ${target} across the fleet`;
  }
}

/** `3 at once; not passing: session 2 (fail, isolation)`; `2 in one conversation; not passing: turn 2 (fail, ui-render)`. */
function partsLine(kind: 'session' | 'turn', parts: Array<{ n: number; status: string; class: string | null }>): string {
  const bad = parts.filter((x) => x.status !== 'pass').map((x) => `${kind} ${x.n} (${x.status}${x.class ? `, ${x.class}` : ''})`);
  const how = kind === 'session' ? 'at once' : 'in one conversation';
  return `${parts.length} ${how}; ${bad.length === 0 ? `every ${kind} passed on its own` : `not passing: ${bad.join(', ')}`}`;
}

/** Slack's mrkdwn takes `&`, `<` and `>` as control characters. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The body to POST: `json` is the AlertMessage with `source`; `slack` is an incoming-webhook message;
 * `pagerduty` and `alertmanager` are incidents (incidents.ts), which need the scope and the options.
 */
export function alertPayload(alert: AlertMessage, format: AlertFormat, incident?: IncidentOptions): unknown {
  if (format === 'json') return { source: ALERT_SOURCE, ...alert };
  if (format === 'pagerduty' || format === 'alertmanager') {
    const o = incident ?? { scope: alert.fleet === undefined ? (alert.location ?? '') : 'fleet', remindEveryMs: null, now: new Date() };
    return format === 'pagerduty' ? pagerDutyEvent(alert, o) : alertmanagerAlerts(alert, o);
  }

  const verdict = [`*${alert.status}*`];
  if (alert.class) verdict.push(`class \`${mrkdwn(alert.class)}\``);
  if (alert.failedCheck) verdict.push(`check \`${mrkdwn(alert.failedCheck)}\``);
  const streak =
    alert.kind === 'recovered'
      ? `after ${alert.failures} failed run${alert.failures === 1 ? '' : 's'} since ${alert.since}`
      : `${alert.failures} failed run${alert.failures === 1 ? '' : 's'} in a row since ${alert.since}`;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(alert.title, SLACK_HEADER_CHARS), emoji: false } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`${verdict.join(' · ')}\n${mrkdwn(alert.message)}`, SLACK_TEXT_CHARS) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Target*\n${mrkdwn(alert.target)}` },
        { type: 'mrkdwn', text: `*Version*\n${alert.version === null ? 'unknown' : mrkdwn(alert.version)}` },
        { type: 'mrkdwn', text: `*Since*\n${mrkdwn(streak)}` },
        { type: 'mrkdwn', text: `*Report*\n\`${mrkdwn(alert.report)}\`` },
        ...(alert.journey === BUILT_IN_JOURNEY ? [] : [{ type: 'mrkdwn', text: `*Journey*\n${mrkdwn(alert.journey)}` }]),
        ...(alert.sessions ? [{ type: 'mrkdwn', text: `*Sessions*\n${mrkdwn(partsLine('session', alert.sessions.map((x) => ({ ...x, n: x.session }))))}` }] : []),
        ...(alert.turns ? [{ type: 'mrkdwn', text: `*Turns*\n${mrkdwn(partsLine('turn', alert.turns.map((x) => ({ ...x, n: x.turn }))))}` }] : []),
        ...(alert.fleet ? [{ type: 'mrkdwn', text: `*Fleet*\n${mrkdwn(alert.fleet)}` }] : []),
        ...(alert.location ? [{ type: 'mrkdwn', text: `*Location*\n${mrkdwn(alert.location)}` }] : []),
        ...(alert.traceId ? [{ type: 'mrkdwn', text: `*Trace*\n${alert.traceUrl ? `<${alert.traceUrl}|${alert.traceId}>` : `\`${alert.traceId}\``}` }] : []),
      ],
    },
  ];
  if (alert.timeline.length > 0) {
    const rows = alert.timeline.map((row) => mrkdwn(row.replace(/`/g, "'"))).join('\n');
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*Timeline* (ms after the send)\n\`\`\`${rows}\`\`\``, SLACK_TEXT_CHARS) },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${ALERT_SOURCE} · ${alert.kind}` }] });
  return { text: `${alert.title}: ${alert.message}`, blocks };
}

// ---------------------------------------------------------------------------------------------------------
// Delivery

/** Removes every part of the webhook URL but its origin (path segments, query values, user info) from text. */
function scrubberFor(url: URL, extra: Array<string | undefined> = []): (text: string) => string {
  const secrets = new Set<string>();
  const add = (s: string): void => {
    if (s.length < 6) return;
    secrets.add(s);
    try {
      secrets.add(decodeURIComponent(s));
    } catch {
      // Not percent-encoded text; the raw form is enough.
    }
  };
  add(url.href);
  add(url.href.slice(url.origin.length));
  add(url.pathname + url.search);
  add(url.pathname);
  add(url.search);
  add(url.search.slice(1));
  add(url.hash);
  add(url.username);
  add(url.password);
  for (const segment of url.pathname.split('/')) add(segment);
  for (const [, value] of url.searchParams) add(value);
  for (const value of extra) if (value) add(value);
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  const shapes = new Redactor();
  return (text) => shapes.redact(ordered.reduce((out, s) => out.split(s).join(REDACTED), text));
}

function oneLine(text: string, max: number): string {
  return cut(text.replace(/\s+/g, ' ').trim(), max);
}

type Attempt = { ok: true; detail: string } | { ok: false; retry: boolean; detail: string };

async function attempt(url: URL, body: string, timeoutMs: number, scrub: (text: string) => string): Promise<Attempt> {
  const outcome = await boundedRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': ALERT_SOURCE },
    body,
    timeoutMs,
    maxBodyBytes: BODY_READ_LIMIT,
  });
  if (!outcome.ok) {
    const failure = classifyError(outcome.error, outcome.phase, timeoutMs, url.host, url.hostname);
    return { ok: false, retry: failure.cause !== 'tls', detail: `${failure.cause}: ${scrub(failure.detail)}` };
  }
  if (outcome.status >= 200 && outcome.status < 300) return { ok: true, detail: `HTTP ${outcome.status}` };
  const excerpt = oneLine(scrub(outcome.body), BODY_EXCERPT_CHARS);
  const said = excerpt ? ` ${JSON.stringify(excerpt)}` : '';
  return { ok: false, retry: outcome.status >= 500, detail: `HTTP ${outcome.status}${said}` };
}

/**
 * POSTs the payload as JSON. Bounded: every attempt together ends within `timeoutMs`. Retries (up to
 * `retries` times) after a network error or a 5xx, never after a 4xx. Never throws. The detail names the
 * webhook by its origin only: its path and query are secrets (a Slack webhook URL is a credential).
 */
export async function deliverAlert(
  url: string,
  payload: unknown,
  opts: DeliveryOptions,
): Promise<{ ok: boolean; detail: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, detail: 'alert webhook: not a valid URL (not shown: a webhook URL is a secret)' };
  }
  const origin = target.origin;
  try {
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      return { ok: false, detail: `alert webhook: must be an http(s) URL, got ${target.protocol}` };
    }
    const scrub = scrubberFor(target, opts.secrets);
    let body: string;
    try {
      const json = JSON.stringify(payload);
      if (json === undefined) throw new Error('nothing to send');
      body = json;
    } catch (err) {
      return { ok: false, detail: `POST ${origin}: the alert is not JSON: ${scrub((err as Error).message)}` };
    }
    const timeoutMs = Math.max(1, Math.floor(opts.timeoutMs));
    const attempts = 1 + Math.max(0, Math.floor(opts.retries));
    const deadline = Date.now() + timeoutMs;
    const tried: string[] = [];
    let outOfTime = '';
    for (let n = 1; n <= attempts; n += 1) {
      const left = deadline - Date.now();
      if (left <= 0) {
        outOfTime = `, out of time (${timeoutMs} ms)`;
        break;
      }
      const outcome = await attempt(target, body, left, scrub);
      if (outcome.ok) {
        const earlier = tried.length > 0 ? ` (after ${tried.join('; ')})` : '';
        return { ok: true, detail: `POST ${origin}: ${outcome.detail}${earlier}` };
      }
      tried.push(outcome.detail);
      if (!outcome.retry) break;
      const pause = Math.min(ALERT_RETRY_DELAY_MS, deadline - Date.now());
      if (n < attempts && pause > 0) await delay(pause);
    }
    const count = tried.length === 1 ? '1 attempt' : `${tried.length} attempts`;
    return {
      ok: false,
      detail: `POST ${origin}: not delivered: ${tried.join('; ') || 'no attempt'} (${count}${outOfTime})`,
    };
  } catch (err) {
    // A bug of ours; still no URL in the detail.
    return {
      ok: false,
      detail: `POST ${origin}: not delivered: ${scrubberFor(target, opts.secrets)(String((err as Error)?.message ?? err))}`,
    };
  }
}

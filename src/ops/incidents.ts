// Alerts as incidents, for on-call tools: PagerDuty's Events API v2 and Prometheus Alertmanager's API. The
// decision is the alerts' own (ops/alerts.ts: on a change of state, after N, reminders, a fleet's exactly
// once); here only the body, and where it goes. One incident per scope (a location, the fleet, or the whole
// history of a probe without PROBE_LOCATION): PagerDuty's dedup_key and Alertmanager's labels are the same
// from the failing alert to its recovery, so that the one opened is the one closed.

import { BUILT_IN_JOURNEY } from '../config/journey';
import type { AlertMessage } from './alerts';

export const ALERTMANAGER_PATH = '/api/v2/alerts';
/** PagerDuty cuts a summary at 1024 characters. */
const SUMMARY_CHARS = 1024;
/** Alertmanager: without reminders, a failing alert holds this long unless renewed or resolved. */
const HOLD_WITHOUT_REMINDERS_MS = 24 * 60 * 60 * 1000;

export interface IncidentOptions {
  /** The alert's scope: a location's name, `fleet`, or '' (a probe without PROBE_LOCATION). */
  scope: string;
  /** PagerDuty: PROBE_PAGERDUTY_ROUTING_KEY. */
  routingKey?: string;
  /** PROBE_ALERT_REMIND; Alertmanager's endsAt of a failing alert is twice ahead, so that a reminder renews it. */
  remindEveryMs: number | null;
  now: Date;
}

/** The scope as labels and keys name it: `all` for a probe without PROBE_LOCATION. */
function scopeName(scope: string): string {
  return scope === '' ? 'all' : scope;
}

/** One incident per target, scope and journey, from the first failing alert to its recovery. */
export function dedupKey(alert: AlertMessage, scope: string): string {
  return `golden-path-probe/${alert.target}/${scopeName(scope)}${alert.journey === BUILT_IN_JOURNEY ? '' : `/${alert.journey}`}`;
}

/** PagerDuty Events API v2: `trigger` on failing and reminders (the same incident), `resolve` on recovered. */
export function pagerDutyEvent(alert: AlertMessage, o: IncidentOptions): unknown {
  const routing = { routing_key: o.routingKey ?? '', dedup_key: dedupKey(alert, o.scope) };
  if (alert.kind === 'recovered') return { ...routing, event_action: 'resolve' };
  const summary = `${alert.title}: ${alert.message}`.replace(/\s+/g, ' ');
  return {
    ...routing,
    event_action: 'trigger',
    client: 'golden-path-probe',
    ...(alert.traceUrl ? { client_url: alert.traceUrl, links: [{ href: alert.traceUrl, text: 'the run in the backend (trace)' }] } : {}),
    payload: {
      summary: summary.length > SUMMARY_CHARS ? `${summary.slice(0, SUMMARY_CHARS - 1)}…` : summary,
      source: alert.location ?? alert.target,
      severity: 'critical',
      timestamp: o.now.toISOString(),
      component: alert.target,
      group: scopeName(o.scope),
      class: alert.class ?? alert.status,
      custom_details: details(alert),
    },
  };
}

/**
 * Alertmanager's POST /api/v2/alerts: one alert, labelled alertname, location, class and target, firing from
 * the start of the failures until twice the reminder interval ahead (a reminder renews it), resolved by an
 * endsAt of now. Its class is the first failed run's of the episode, so that its labels, and so its
 * identity, hold until it is resolved.
 */
export function alertmanagerAlerts(alert: AlertMessage, o: IncidentOptions): unknown[] {
  const holdMs = o.remindEveryMs === null ? HOLD_WITHOUT_REMINDERS_MS : 2 * o.remindEveryMs;
  const endsAt = alert.kind === 'recovered' ? o.now : new Date(o.now.getTime() + holdMs);
  const annotations: Record<string, string> = {
    summary: alert.title,
    description: alert.message,
    report: alert.report,
    since: alert.since,
    failures: String(alert.failures),
    ...(alert.failedCheck ? { failed_check: alert.failedCheck } : {}),
    ...(alert.fleet ? { fleet: alert.fleet } : {}),
    ...(alert.traceId ? { trace_id: alert.traceId } : {}),
    ...(alert.traceUrl ? { trace_url: alert.traceUrl } : {}),
  };
  return [
    {
      labels: { alertname: 'GoldenPathFailing', location: scopeName(o.scope), journey: alert.journey, class: alert.episodeClass ?? 'unknown', target: alert.target, severity: 'critical' },
      annotations,
      startsAt: alert.since,
      endsAt: endsAt.toISOString(),
      ...(alert.traceUrl ? { generatorURL: alert.traceUrl } : {}),
    },
  ];
}

/** Where Alertmanager takes alerts: PROBE_ALERT_WEBHOOK is its base URL (or already the API's path). */
export function alertmanagerUrl(webhook: string): string {
  const bare = webhook.replace(/\/+$/, '');
  return bare.endsWith(ALERTMANAGER_PATH) ? bare : `${bare}${ALERTMANAGER_PATH}`;
}

/** What a person on call reads beside the summary. No payloads: frames may hold user data. */
function details(alert: AlertMessage): Record<string, unknown> {
  return {
    status: alert.status,
    class: alert.class,
    failed_check: alert.failedCheck,
    message: alert.message,
    target: alert.target,
    version: alert.version,
    since: alert.since,
    failures: alert.failures,
    report: alert.report,
    ...(alert.traceId ? { trace_id: alert.traceId } : {}),
    ...(alert.traceUrl ? { trace_url: alert.traceUrl } : {}),
    ...(alert.location ? { location: alert.location } : {}),
    ...(alert.fleet ? { fleet: alert.fleet } : {}),
    ...(alert.sessions ? { sessions: alert.sessions } : {}),
    timeline: alert.timeline,
  };
}

// What happens after every run, in order: the verdict goes into the history, an alert goes out when the
// state changed (a location's, or the fleet's with PROBE_ALERT_LOCATIONS; recorded first, then sent: an
// outbox), metrics are written. Each part is
// optional and independent: one that fails is logged and never changes the run's verdict; a history that was
// configured and could not be written makes the exit code 2 (the caller's), for a fleet's record lost.

import { BUILT_IN_JOURNEY, journeyOf } from '../config/journey';
import type { ProbeConfig } from '../config/load';
import type { RunResult } from '../report/result';
import type { History, HistoryRecord } from './history';

/* eslint-disable @typescript-eslint/no-require-imports -- loading on demand */
// Each part is loaded only when it is configured: alerts and metrics bring an HTTP client (undici, about
// 0.1 s to load), the history SQLite. `require`, not `import()`: tsx runs this as CommonJS.
const lazy = {
  alerts: (): typeof import('./alerts') => require('./alerts'),
  history: (): typeof import('./history') => require('./history'),
  metrics: (): typeof import('./metrics') => require('./metrics'),
  // The OpenTelemetry SDK, only when OTEL_EXPORTER_OTLP_ENDPOINT asks for it.
  otel: (): typeof import('./otel-export') => require('./otel-export'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** How far back the history feeds alert decisions and the metrics' success ratio. */
const RECENT_RUNS = 200;
const METRICS_WINDOW_MS = 24 * 60 * 60 * 1000;
const DELIVERY_TIMEOUT_MS = 5_000;
/**
 * How long an alert recorded for delivery is its probe's to send: the delivery's bound with room to spare (and
 * for clocks of a fleet a few seconds apart). A probe that died on the way leaves it to the next run after it.
 */
const SENDING_CLAIM_MS = 3 * DELIVERY_TIMEOUT_MS;
/** Fleet alerts: the locations that ran within this long count, unless PROBE_ALERT_WINDOW says another time. */
export const FLEET_WINDOW_MS = 60 * 60 * 1000;

/** What after the run could not be done and must change the exit code: the history not written. */
export interface AfterRunOutcome {
  historyProblem?: string;
}

/** Opens the history (migrating its schema) and closes it: why it cannot be used, or undefined. */
export async function openHistoryProblem(setting: string, schema: string): Promise<string | undefined> {
  try {
    await (await lazy.history().History.open(setting, schema)).close();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function afterRun(config: ProbeConfig, result: RunResult, runDir: string, log: (line: string) => void): Promise<AfterRunOutcome> {
  let history: History | undefined;
  let record: HistoryRecord | undefined;
  let historyProblem: string | undefined;
  try {
    if (config.historyDb) {
      history = await lazy.history().History.open(config.historyDb, config.historySchema);
      record = await history.record(result, runDir);
    }
  } catch (err) {
    historyProblem = `history: not recorded: ${(err as Error).message}`;
    log(historyProblem);
  }
  try {
    if (config.alert.webhook) await alertOnChange(config, result, runDir, record ? history : undefined, record, log);
    if (config.metricsFile || config.pushgatewayUrl) await writeMetrics(config, result, record ? history : undefined, log);
    if (config.otlpEndpoint) await exportTraces(config.otlpEndpoint, result, log);
  } finally {
    await history?.close();
  }
  return historyProblem === undefined ? {} : { historyProblem };
}

async function alertOnChange(
  config: ProbeConfig,
  result: RunResult,
  runDir: string,
  history: History | undefined,
  record: HistoryRecord | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (!history || !record) {
    log('alert: not decided: alerts follow the state in the history, and there is none (PROBE_HISTORY_DB)');
    return;
  }
  const { alertPayload, alertmanagerUrl, buildAlert, decideAlert, decideFleetAlert, deliverAlert, describeFleet, fleetState } = lazy.alerts();
  const { FLEET_SCOPE } = lazy.history();
  const policy = { after: config.alert.after, window: config.alert.window, remindEveryMs: config.alert.remindEveryMs };
  const locations = config.alert.locations;
  const fleet = locations && { ...locations, withinMs: config.alert.window?.withinMs ?? FLEET_WINDOW_MS };
  const mine = ownLocation(config);
  // Each journey its own state: a failing checkout journey never hides, nor raises, the golden path's alert.
  const journey = journeyOf(result);
  const builtIn = journey === BUILT_IN_JOURNEY;
  const where = fleet ? FLEET_SCOPE : (mine ?? '');
  const scope = journeyScope(where, journey);
  try {
    // The outbox: decided and recorded in one short transaction under the lock of its scope (of probes finishing
    // together, one at a time), then delivered outside it, so that a slow webhook holds no other probe's
    // record; then marked. A probe deciding while it is on its way sends nothing (decideAlert).
    const outbox = await history.underAlertLock(scope, async () => {
      const now = new Date();
      // The alerts of before locations were the built-in journey's (there were no others).
      if (!fleet && builtIn) await history.claimBeforeLocations(scope, mine);
      const lastAlert = await history.lastAlert(scope);
      let kind;
      let recent: HistoryRecord[];
      let fleetLine: string | undefined;
      if (fleet) {
        recent = await history.since(now.getTime() - fleet.withinMs, undefined, journey);
        const state = fleetState(recent, policy, fleet, now);
        kind = decideFleetAlert(state, lastAlert, policy, fleet, now);
        fleetLine = describeFleet(state, fleet);
      } else {
        recent = await history.last(RECENT_RUNS, mine, journey);
        kind = decideAlert(recent, lastAlert, policy, now);
      }
      if (!kind) return undefined;
      const sendingUntil = Date.now() + SENDING_CLAIM_MS;
      const row = await history.recordAlert({ at: now.toISOString(), kind, runId: record.id, delivered: false, detail: 'on its way', scope, sendingUntil });
      // An incident's location is the scope's; its journey the alert's (AlertMessage.journey).
      const incident = { scope: where, routingKey: config.alert.pagerdutyRoutingKey, remindEveryMs: config.alert.remindEveryMs, now };
      return { row, payload: alertPayload(buildAlert(kind, recent, result, runDir, fleetLine), config.alert.format, incident) };
    });
    if (!outbox) return;
    const url = config.alert.format === 'alertmanager' ? alertmanagerUrl(config.alert.webhook!) : config.alert.webhook!;
    const delivery = await deliverAlert(url, outbox.payload, { timeoutMs: DELIVERY_TIMEOUT_MS, retries: 1, secrets: [config.alert.pagerdutyRoutingKey] });
    // Said before it is marked: a history gone meanwhile must not hide that the alert went out.
    log(`alert ${outbox.row.kind}${fleet ? ' (fleet)' : ''}: ${delivery.ok ? 'sent' : 'NOT delivered'} (${delivery.detail})`);
    await history.markAlert(outbox.row.id, delivery.ok, delivery.detail);
  } catch (err) {
    log(`alert: failed: ${(err as Error).message}`);
  }
}

async function writeMetrics(config: ProbeConfig, result: RunResult, history: History | undefined, log: (line: string) => void): Promise<void> {
  try {
    const { pushMetrics, renderMetrics, writeTextfile } = lazy.metrics();
    const journey = journeyOf(result);
    const stats = history ? lazy.history().historyStats(await history.since(Date.now() - METRICS_WINDOW_MS, ownLocation(config), journey)) : undefined;
    const text = renderMetrics(result, stats);
    // A journey's metrics beside the golden path's, never over them: a file of its own, a group of its own.
    const builtIn = journey === BUILT_IN_JOURNEY;
    if (config.metricsFile) await writeTextfile(builtIn ? config.metricsFile : journeyMetricsFile(config.metricsFile, journey), text);
    if (config.pushgatewayUrl) {
      const grouping: Record<string, string> = builtIn ? { location: config.location } : { location: config.location, journey };
      const pushed = await pushMetrics(config.pushgatewayUrl, 'golden-path-probe', text, DELIVERY_TIMEOUT_MS, grouping);
      if (!pushed.ok) log(`metrics: push failed: ${pushed.detail}`);
    }
  } catch (err) {
    log(`metrics: not written: ${(err as Error).message}`);
  }
}

/** The alert state of a journey: the built-in one's is the scope itself (as before journeys); another's `scope journey NAME`. */
export function journeyScope(scope: string, journey: string): string {
  return journey === BUILT_IN_JOURNEY ? scope : `${scope === '' ? '' : `${scope} `}journey ${journey}`;
}

/** `golden-path.prom` -> `golden-path-checkout.prom`: a journey's textfile beside the configured one (node_exporter reads every *.prom). */
export function journeyMetricsFile(file: string, journey: string): string {
  const dot = file.endsWith('.prom') ? file.length - '.prom'.length : file.length;
  return `${file.slice(0, dot)}-${journey}${file.slice(dot)}`;
}

/**
 * The run as spans to the OTLP endpoint, bounded. A collector that cannot be reached is a line in the log,
 * never a change of the verdict or the exit code; the endpoint is named by its origin, the headers (API keys)
 * never.
 */
async function exportTraces(endpoint: string, result: RunResult, log: (line: string) => void): Promise<void> {
  const where = originOf(endpoint);
  try {
    const exported = await lazy.otel().exportRun(result, DELIVERY_TIMEOUT_MS);
    if (exported.ok) log(`traces: exported to ${where} (${exported.detail})`);
    else log(`traces: not exported to ${where}: ${otlpHeaderValues().reduce((text, secret) => text.split(secret).join('[REDACTED]'), exported.detail)}`);
  } catch (err) {
    log(`traces: not exported to ${where}: ${(err as Error).message}`);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(an endpoint that is not a URL)';
  }
}

/** OTEL_EXPORTER_OTLP_HEADERS (`key=value,...`): the values are credentials (API keys, tokens). */
function otlpHeaderValues(): string[] {
  return (process.env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',').map((pair) => pair.slice(pair.indexOf('=') + 1).trim()).filter((v) => v.length >= 4);
}

/** A location's own runs and alert state when PROBE_LOCATION was given; else (undefined) the whole history, as on one machine. */
function ownLocation(config: ProbeConfig): string | undefined {
  return config.locationGiven ? config.location : undefined;
}

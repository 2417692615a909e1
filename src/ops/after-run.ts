// What happens after every run, in order: the verdict goes into the history, an alert goes out when the
// state changed, metrics are written. Each part is optional and independent: one that fails is logged and
// never changes the run's verdict or exit code.

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
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** How far back the history feeds alert decisions and the metrics' success ratio. */
const RECENT_RUNS = 200;
const METRICS_WINDOW_MS = 24 * 60 * 60 * 1000;
const DELIVERY_TIMEOUT_MS = 5_000;

export async function afterRun(config: ProbeConfig, result: RunResult, runDir: string, log: (line: string) => void): Promise<void> {
  let history: History | undefined;
  let record: HistoryRecord | undefined;
  try {
    if (config.historyDb) {
      history = lazy.history().History.open(config.historyDb);
      record = history.record(result, runDir);
    }
  } catch (err) {
    log(`history: not recorded: ${(err as Error).message}`);
  }
  try {
    if (config.alert.webhook) await alertOnChange(config, result, runDir, history, record, log);
    if (config.metricsFile || config.pushgatewayUrl) await writeMetrics(config, result, history, log);
  } finally {
    history?.close();
  }
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
  try {
    const { alertPayload, buildAlert, decideAlert, deliverAlert } = lazy.alerts();
    const recent = history.last(RECENT_RUNS);
    const policy = { after: config.alert.after, window: config.alert.window, remindEveryMs: config.alert.remindEveryMs };
    const kind = decideAlert(recent, history.lastAlert(), policy, new Date());
    if (!kind) return;
    const alert = buildAlert(kind, recent, result, runDir);
    const delivery = await deliverAlert(config.alert.webhook!, alertPayload(alert, config.alert.format), { timeoutMs: DELIVERY_TIMEOUT_MS, retries: 1 });
    history.recordAlert({ at: new Date().toISOString(), kind, runId: record.id, delivered: delivery.ok, detail: delivery.detail });
    log(`alert ${kind}: ${delivery.ok ? 'sent' : 'NOT delivered'} (${delivery.detail})`);
  } catch (err) {
    log(`alert: failed: ${(err as Error).message}`);
  }
}

async function writeMetrics(config: ProbeConfig, result: RunResult, history: History | undefined, log: (line: string) => void): Promise<void> {
  try {
    const { pushMetrics, renderMetrics, writeTextfile } = lazy.metrics();
    const stats = history ? lazy.history().historyStats(history.since(Date.now() - METRICS_WINDOW_MS)) : undefined;
    const text = renderMetrics(result, stats);
    if (config.metricsFile) await writeTextfile(config.metricsFile, text);
    if (config.pushgatewayUrl) {
      const pushed = await pushMetrics(config.pushgatewayUrl, 'golden-path-probe', text, DELIVERY_TIMEOUT_MS);
      if (!pushed.ok) log(`metrics: push failed: ${pushed.detail}`);
    }
  } catch (err) {
    log(`metrics: not written: ${(err as Error).message}`);
  }
}

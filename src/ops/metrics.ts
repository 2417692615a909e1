// Prometheus metrics of the last run (and of the history window, when given), in the text exposition format
// 0.0.4: for node_exporter's textfile collector (writeTextfile) or a Pushgateway (pushMetrics). Every series
// carries the label `target` (the appUrl, already redacted; user:password@ is dropped all the same), when
// the run knows it `location` (PROBE_LOCATION), which is also the Pushgateway grouping key, so that a fleet's
// probes never overwrite each other's, and `journey` (`golden-path`, or a team's journey, grouped apart too). The metric names are part of the project's interface: dashboards and
// alert rules use them.
//
// golden_path_failures_total and golden_path_success_ratio come from the HistoryStats the caller passes: they
// count the runs of that window (e.g. the last 24h), so failures_total can fall as old runs leave the window.
// That is a gauge, and it is typed as one (a counter must never go down); use it as is, not with rate().

import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { boundedRequest } from '../net/bounded-request';
import type { FailureClass, Status } from '../contract/types';
import { journeyOf } from '../config/journey';
import type { RunResult } from '../report/result';
import { targetName } from '../report/target-name';
import type { HistoryStats } from './history';

export const METRIC = {
  up: 'golden_path_up',
  status: 'golden_path_status',
  duration: 'golden_path_duration_seconds',
  event: 'golden_path_event_seconds',
  failures: 'golden_path_failures_total',
  lastRun: 'golden_path_last_run_timestamp_seconds',
  successRatio: 'golden_path_success_ratio',
  users: 'golden_path_users',
  sessionEvent: 'golden_path_session_event_seconds',
  finalCompleted: 'golden_path_final_completed_seconds',
  answerVisible: 'golden_path_answer_visible_seconds',
  turn: 'golden_path_turn_seconds',
} as const;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const STATUSES: readonly Status[] = ['pass', 'degraded', 'fail', 'error'];
/** Every class, so that a window without a class still exports it as 0 (alert rules need the series). */
const CLASSES: readonly FailureClass[] = [
  'missing-event',
  'order',
  'pairing',
  'timeout',
  'transport',
  'auth',
  'isolation',
  'fallback-stub',
  'ui-render',
  'persistence',
  'error-event',
  'config',
  'probe',
];

type Labels = Array<[string, string]>;

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

export function renderMetrics(result: RunResult, stats?: HistoryStats): string {
  const target: Labels = [['target', safeTarget(targetName(result.target))]];
  // A fleet's probes push to one Prometheus: where each series was measured tells them apart.
  if (result.location !== undefined) target.push(['location', result.location]);
  // The built-in golden path and a team's journeys (PROBE_JOURNEYS) are series of their own.
  target.push(['journey', journeyOf(result)]);
  const one = (value: number, ...labels: Labels) => ({ labels: [...target, ...labels], value });
  const v = result.verdict;
  const families: Family[] = [
    {
      name: METRIC.up,
      help: '1 when the last run passed or was degraded, 0 when it failed or the probe could not judge (error).',
      samples: [one(v.status === 'pass' || v.status === 'degraded' ? 1 : 0)],
    },
    {
      name: METRIC.status,
      help: 'The last run verdict: 1 for its status, 0 for the others.',
      samples: STATUSES.map((s) => one(s === v.status ? 1 : 0, ['status', s])),
    },
    {
      name: METRIC.duration,
      help: 'How long the last run took, from its start to its verdict, in seconds.',
      samples: [one(result.durationMs / 1000)],
    },
    {
      name: METRIC.event,
      help: 'Seconds from the send to the first time each event of the last run was seen (the first agent_completed may be a sub-agent\'s); events never seen are absent.',
      samples: v.events
        .filter((e) => e.firstSeenMs !== null)
        .map((e) => one((e.firstSeenMs ?? 0) / 1000, ['event', e.type])),
    },
    {
      name: METRIC.finalCompleted,
      help: "Seconds from the send to the last run's final agent_completed (its root agent's: a sub-agent's comes first); absent when it never came.",
      samples: v.timings.completeMs === null ? [] : [one(v.timings.completeMs / 1000)],
    },
    {
      name: METRIC.answerVisible,
      help: "Seconds from the send until the last run's final answer was visible in the page: the wait a user feels; absent when it never was.",
      samples: v.timings.answerVisibleMs == null ? [] : [one(v.timings.answerVisibleMs / 1000)],
    },
    {
      name: METRIC.turn,
      help: "With several turns (PROBE_TURNS, a journey's follow-ups): seconds from each turn's send to its final agent_completed (milestone final_completed) and to its answer visible in the page (answer_visible).",
      samples: (result.turns ?? []).flatMap((t) => {
        const { completeMs, answerVisibleMs } = t.verdict.timings;
        const turn: [string, string] = ['turn', String(t.turn)];
        return [
          ...(completeMs === null ? [] : [one(completeMs / 1000, turn, ['milestone', 'final_completed'])]),
          ...(answerVisibleMs == null ? [] : [one(answerVisibleMs / 1000, turn, ['milestone', 'answer_visible'])]),
        ];
      }),
    },
    {
      name: METRIC.users,
      help: 'How many sessions the last run had at once (PROBE_USERS); with several, the event times are the slowest session\'s.',
      samples: [one(result.users ?? 1)],
    },
    {
      name: METRIC.sessionEvent,
      help: 'With several sessions: seconds from each session\'s send to the first time each event of its run was seen.',
      samples: (result.sessions ?? []).flatMap((x) =>
        x.verdict.events.filter((e) => e.firstSeenMs !== null).map((e) => one((e.firstSeenMs ?? 0) / 1000, ['session', String(x.session)], ['event', e.type])),
      ),
    },
  ];
  const finished = Date.parse(result.finishedAt);
  if (!Number.isNaN(finished)) {
    families.push({
      name: METRIC.lastRun,
      help: 'When the last run finished, in seconds since the Unix epoch.',
      samples: [one(finished / 1000)],
    });
  }
  if (stats !== undefined) {
    const classes = [
      ...CLASSES,
      ...Object.keys(stats.failuresByClass).filter((c) => !(CLASSES as string[]).includes(c)),
    ];
    families.push({
      name: METRIC.failures,
      help: 'Runs that failed or errored in the history window, by failure class (a window count: it falls as runs leave the window).',
      samples: classes.map((c) => one(stats.failuresByClass[c] ?? 0, ['class', c])),
    });
    if (stats.successRate !== null) {
      families.push({
        name: METRIC.successRatio,
        help: 'Share of the runs in the history window that passed or were degraded (0 to 1).',
        samples: [one(stats.successRate)],
      });
    }
  }
  return families.map(renderFamily).join('');
}

function renderFamily(f: Family): string {
  if (f.samples.length === 0) return '';
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`];
  for (const s of f.samples) {
    const labels = s.labels.map(([k, val]) => `${k}="${escapeLabel(val)}"`).join(',');
    lines.push(`${f.name}{${labels}} ${formatValue(s.value)}`);
  }
  return lines.join('\n') + '\n';
}

/** Label values: backslash, double quote and line feed escaped (text format 0.0.4). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** The target as a label: the URL without a `user:password@` part, should one have survived redaction. */
function safeTarget(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1');
}

/**
 * For node_exporter's textfile collector: writes `path` atomically (a temporary file next to it, then a
 * rename), creating the folders. The collector reads only `*.prom` files, so the temporary one is never read.
 * The temporary name carries the process id, so that two probes writing the same file do not mix their text.
 */
export async function writeTextfile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * PUT the text to a Pushgateway at `{url}/metrics/job/{job}` (replacing the job's group), within `timeoutMs`.
 * Never throws: `ok` and a one-line `detail` (the HTTP status, `refused`, `timed out`), without credentials.
 * Basic auth given in the URL (`https://user:pass@push.example`) is sent as a header and never printed.
 */
export async function pushMetrics(
  url: string,
  job: string,
  text: string,
  timeoutMs: number,
  grouping: Record<string, string> = {},
): Promise<{ ok: boolean; detail: string }> {
  let endpoint: URL;
  try {
    endpoint = new URL(url);
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { ok: false, detail: `push: ${JSON.stringify(redactUrl(url))} is not an http(s) URL` };
  }
  if (job === '') return { ok: false, detail: 'push: the job name is empty' };
  // A job with a slash needs the Pushgateway's base64 form of the grouping key.
  const keyPath = (key: string, value: string) =>
    value.includes('/') || value === '' ? `${key}@base64/${Buffer.from(value).toString('base64url') || '='}` : `${key}/${encodeURIComponent(value)}`;
  const jobPath = [keyPath('job', job), ...Object.entries(grouping).map(([k, v]) => keyPath(k, v))].join('/');
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/metrics/${jobPath}`;
  // Credentials in the URL go as Basic auth (boundedRequest); the URL shown never carries them.
  const shown = new URL(endpoint);
  shown.username = '';
  shown.password = '';
  const where = shown.toString();

  const signal = AbortSignal.timeout(timeoutMs);
  const outcome = await boundedRequest(endpoint, {
    method: 'PUT',
    headers: { 'content-type': METRICS_CONTENT_TYPE },
    body: text,
    timeoutMs,
    signal,
    maxBodyBytes: 4096,
  });
  if (!outcome.ok) return { ok: false, detail: `push to ${where}: ${describeError(outcome.error, timeoutMs, signal.aborted)}` };
  const body = outcome.body.trim().replace(/\s+/g, ' ').slice(0, 200);
  const ok = outcome.status >= 200 && outcome.status < 300;
  return { ok, detail: `push to ${where}: HTTP ${outcome.status}${!ok && body !== '' ? ` ${body}` : ''}` };
}

function describeError(err: unknown, timeoutMs: number, timedOut: boolean): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  if (
    timedOut ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return `timed out after ${timeoutMs} ms`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return `${code ? `${code} ` : ''}${e.message ?? String(err)}`.trim();
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/?#@]*@/, '//');
}

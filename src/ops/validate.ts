// The pre-release gate: the target must report the expected version, and M of N probe runs must pass.
// Pure parts here (the version lookup, the gate, the JUnit); the CLI runs the probes and the HTTP call.

import { request } from 'undici';
import type { Status } from '../contract/types';
import { escapeMarkup as xml } from '../report/escape';

export interface GateRun {
  index: number;
  status: Status;
  class: string | null;
  message: string;
  durationMs: number;
  runDir: string;
}

export interface VersionCheck {
  ok: boolean;
  expected: string;
  seen: string | null;
  detail: string;
  /**
   * True when the version could not be read at all (no answer, not JSON, no such field): the gate's own
   * configuration or a target that is down, which says nothing of the release; the CLI stops with exit 2.
   */
  unreadable?: true;
}

export interface GateResult {
  ok: boolean;
  passed: number;
  required: number;
  runs: GateRun[];
  version?: VersionCheck;
  message: string;
}

/** The value at a dotted path of a JSON body (`version`, `build.version`), as a string. */
export function valueAt(body: unknown, path: string): string | null {
  let current: unknown = body;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !(key in current)) return null;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' || typeof current === 'number' ? String(current) : null;
}

/** Asks the target which version it runs. Never throws: a failed lookup is a failed check with its cause. */
export async function checkVersion(url: string, field: string, expected: string, timeoutMs: number): Promise<VersionCheck> {
  try {
    const res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.body.text();
    const unreadable = (detail: string): VersionCheck => ({ ok: false, expected, seen: null, detail, unreadable: true });
    if (res.statusCode >= 400) return unreadable(`GET ${url} answered ${res.statusCode}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return unreadable(`GET ${url} did not answer JSON`);
    }
    const seen = valueAt(body, field);
    if (seen === null) {
      const fields = typeof body === 'object' && body !== null ? ` (its fields: ${Object.keys(body).join(', ')})` : '';
      return unreadable(`GET ${url} has no "${field}" field${fields}`);
    }
    const ok = seen === expected;
    return { ok, expected, seen, detail: ok ? `the target reports version ${seen}` : `expected version ${expected}, the target reports ${seen}` };
  } catch (err) {
    return { ok: false, expected, seen: null, detail: `GET ${url} failed: ${(err as Error).message}`, unreadable: true };
  }
}

export function gate(runs: GateRun[], required: number, version?: VersionCheck): GateResult {
  const passed = runs.filter((r) => r.status === 'pass' || r.status === 'degraded').length;
  const versionOk = version === undefined || version.ok;
  const ok = versionOk && passed >= required;
  const parts = [`${passed} of ${runs.length} runs passed (${required} required)`];
  if (version) parts.unshift(version.detail);
  return { ok, passed, required, runs, version, message: `validate: ${ok ? 'PASS' : 'FAIL'}: ${parts.join('; ')}` };
}

/** JUnit for CI: one test case per run, and one for the version when it was checked. */
export function renderJunit(result: GateResult, timestamp: string): string {
  const cases: string[] = [];
  if (result.version) {
    const v = result.version;
    cases.push(testCase('version', 0, v.ok ? undefined : { type: 'version', message: v.detail }));
  }
  for (const run of result.runs) {
    const failed = run.status === 'fail' || run.status === 'error';
    cases.push(testCase(`run ${run.index}`, run.durationMs, failed ? { type: run.class ?? run.status, message: run.message } : undefined, run.runDir));
  }
  const failures = (result.version && !result.version.ok ? 1 : 0) + result.runs.filter((r) => r.status === 'fail' || r.status === 'error').length;
  const time = result.runs.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="golden-path-probe validate" tests="${cases.length}" failures="${failures}" time="${time.toFixed(3)}">`,
    `  <testsuite name="golden path" tests="${cases.length}" failures="${failures}" timestamp="${xml(timestamp)}" time="${time.toFixed(3)}">`,
    `    <properties><property name="gate" value="${xml(result.message)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(name: string, ms: number, failure?: { type: string; message: string }, runDir?: string): string {
  const out = runDir ? `\n      <system-out>${xml(runDir)}</system-out>` : '';
  const body = failure ? `\n      <failure type="${xml(failure.type)}" message="${xml(failure.message)}"/>` : '';
  return `    <testcase classname="golden-path-probe" name="${xml(name)}" time="${(ms / 1000).toFixed(3)}">${body}${out}\n    </testcase>`;
}

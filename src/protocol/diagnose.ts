// Who broke the golden path: the verdict of the browser probe next to the verdict of the browserless
// protocol probe, judged by the same judge on the same contract. Pure: a small ordered table of rules, the
// first that matches decides. When the two verdicts tell no clear story it says `inconclusive` with both
// messages rather than guess: a wrong blame sends people to the wrong team.

import type { FailureClass, Verdict } from '../contract/types';

export type Blame = 'none' | 'frontend' | 'backend' | 'transport' | 'auth' | 'inconclusive';

export interface Diagnosis {
  blame: Blame;
  sentence: string;
}

/** Failure classes that, seen by the protocol probe, put the fault in the backend's agent run. */
const BACKEND_CLASSES: ReadonlySet<FailureClass> = new Set<FailureClass>([
  'missing-event',
  'order',
  'pairing',
  'error-event',
  'fallback-stub',
  'isolation',
  'timeout',
]);

interface Rule {
  name: string;
  when: (browser: Verdict, protocol: Verdict) => boolean;
  then: (browser: Verdict, protocol: Verdict) => Diagnosis;
}

const passed = (v: Verdict) => v.status === 'pass' || v.status === 'degraded';
const failed = (v: Verdict) => v.status === 'fail';
const couldNotJudge = (v: Verdict) => v.status === 'error';
const sameClass = (b: Verdict, p: Verdict) => failed(b) && failed(p) && b.class === p.class;

/** The rules in order; exported so the table can be listed and each row tested. */
export const DIAGNOSIS_RULES: readonly Rule[] = [
  {
    name: 'protocol-probe-error',
    when: (_b, p) => couldNotJudge(p),
    then: (b, p) => inconclusive(`the protocol probe could not judge (${p.class ?? 'error'}): ${p.message}; the browser probe says ${summary(b)}`),
  },
  {
    name: 'browser-probe-error',
    when: (b) => couldNotJudge(b),
    then: (b, p) => inconclusive(`the browser probe could not judge (${b.class ?? 'error'}): ${b.message}; the protocol probe says ${summary(p)}`),
  },
  {
    name: 'both-passed',
    when: (b, p) => passed(b) && passed(p),
    then: (b, p) => ({ blame: 'none', sentence: `both probes passed: backend and page agree${degradedNote(b, p)}` }),
  },
  {
    name: 'page-never-rendered',
    when: (b, p) => passed(p) && failed(b) && b.class === 'ui-render' && failingCheck(b)?.name === 'answer-rendered',
    then: () => ({ blame: 'frontend', sentence: `${BACKEND_FINE}; the page never rendered the answer` }),
  },
  {
    name: 'page-failed',
    when: (b, p) => passed(p) && failed(b),
    then: (b) => ({ blame: 'frontend', sentence: `${BACKEND_FINE}; the page failed: ${b.message}` }),
  },
  {
    name: 'only-protocol-failed',
    when: (b, p) => passed(b) && failed(p),
    then: (_b, p) => inconclusive(`the page passed but the protocol probe failed (${p.class}): ${p.message}`),
  },
  {
    name: 'auth',
    when: (b, p) => sameClass(b, p) && p.class === 'auth',
    then: (_b, p) => ({ blame: 'auth', sentence: `both probes failed to authenticate: ${p.message}` }),
  },
  {
    name: 'transport',
    when: (b, p) => sameClass(b, p) && p.class === 'transport',
    then: (_b, p) => ({ blame: 'transport', sentence: `the connection failed without a browser too: ${p.message}` }),
  },
  {
    name: 'backend-missing-event',
    when: (b, p) => sameClass(b, p) && p.class === 'missing-event' && missingEvents(p) !== null,
    then: (_b, p) => ({ blame: 'backend', sentence: `the backend never sent ${missingEvents(p)}` }),
  },
  {
    name: 'backend',
    when: (b, p) => sameClass(b, p) && p.class !== null && BACKEND_CLASSES.has(p.class),
    then: (_b, p) => ({ blame: 'backend', sentence: `the backend failed without a browser too (${p.class}): ${p.message}` }),
  },
  {
    name: 'no-clear-story',
    when: () => true,
    then: (b, p) => inconclusive(`the probes disagree: the browser probe says ${summary(b)}; the protocol probe says ${summary(p)}`),
  },
];

const BACKEND_FINE = 'the backend emitted all five events and the answer';

export function diagnose(browser: Verdict, protocol: Verdict): Diagnosis {
  return diagnoseWithRule(browser, protocol).diagnosis;
}

/** The diagnosis and the name of the rule that made it (for tests and reports). */
export function diagnoseWithRule(browser: Verdict, protocol: Verdict): { rule: string; diagnosis: Diagnosis } {
  for (const rule of DIAGNOSIS_RULES) {
    if (rule.when(browser, protocol)) return { rule: rule.name, diagnosis: rule.then(browser, protocol) };
  }
  // Unreachable: the last rule matches everything.
  return { rule: 'none', diagnosis: inconclusive(`the browser probe says ${summary(browser)}; the protocol probe says ${summary(protocol)}`) };
}

function inconclusive(sentence: string): Diagnosis {
  return { blame: 'inconclusive', sentence };
}

/** `fail (transport): <message>` / `pass`. */
function summary(v: Verdict): string {
  if (v.status === 'pass') return 'pass';
  return `${v.status}${v.class ? ` (${v.class})` : ''}: ${v.message}`;
}

function degradedNote(b: Verdict, p: Verdict): string {
  const notes = [
    ...(b.status === 'degraded' ? [`the browser probe is degraded: ${b.message}`] : []),
    ...(p.status === 'degraded' ? [`the protocol probe is degraded: ${p.message}`] : []),
  ];
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

/** The check that decided a failing verdict: the first failing check of the verdict's class. */
function failingCheck(v: Verdict) {
  return v.checks.find((c) => c.status === 'fail' && c.class === v.class);
}

/** `tool_completed` / `tool_executing, tool_completed`, from the events-present check's `seen` ("missing a, b"). */
function missingEvents(v: Verdict): string | null {
  const check = v.checks.find((c) => c.name === 'events-present' && c.status === 'fail');
  const m = check ? /^missing (.+)$/.exec(check.seen) : null;
  return m?.[1] ?? null;
}

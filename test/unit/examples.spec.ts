// The examples in examples/ must call the real CLI with real options: each is parsed, every invocation of
// golden-path-probe is read back through the CLI's own argument parser, and every PROBE_ variable it sets
// must exist.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse } from 'yaml';
import { parseArgs } from '../../src/cli/flags';
import { VARIABLES } from '../../src/config/variables';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const COMMANDS = ['run', 'diagnose', 'login', 'validate', 'report', 'history', 'reference', 'install-browser'];
const KNOWN_VARIABLES = new Set(VARIABLES.map((v) => v.name));

/** The arguments after `golden-path-probe` in a shell line; `${{ expressions }}` count as one value. */
function invocations(shell: string): string[][] {
  const words = shell.replace(/\$\{\{[^}]*\}\}/g, 'VALUE').replace(/\\\n/g, ' ').split(/\s+/);
  const found: string[][] = [];
  words.forEach((word, i) => {
    // The command itself, not a folder of that name (`cd /opt/golden-path-probe`).
    if (!/(^|\/)golden-path-probe(\.js)?$/.test(word) || words[i - 1] === 'cd') return;
    const args: string[] = [];
    for (const next of words.slice(i + 1)) {
      if (['>>', '>', '2>&1', '&&', '|', ';'].includes(next)) break;
      args.push(next);
    }
    found.push(args);
  });
  return found;
}

function expectRealInvocation(args: string[], where: string): void {
  const parsed = parseArgs(args);
  expect(parsed.problems, `${where}: ${args.join(' ')}`).toEqual([]);
  expect(COMMANDS, where).toContain(parsed.command);
}

function expectKnownVariables(names: string[], where: string): void {
  for (const name of names.filter((n) => n.startsWith('PROBE_'))) expect(KNOWN_VARIABLES.has(name), `${where}: ${name}`).toBe(true);
}

test('GitHub Actions: a scheduled check and a pre-release gate, each calling the real CLI', () => {
  const workflow = parse(readFileSync(join(EXAMPLES, 'github-actions.yml'), 'utf8'));
  expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  expectKnownVariables(Object.keys(workflow.env), 'workflow env');
  const calls: Array<{ job: string; args: string[] }> = [];
  for (const [job, spec] of Object.entries<any>(workflow.jobs)) {
    for (const step of spec.steps) {
      if (typeof step.run === 'string') for (const args of invocations(step.run)) calls.push({ job, args });
      if (step.env) expectKnownVariables(Object.keys(step.env), `${job} step env`);
    }
  }
  expect(calls.map((c) => [c.job, parseArgs(c.args).command])).toEqual([
    ['synthetic-check', 'run'],
    ['pre-release-gate', 'validate'],
  ]);
  for (const c of calls) expectRealInvocation(c.args, c.job);
});

test('Kubernetes CronJob: never concurrent, the real CLI and options, secrets from a Secret', () => {
  const cronJob = parse(readFileSync(join(EXAMPLES, 'kubernetes-cronjob.yaml'), 'utf8'));
  expect(cronJob.kind).toBe('CronJob');
  expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
  const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
  expect(container.command).toEqual(['node', 'bin/golden-path-probe.js']);
  expectRealInvocation(container.args, 'CronJob args');
  const env = container.env as Array<{ name: string; value?: string; valueFrom?: unknown }>;
  expectKnownVariables(env.map((e) => e.name), 'CronJob env');
  for (const secret of ['PROBE_E2E_BYPASS_KEY', 'PROBE_ALERT_WEBHOOK']) expect(env.find((e) => e.name === secret)?.valueFrom, secret).toBeDefined();
});

test('crontab: a valid schedule calling the real CLI', () => {
  const lines = readFileSync(join(EXAMPLES, 'crontab'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(line!.split(/\s+/).slice(0, 5).join(' ')).toMatch(/^[\d*/,-]+ [\d*/,-]+ [\d*/,-]+ [\d*/,-]+ [\d*/,-]+$/);
  const calls = invocations(line!);
  expect(calls).toHaveLength(1);
  expectRealInvocation(calls[0]!, 'crontab');
});

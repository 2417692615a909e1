// The examples in examples/ must call the real CLI with real options: each is parsed, every invocation of
// golden-path-probe is read back through the CLI's own argument parser, and every PROBE_ variable it sets
// must exist.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from '@playwright/test';
import { parse, parseAllDocuments } from 'yaml';
import { parseArgs } from '../../src/cli/flags';
import { VARIABLES } from '../../src/config/variables';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const COMMANDS = ['run', 'diagnose', 'login', 'validate', 'report', 'history', 'reference', 'install-browser'];
const KNOWN_VARIABLES = new Set(VARIABLES.map((v) => v.name));
/** Settings that hold a secret: never a value written in an example, always from a Secret or `secrets.`. */
const SECRET_VARIABLES = new Set([
  ...VARIABLES.filter((v) => v.kind === 'secret').map((v) => v.name),
  'PROBE_HISTORY_DB', // a postgres:// URL carries a password
  'PROBE_ALERT_WEBHOOK',
]);

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

// The fleet: probes in several locations writing one PostgreSQL history, alerting once for the fleet.

const FLEET = join(EXAMPLES, 'kubernetes-fleet');
const SECRET_EXAMPLE = join(FLEET, 'secret.example.yaml');
const FLEET_WORKFLOW = join(EXAMPLES, 'github-actions-fleet.yml');
/** A URL with a password in it: `postgres://user:password@host`. */
const URL_WITH_PASSWORD = /postgres(ql)?:\/\/[^\s:@/]+:[^\s@/]+@/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** Every document of a YAML file, as data; a file that does not parse fails here, naming its error. */
function yamlDocuments(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const errors = doc.errors.map((e) => e.message);
    expect(errors, relative(EXAMPLES, file)).toEqual([]);
  }
  return list.map((doc) => doc.toJS());
}

function yamlDocument(file: string): any {
  const docs = yamlDocuments(file);
  expect(docs, relative(EXAMPLES, file)).toHaveLength(1);
  return docs[0];
}

/** `N` or `N/M` (PROBE_ALERT_LOCATIONS): at least N failing locations of a fleet of M. */
function alertLocations(value: unknown): { n: number; m: number } {
  const match = /^(\d+)\/(\d+)$/.exec(String(value));
  expect(match, `PROBE_ALERT_LOCATIONS ${String(value)}`).not.toBeNull();
  const [n, m] = [Number(match![1]), Number(match![2])];
  expect(n, 'N of N/M').toBeGreaterThanOrEqual(1);
  expect(n, 'N of N/M').toBeLessThanOrEqual(m);
  return { n, m };
}

/** Every object under `value` holding a `key` (`secretKeyRef`), with the value it holds. */
function findAll(value: unknown, key: string): any[] {
  if (Array.isArray(value)) return value.flatMap((v) => findAll(v, key));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === key ? [v, ...findAll(v, key)] : findAll(v, key)));
}

const overlayDirs = (): string[] => readdirSync(join(FLEET, 'overlays')).sort();
const kustomization = (dir: string): any => yamlDocument(join(dir, 'kustomization.yaml'));
const containerOf = (cronJob: any): any => cronJob.spec.jobTemplate.spec.template.spec.containers[0];
type EnvVar = { name: string; value?: string; valueFrom?: any };

/** The base's resources, as documents, by file. */
function baseResources(): Map<string, any[]> {
  const base = join(FLEET, 'base');
  return new Map<string, any[]>(kustomization(base).resources.map((r: string) => [r, yamlDocuments(join(base, r))]));
}

function baseCronJob(): any {
  const cronJobs = [...baseResources().values()].flat().filter((d) => d.kind === 'CronJob');
  expect(cronJobs, 'CronJobs in base/').toHaveLength(1);
  return cronJobs[0];
}

/** An overlay's patches, as documents: inline (`patch: |-`) or in a file (`path:`). */
function overlayPatches(dir: string): Array<{ target?: any; doc: any }> {
  return (kustomization(dir).patches ?? []).map((p: any) => ({
    target: p.target,
    doc: p.patch !== undefined ? parse(p.patch) : yamlDocument(join(dir, p.path)),
  }));
}

/** Every document of the fleet's Kubernetes files but the Secret example, overlay patches included. */
function fleetManifests(): Array<{ file: string; doc: any }> {
  const docs: Array<{ file: string; doc: any }> = [];
  for (const file of filesUnder(FLEET).filter((f) => f.endsWith('.yaml') && f !== SECRET_EXAMPLE)) {
    for (const doc of yamlDocuments(file)) docs.push({ file: relative(FLEET, file), doc });
    if (!file.endsWith('kustomization.yaml')) continue;
    for (const p of overlayPatches(dirname(file))) docs.push({ file: `${relative(FLEET, file)} (patch)`, doc: p.doc });
  }
  return docs;
}

test('Kubernetes fleet: every kustomization and manifest parses, and the Secret example is never applied', () => {
  const yamlFiles = filesUnder(FLEET).filter((f) => /\.ya?ml$/.test(f));
  expect(yamlFiles.length).toBeGreaterThan(0);
  for (const file of yamlFiles) {
    for (const doc of yamlDocuments(file)) {
      expect(doc?.apiVersion, relative(FLEET, file)).toEqual(expect.any(String));
      expect(doc?.kind, relative(FLEET, file)).toEqual(expect.any(String));
    }
  }
  const dirs = [join(FLEET, 'base'), ...overlayDirs().map((d) => join(FLEET, 'overlays', d))];
  for (const dir of dirs) {
    const k = kustomization(dir);
    expect(k.kind, relative(FLEET, dir)).toBe('Kustomization');
    for (const resource of k.resources) {
      expect(existsSync(join(dir, resource)), `${relative(FLEET, dir)}: ${resource}`).toBe(true);
      expect(join(dir, resource), `${relative(FLEET, dir)} applies the Secret example`).not.toBe(SECRET_EXAMPLE);
    }
  }
  // The base's resources parse (`kubectl apply -k` would read them), its PVC is the CronJob's volume (so
  // that a name suffix renames both), and it holds no Secret.
  const docs = [...baseResources().values()].flat();
  expect(docs.map((d) => d.kind)).not.toContain('Secret');
  const claims = findAll(baseCronJob(), 'persistentVolumeClaim').map((p) => p.claimName);
  const pvcs = docs.filter((d) => d.kind === 'PersistentVolumeClaim').map((d) => d.metadata.name);
  for (const claim of claims) expect(pvcs, `claim ${claim}`).toContain(claim);
});

test("Kubernetes fleet: the base CronJob: never concurrent, the Dockerfile's real CLI, secrets from a Secret", () => {
  const cronJob = baseCronJob();
  expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
  const container = containerOf(cronJob);
  expect(container.resources?.limits?.memory, 'memory limit').toBeDefined();
  // The image is examples/Dockerfile: its entrypoint is the command.
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(EXAMPLES, 'Dockerfile'), 'utf8'));
  expect(container.command).toEqual(JSON.parse(entrypoint![1]!));
  const calls = invocations([...container.command, ...container.args].join(' '));
  expect(calls).toHaveLength(1);
  expectRealInvocation(calls[0]!, 'base CronJob');
  expect(parseArgs(calls[0]!).command).toBe('run');
  const env = container.env as EnvVar[];
  expectKnownVariables(
    env.map((e) => e.name),
    'base CronJob env',
  );
  for (const secret of ['PROBE_HISTORY_DB', 'PROBE_E2E_BYPASS_KEY', 'PROBE_ALERT_WEBHOOK']) {
    const entry = env.find((e) => e.name === secret);
    expect(entry?.valueFrom?.secretKeyRef, secret).toBeDefined();
  }
  for (const e of env.filter((e) => SECRET_VARIABLES.has(e.name))) expect(e.value, `${e.name} inline`).toBeUndefined();
  // The fleet alerts on N of M locations; M is the fleet's size: one location an overlay.
  const { m } = alertLocations(env.find((e) => e.name === 'PROBE_ALERT_LOCATIONS')?.value);
  expect(m, 'M of PROBE_ALERT_LOCATIONS: the overlays').toBe(overlayDirs().length);
});

test('Kubernetes fleet: each overlay is the base with its own name and PROBE_LOCATION, on the same schedule', () => {
  const base = baseCronJob();
  const dirs = overlayDirs();
  expect(dirs.length).toBeGreaterThanOrEqual(2);
  const names: string[] = [];
  const locations: string[] = [];
  for (const dir of dirs) {
    const where = `overlays/${dir}`;
    const k = kustomization(join(FLEET, 'overlays', dir));
    expect(k.resources, where).toEqual(['../../base']);
    const rename = `${k.namePrefix ?? ''}${base.metadata.name}${k.nameSuffix ?? ''}`;
    expect(rename, `${where}: a namePrefix or nameSuffix`).not.toBe(base.metadata.name);
    names.push(rename);
    const set: string[] = [];
    for (const { target, doc } of overlayPatches(join(FLEET, 'overlays', dir))) {
      expect(doc.spec?.schedule, `${where} patches the schedule`).toBeUndefined();
      const containers = findAll(doc, 'containers').flat();
      const env = containers.flatMap((c: any) => c.env ?? []) as EnvVar[];
      const location = env.find((e) => e.name === 'PROBE_LOCATION');
      if (!location) continue;
      // The patch lands on the base's CronJob and its container (a strategic merge matches them by name).
      expect(target?.kind ?? doc.kind, where).toBe('CronJob');
      expect(target?.name ?? doc.metadata?.name, where).toBe(base.metadata.name);
      const containerNames = containers.map((c: any) => c.name);
      expect(containerNames, where).toEqual([containerOf(base).name]);
      set.push(String(location.value));
    }
    expect(set, `${where}: PROBE_LOCATION`).toEqual([dir]);
    locations.push(...set);
  }
  expect(new Set(names).size, `CronJob names ${names.join(', ')}`).toBe(dirs.length);
  expect(new Set(locations).size, `locations ${locations.join(', ')}`).toBe(dirs.length);
});

test('Kubernetes fleet: every secretKeyRef names the Secret and a key of secret.example.yaml, all placeholders', () => {
  const secret = yamlDocument(SECRET_EXAMPLE);
  expect(secret.kind).toBe('Secret');
  const values: Record<string, string> = { ...secret.data, ...secret.stringData };
  const refs = fleetManifests().flatMap(({ file, doc }) => findAll(doc, 'secretKeyRef').map((ref) => ({ file, ref })));
  expect(refs.length).toBeGreaterThanOrEqual(3);
  for (const { file, ref } of refs) {
    expect(ref.name, file).toBe(secret.metadata.name);
    expect(Object.keys(values), `${file}: key ${ref.key}`).toContain(ref.key);
  }
  const used = [...new Set(refs.map((r) => r.ref.key))].sort();
  expect(Object.keys(values).sort(), 'keys the base never reads').toEqual(used);
  // Placeholders, obviously: each value says REPLACE_ME, and the file says it is an example.
  expect(readFileSync(SECRET_EXAMPLE, 'utf8')).toMatch(/PLACEHOLDER/);
  for (const [key, value] of Object.entries(values)) expect(value, key).toMatch(/REPLACE_ME/);
  expect(values['history-db'], 'history-db').toMatch(URL_WITH_PASSWORD);
});

test('fleet examples: no secret inline, no Secret but the example, every PROBE_ variable exists', () => {
  for (const file of [...filesUnder(FLEET), FLEET_WORKFLOW]) {
    const where = relative(EXAMPLES, file);
    const text = readFileSync(file, 'utf8');
    expectKnownVariables(text.match(/\bPROBE_[A-Z0-9_]+/g) ?? [], where);
    if (file === SECRET_EXAMPLE) continue;
    expect(text, `${where}: a URL with a password`).not.toMatch(URL_WITH_PASSWORD);
    expect(text, `${where}: a Slack webhook`).not.toMatch(/hooks\.slack\.com\/services\/\S/);
  }
  for (const { file, doc } of fleetManifests()) {
    expect(doc.kind, file).not.toBe('Secret');
    for (const e of findAll(doc, 'env').flat() as EnvVar[])
      if (SECRET_VARIABLES.has(e.name)) expect(e.value, `${file}: ${e.name} inline`).toBeUndefined();
  }
});

test('GitHub Actions fleet: a matrix over locations, each a real run tagged with its location', () => {
  const workflow = parse(readFileSync(FLEET_WORKFLOW, 'utf8'));
  expect(workflow.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
  const jobs = Object.entries<any>(workflow.jobs).filter(([, spec]) => spec.strategy?.matrix?.location);
  expect(jobs.map(([job]) => job)).toHaveLength(1);
  const [job, spec] = jobs[0]!;
  const locations = spec.strategy.matrix.location;
  expect(Array.isArray(locations), 'matrix.location is a list').toBe(true);
  expect(locations.length).toBeGreaterThanOrEqual(2);
  expect(new Set(locations).size, 'distinct locations').toBe(locations.length);
  expect(spec.strategy['fail-fast']).toBe(false);
  // Each location runs in its own place: a runner per location.
  expect(JSON.stringify(spec['runs-on']), 'runs-on').toMatch(/matrix\.location/);
  const steps = spec.steps as any[];
  expect(steps.find((s) => String(s.uses).startsWith('actions/setup-node'))?.with?.['node-version']).toBe(20);
  expect(steps.map((s) => s.run)).toContain('npx playwright install --with-deps chromium');
  const calls = steps.flatMap((step) =>
    typeof step.run === 'string' ? invocations(step.run).map((args) => ({ step, args })) : [],
  );
  expect(calls.map((c) => parseArgs(c.args).command)).toEqual(['run']);
  for (const { step, args } of calls) {
    expectRealInvocation(args, job);
    const env: Record<string, unknown> = { ...workflow.env, ...spec.env, ...step.env };
    expectKnownVariables(Object.keys(env), `${job} env`);
    expect(env.PROBE_LOCATION, 'PROBE_LOCATION').toMatch(/^\$\{\{\s*matrix\.location\s*\}\}$/);
    expect(env.PROBE_HISTORY_DB, 'PROBE_HISTORY_DB').toBeDefined();
    for (const [name, value] of Object.entries(env).filter(([n]) => SECRET_VARIABLES.has(n)))
      expect(value, `${name} from secrets`).toMatch(/^\$\{\{\s*secrets\.\w+\s*\}\}$/);
    const { m } = alertLocations(env.PROBE_ALERT_LOCATIONS);
    expect(m, 'M of PROBE_ALERT_LOCATIONS: the matrix').toBe(locations.length);
  }
  // The reports folder, one artifact per location (upload-artifact@v4 refuses a name used twice in a run).
  const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'));
  expect(upload?.if).toBe('always()');
  expect(upload?.with?.path).toMatch(/^reports\/?$/);
  expect(upload?.with?.name).toMatch(/\$\{\{\s*matrix\.location\s*\}\}/);
});

test('GitHub Actions examples: the trace link set, the OTLP headers and PagerDuty routing key from secrets, the job summary said', () => {
  for (const file of ['github-actions.yml', 'github-actions-fleet.yml']) {
    const text = readFileSync(join(EXAMPLES, file), 'utf8');
    const workflow = parse(text);
    const envs = [workflow.env, ...Object.values<any>(workflow.jobs).flatMap((job) => job.steps.map((s: any) => s.env ?? {}))];
    const values = Object.assign({}, ...envs) as Record<string, string>;
    expect(values.PROBE_TRACE_URL, file).toMatch(/^\$\{\{ vars\./);
    for (const secret of ['OTEL_EXPORTER_OTLP_HEADERS', 'PROBE_PAGERDUTY_ROUTING_KEY'].filter((n) => n in values)) expect(values[secret], `${file}: ${secret}`).toMatch(/^\$\{\{ secrets\./);
    expect(text, file).toContain('GITHUB_STEP_SUMMARY');
    expect(text, file).toContain('::error');
  }
});

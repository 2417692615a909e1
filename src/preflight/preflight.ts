// Preflight: before any browser starts, ask each health endpoint of the target, over plain HTTP (undici),
// whether it is there and healthy. A staging that is down or misconfigured then fails in about a second,
// naming the URL and the cause (dns, refused, tls, timeout, http, unhealthy, network), instead of as a 60 s
// browser timeout. Nothing here can hang: every request is bounded as a whole by an AbortSignal, and each
// phase by undici's own connect, headers and body timeouts; each request has its own Agent, destroyed after.

import dns from 'node:dns';
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import { boundedRequest } from '../net/bounded-request';
import { classifyError } from './classify';
import { redactorFor, safeUrl } from './safe-url';

export interface PreflightTarget {
  name: string;
  url: string;
}
export interface PreflightOptions {
  /** Bound of each request, all phases together (DNS, connect, TLS, headers, body). */
  timeoutMs: number;
}
export type PreflightCause = 'dns' | 'refused' | 'tls' | 'timeout' | 'http' | 'unhealthy' | 'network';
export interface PreflightCheck {
  name: string;
  /** The target's URL without credentials (`user:password@` removed, token/ticket/key values redacted). */
  url: string;
  ok: boolean;
  /** How long the check took, in ms. */
  ms: number;
  /** HTTP status when one came back. */
  status?: number;
  /** The body's `status` field when the body is JSON, e.g. healthy | degraded. */
  health?: string;
  /** The body's `version` field when present. */
  version?: string;
  /** Why it failed. */
  cause?: PreflightCause;
  /** One human line, e.g. `ECONNREFUSED 127.0.0.1:4312: nothing listens there`, `healthy, version 1.2.3`. */
  detail: string;
}
export interface PreflightResult {
  ok: boolean;
  degraded: boolean;
  checks: PreflightCheck[];
  message: string;
}

/** A health body's `status` values that mean up. Compared case-insensitively (Spring says `UP`). */
const HEALTHY = new Set(['healthy', 'ok', 'up', 'pass']);
const DEGRADED = 'degraded';
/** Enough of a body for a health document or an error page's first line; the rest is not read. */
const MAX_BODY_BYTES = 64 * 1024;
/** Most characters of a body quoted in a detail line. */
const EXCERPT_CHARS = 120;

const PLACEHOLDERS = { app: 'appUrl', api: 'apiUrl', auth: 'authUrl' } as const;
type Placeholder = keyof typeof PLACEHOLDERS;

/**
 * Expands templates such as `{api}/health`, `{api}/ws/health`, `{auth}/health`, `{app}/` into targets named
 * `api /health`, `api /ws/health`, `auth /health`, `app /`. A template without a placeholder must be a whole
 * http(s) URL. Throws an Error naming the template for an unknown placeholder or a URL that is not http(s).
 */
export function preflightTargets(
  urls: { appUrl: string; apiUrl: string; authUrl: string },
  templates: string[],
): PreflightTarget[] {
  const known = Object.keys(PLACEHOLDERS)
    .map((p) => `{${p}}`)
    .join(', ');
  return templates.map((template) => {
    for (const [, name] of template.matchAll(/\{([^{}]*)\}/g)) {
      if (!Object.hasOwn(PLACEHOLDERS, name!)) {
        throw new Error(`preflight target "${template}": unknown placeholder {${name}} (known: ${known})`);
      }
      const base = urls[PLACEHOLDERS[name as Placeholder]];
      if (!base)
        throw new Error(
          `preflight target "${template}": {${name}} has no URL (${PLACEHOLDERS[name as Placeholder]} is empty)`,
        );
    }
    const url = template.replace(/\{(app|api|auth)\}/g, (_, name: Placeholder) =>
      urls[PLACEHOLDERS[name]].replace(/\/+$/, ''),
    );
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new Error(`preflight target "${template}": ${safeUrl(url)} is not an http(s) URL`);
    }
    const lead = /^\{(app|api|auth)\}(.*)$/.exec(template);
    return { name: lead ? `${lead[1]} ${lead[2] || '/'}` : safeUrl(url), url };
  });
}

/** Checks every target concurrently, each bounded by `opts.timeoutMs`; never throws for a target's failure. */
export async function preflight(targets: PreflightTarget[], opts: PreflightOptions): Promise<PreflightResult> {
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new RangeError(`preflight: timeoutMs must be a positive number of milliseconds, got ${opts.timeoutMs}`);
  }
  const checks = await Promise.all(targets.map((t) => checkTarget(t, opts.timeoutMs)));
  const ok = checks.every((c) => c.ok);
  const degraded = checks.some((c) => c.ok && c.health?.toLowerCase() === DEGRADED);
  return { ok, degraded, checks, message: summarize(checks) };
}

function summarize(checks: PreflightCheck[]): string {
  const failing = checks.filter((c) => !c.ok);
  const first = failing[0];
  if (first) {
    const more =
      failing.length > 1
        ? `; ${failing.length - 1} more failing: ${failing
            .slice(1)
            .map((c) => c.name)
            .join(', ')}`
        : '';
    return `preflight: ${first.name} ${first.url}: ${first.cause} (${first.detail})${more}`;
  }
  if (checks.length === 0) return 'preflight: no targets to check';
  // Versions by the first word of the target's name (`api /health` and `api /ws/health` are one `api`).
  const versions = [
    ...new Set(checks.filter((c) => c.version !== undefined).map((c) => `${c.name.split(' ')[0]} ${c.version}`)),
  ];
  const suffix = versions.length > 0 ? ` (${versions.join(', ')})` : '';
  const noun = checks.length === 1 ? 'target' : 'targets';
  const degraded = checks.filter((c) => c.health?.toLowerCase() === DEGRADED);
  if (degraded.length > 0) {
    return `preflight: ${checks.length} ${noun} up, ${degraded.length} degraded: ${degraded.map((c) => c.name).join(', ')}${suffix}`;
  }
  return `preflight: ${checks.length} ${noun} healthy${suffix}`;
}

type Outcome = Omit<PreflightCheck, 'name' | 'url' | 'ms'>;

async function checkTarget(target: PreflightTarget, timeoutMs: number): Promise<PreflightCheck> {
  const started = performance.now();
  const url = safeUrl(target.url);
  const redactor = redactorFor(target.url);
  let outcome: Outcome;
  try {
    outcome = await check(target.url, timeoutMs);
  } catch (error) {
    // A bug of ours, not a finding about the target: still a failed check, never a pass.
    outcome = {
      ok: false,
      cause: 'network',
      detail: `preflight error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return {
    name: target.name,
    url,
    ok: outcome.ok,
    ms: Math.round(performance.now() - started),
    ...withoutUndefined(outcome),
    detail: redactor.redact(outcome.detail),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function check(rawUrl: string, timeoutMs: number): Promise<Outcome> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, cause: 'network', detail: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, cause: 'network', detail: `unsupported protocol ${url.protocol} (http: or https: only)` };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  const host = url.hostname.replace(/^\[|\]$/g, '');

  // DNS first, on its own, so that a name that does not resolve is told apart from a host that does not answer.
  let addresses: dns.LookupAddress[];
  if (net.isIP(host)) {
    addresses = [{ address: host, family: net.isIP(host) }];
  } else {
    try {
      addresses = await untilAborted(dns.promises.lookup(host, { all: true }), signal);
    } catch (error) {
      const failure = classifyError(error, 'dns', timeoutMs, url.host, host);
      // However a lookup fails, it is a DNS failure (a resolver that never answers included).
      return {
        ok: false,
        cause: 'dns',
        detail:
          failure.cause === 'dns' || failure.cause === 'timeout'
            ? failure.detail
            : `DNS lookup of ${host} failed: ${failure.detail}`,
      };
    }
    if (addresses.length === 0) return { ok: false, cause: 'dns', detail: `DNS lookup of ${host} returned no address` };
  }

  const outcome = await boundedRequest(url, {
    method: 'GET',
    headers: { accept: 'application/json, */*;q=0.5', 'user-agent': 'golden-path-probe preflight' },
    timeoutMs,
    signal,
    lookup: fixedLookup(addresses),
    maxBodyBytes: MAX_BODY_BYTES,
  });
  if (!outcome.ok) return { ok: false, ...classifyError(outcome.error, outcome.phase, timeoutMs, url.host, host) };
  const location = outcome.headers.location;
  return judge(outcome.status, typeof location === 'string' ? location : undefined, outcome.body, url);
}

/** Rejects with the signal's reason when it aborts first; the lookup itself cannot be cancelled. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net/tls.connect that answers with addresses already resolved (both the `all` and single forms). */
function fixedLookup(addresses: dns.LookupAddress[]) {
  return (_hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    const wanted =
      options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const list = wanted.length > 0 ? wanted : addresses;
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  };
}

/** A short, one-line quote of a body: whitespace collapsed, at most EXCERPT_CHARS characters. */
function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_CHARS ? flat : `${flat.slice(0, EXCERPT_CHARS - 1)}…`;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  const text = body.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function judge(status: number, location: string | undefined, body: string, url: URL): Outcome {
  const json = parseObject(body);
  const rawHealth = json?.status;
  const health =
    rawHealth === undefined
      ? undefined
      : typeof rawHealth === 'string'
        ? rawHealth
        : typeof rawHealth === 'object'
          ? excerpt(JSON.stringify(rawHealth))
          : String(rawHealth);
  const rawVersion = json?.version;
  const version = typeof rawVersion === 'string' || typeof rawVersion === 'number' ? String(rawVersion) : undefined;
  const statusLine = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  const quoted = excerpt(redactorFor(url.href).redact(body));
  const facts = { status, health, version };

  if (status >= 400)
    return { ok: false, cause: 'http', ...facts, detail: quoted ? `${statusLine}: ${quoted}` : statusLine };
  const versionText = version !== undefined ? `, version ${version}` : '';
  if (health !== undefined) {
    const word = health.toLowerCase();
    if (HEALTHY.has(word)) return { ok: true, ...facts, detail: `${health}${versionText}` };
    if (word === DEGRADED)
      return { ok: true, ...facts, detail: `${health}${versionText}: up, but the target reports itself degraded` };
    return {
      ok: false,
      cause: 'unhealthy',
      ...facts,
      detail: `status "${health}"${versionText}, not one of healthy, ok, up, pass (${statusLine}: ${quoted})`,
    };
  }
  const redirect = location !== undefined ? ` -> ${redirectTarget(location, url)}` : '';
  const kind = json ? ', JSON without a "status" field' : body.trim() ? ', not JSON (a page)' : ', empty body';
  return { ok: true, ...facts, detail: `${statusLine}${redirect}${kind}${versionText}` };
}

function redirectTarget(location: string, base: URL): string {
  try {
    return safeUrl(new URL(location, base).href);
  } catch {
    return safeUrl(location);
  }
}

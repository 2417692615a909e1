// What went wrong with a request, as a cause and one human line. Node and undici report the same failure in
// several shapes (a plain Error with a code, an AggregateError when several addresses were tried, an undici
// error wrapping a socket error, a DOMException from an AbortSignal), so the whole chain is searched.

import type { RequestPhase } from '../net/bounded-request';
import type { PreflightCause } from './preflight';

export interface Failure {
  cause: PreflightCause;
  detail: string;
}

interface ErrorLike {
  name?: string;
  code?: string | number;
  message?: string;
  address?: string;
  port?: number;
  /** OpenSSL's reason, e.g. `wrong version number`. */
  reason?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The error, its causes and, for an AggregateError, the errors it groups; outermost first. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as ErrorLike)) continue;
    const like = e as ErrorLike;
    out.push(like);
    if (like.cause !== undefined) queue.push(like.cause);
    if (Array.isArray(like.errors)) queue.push(...like.errors);
  }
  return out;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
/** Certificate problems as Node names them (OpenSSL's verify codes and Node's own). */
const CERT_CODE =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|UNABLE_TO_DECRYPT|ERR_TLS_CERT_ALTNAME_INVALID|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH/;
const TLS_CODE = /^ERR_SSL_|^ERR_TLS_|^EPROTO$/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

function codeOf(e: ErrorLike): string | undefined {
  return typeof e.code === 'string' ? e.code : undefined;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim();
}

/** `ECONNREFUSED 127.0.0.1:4312`, with every address that was tried. */
function endpoints(errors: ErrorLike[], code: string, fallback: string): string {
  const seen = errors
    .filter((e) => codeOf(e) === code && e.address)
    .map((e) => (e.address!.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`));
  return [...new Set(seen)].join(', ') || fallback;
}

function timeoutDetail(phase: RequestPhase, timeoutMs: number, hostPort: string, host: string): string {
  switch (phase) {
    case 'dns':
      return `no DNS answer for ${host} within ${timeoutMs} ms`;
    case 'connect':
      return `no connection to ${hostPort} within ${timeoutMs} ms`;
    case 'headers':
      return `no response headers within ${timeoutMs} ms`;
    case 'body':
      return `response body not complete within ${timeoutMs} ms`;
  }
}

/**
 * Classifies a failed request. `hostPort` is the URL's host (shown when the error names no address);
 * `phase` is how far the request got, so that whichever timer fired first, the line says what never came.
 */
export function classifyError(
  error: unknown,
  phase: RequestPhase,
  timeoutMs: number,
  hostPort: string,
  host: string,
): Failure {
  const errors = chain(error);
  const codes = errors.map(codeOf).filter((c): c is string => c !== undefined);

  if (
    errors.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError') ||
    codes.some((c) => TIMEOUT_CODES.has(c))
  ) {
    return { cause: 'timeout', detail: timeoutDetail(phase, timeoutMs, hostPort, host) };
  }

  const certError = errors.find((e) => CERT_CODE.test(codeOf(e) ?? ''));
  if (certError) return { cause: 'tls', detail: `certificate: ${firstLine(certError.message)} (${codeOf(certError)})` };
  const tlsError = errors.find((e) => TLS_CODE.test(codeOf(e) ?? ''));
  if (tlsError) {
    const code = codeOf(tlsError)!;
    // OpenSSL's messages read `80B8...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file.c:354:`;
    // Node also gives the reason alone.
    const reason =
      typeof tlsError.reason === 'string' && tlsError.reason ? tlsError.reason : firstLine(tlsError.message) || code;
    const hint = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code)
      ? ': does that port speak plain HTTP?'
      : '';
    return { cause: 'tls', detail: `TLS handshake failed: ${reason} (${code})${hint}` };
  }

  if (codes.includes('ECONNREFUSED')) {
    return {
      cause: 'refused',
      detail: `ECONNREFUSED ${endpoints(errors, 'ECONNREFUSED', hostPort)}: nothing listens there`,
    };
  }

  const dnsCode = codes.find((c) => DNS_CODES.has(c));
  if (dnsCode) return { cause: 'dns', detail: `getaddrinfo ${dnsCode} ${host}` };

  if (codes.includes('ECONNRESET')) {
    return { cause: 'network', detail: `ECONNRESET ${hostPort}: the connection was reset before a complete response` };
  }
  if (codes.includes('UND_ERR_SOCKET')) {
    return {
      cause: 'network',
      detail: `${hostPort} closed the connection before a complete response (UND_ERR_SOCKET)`,
    };
  }
  const unreachable = codes.find((c) => c === 'EHOSTUNREACH' || c === 'ENETUNREACH' || c === 'EADDRNOTAVAIL');
  if (unreachable)
    return { cause: 'network', detail: `${unreachable} ${endpoints(errors, unreachable, hostPort)}: no route there` };

  const outer = errors[0];
  const code = codes[0] ?? outer?.name ?? 'Error';
  return { cause: 'network', detail: `${code}: ${firstLine(outer?.message) || String(error)}` };
}

// A URL as it may be shown: no `user:password@`, and the values of query (and fragment) parameters that carry
// credentials replaced with [REDACTED]. Plus a Redactor that knows the secret values a URL carried, so that a
// server echoing them back (in an error body, say) cannot smuggle them into a detail line.

import { isCredentialParam, REDACTED, Redactor } from '../redact';

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** `a=1&token=abc` -> `a=1&token=[REDACTED]`; everything else kept byte for byte. */
function redactParams(params: string, found: string[]): string {
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0 || !isCredentialParam(decode(pair.slice(0, eq)))) return pair;
      const value = pair.slice(eq + 1);
      if (value) found.push(value, decode(value));
      return `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
}

function parse(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The URL for messages and reports: credentials out, secret parameters redacted. */
export function safeUrl(raw: string): string {
  return sanitize(raw, []);
}

function sanitize(raw: string, found: string[]): string {
  const url = parse(raw);
  // Not a URL: the shared redactor still knows `//user:password@` and `?token=` shapes.
  if (!url) return new Redactor().redact(raw);
  if (url.password) found.push(url.password, decode(url.password));
  const search = url.search ? `?${redactParams(url.search.slice(1), found)}` : '';
  const hash = url.hash ? `#${redactParams(url.hash.slice(1), found)}` : '';
  return `${url.protocol}//${url.host}${url.pathname}${search}${hash}`;
}

/** A redactor for everything said about this URL: knows its password and its secret parameter values. */
export function redactorFor(raw: string): Redactor {
  const found: string[] = [];
  sanitize(raw, found);
  return new Redactor(found);
}

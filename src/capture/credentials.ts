// Every credential the page stores or receives goes to the redactor the moment it appears, whatever its name
// or shape (an opaque token has neither), so that frames are redacted of it as they are written: what a
// response sets as a cookie (HttpOnly ones too, which no script of the page sees: watchSetCookies, on the
// recorder's DevTools session, in order with the frames), the credential fields of a
// JSON answer (a login's access and refresh tokens), what the page writes to localStorage, sessionStorage or
// document.cookie and what it finds stored when it loads (a saved storage state), the context's cookies, and
// the token of the page's Authorization header. A value learned only after frames were written (the page's
// report and a frame race each other) is taken out of frames.ndjson when it closes (redactFile).

import { createReadStream, createWriteStream, renameSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Page, Request, Response } from '@playwright/test';
import type { DevtoolsEvents } from './devtools';
import { isCredentialName, type Redactor } from '../redact';

/** Shorter values are not learned: `true`, `dark` or `en-US` in a cookie would redact ordinary text, and JSON with it. */
const MIN_LEARNED_LENGTH = 8;
/** JSON answers larger than this are not read: credentials come in small ones. */
const MAX_JSON_BYTES = 256 * 1024;
/** The page's init script reports storage and cookie writes through this binding. */
const BINDING = '__goldenPathCredential';

/** Learns every credential `page` stores or receives from now on. Must run before the page's first navigation. */
export async function watchCredentials(page: Page, redactor: Redactor): Promise<void> {
  const learn = (name: string, value: string) => learnNamed(name, value, redactor);
  await page.exposeBinding(BINDING, (_source, name: string, value: string) => learn(String(name), String(value)));
  await page.addInitScript(storageObserver, { binding: BINDING, min: MIN_LEARNED_LENGTH });
  page.on('request', (req) => learnAuthorization(req, redactor));
  page.on('response', (res) => void learnFromJson(res, redactor));
  // A saved storage state's cookies are in the context before anything loads; HttpOnly ones never reach a script.
  for (const c of await page.context().cookies()) if (c.httpOnly || isCredentialCookie(c.name)) learnValue(c.value, redactor);
}

/**
 * The cookies every response sets, HttpOnly ones included, from the DevTools session that also brings the
 * page's frames (the recorder's): its events come in the order the browser saw them, so a cookie is known
 * before any frame that follows it. Subscribe before the session enables its Network domain.
 */
export function watchSetCookies(cdp: DevtoolsEvents, redactor: Redactor): void {
  cdp.on('Network.responseReceivedExtraInfo', ({ headers }) => {
    for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === 'set-cookie') learnSetCookies(String(value), redactor);
  });
}

/** Every string under a credential's name in a JSON value (`access_token`, `refreshToken`, ...), learned. */
export function learnCredentialFields(value: unknown, redactor: Redactor): void {
  if (Array.isArray(value)) for (const v of value) learnCredentialFields(v, redactor);
  else if (value !== null && typeof value === 'object')
    for (const [name, v] of Object.entries(value)) {
      if (typeof v === 'string' && isCredentialName(name)) learnValue(v, redactor);
      else learnCredentialFields(v, redactor);
    }
}

/** The values of `Set-Cookie` headers that hold a session or a credential (HttpOnly, or named so), learned. */
export function learnSetCookies(headers: string | string[] | undefined, redactor: Redactor): void {
  for (const line of [headers ?? []].flat().flatMap((h) => h.split('\n'))) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const httpOnly = attributes.some((a) => a.trim().toLowerCase() === 'httponly');
    if (httpOnly || isCredentialCookie(pair.slice(0, eq).trim())) learnValue(pair.slice(eq + 1).trim(), redactor);
  }
}

/**
 * Rewrites a file of lines through the redactor, for values learned after some lines were written. Line by
 * line, into a file beside it, then renamed over it: never the whole file in memory, never half a file.
 */
export async function redactFile(path: string, redactor: Redactor): Promise<void> {
  const redacted = `${path}.redacting`;
  const out = createWriteStream(redacted);
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (!out.write(`${redactor.redact(line)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(redacted, path);
}

function learnValue(value: string, redactor: Redactor): void {
  if (value.length >= MIN_LEARNED_LENGTH) redactor.add(value);
}

/** A value stored under `name`: learned when the name says credential; a JSON value's credential fields too. */
function learnNamed(name: string, value: string, redactor: Redactor): void {
  if (isCredentialName(name) || isCredentialCookie(name)) learnValue(value, redactor);
  if (!/^\s*[[{]/.test(value)) return;
  try {
    learnCredentialFields(JSON.parse(value), redactor);
  } catch {
    // Not JSON after all.
  }
}

/** Cookie names that hold a session: a credential's name, or a session's (`session`, `connect.sid`, `PHPSESSID`). */
function isCredentialCookie(name: string): boolean {
  return isCredentialName(name) || /sess|sid$/i.test(name);
}

function learnAuthorization(req: Request, redactor: Redactor): void {
  const header = req.headers()['authorization'];
  // `Bearer <token>`, `Token <token>`, or the token alone.
  if (header) learnValue(header.replace(/^\s*\w+\s+(?=\S)/, '').trim(), redactor);
}

async function learnFromJson(res: Response, redactor: Redactor): Promise<void> {
  try {
    const type = (await res.headerValue('content-type')) ?? '';
    const length = Number((await res.headerValue('content-length')) ?? 0);
    if (!type.includes('json') || length > MAX_JSON_BYTES || res.status() < 200 || res.status() >= 300) return;
    learnCredentialFields(JSON.parse(await res.text()), redactor);
  } catch {
    // A body the page moved away from, or not JSON: nothing to learn from it.
  }
}

/**
 * Runs in every frame of the page before its scripts: reports what is stored when the frame loads, and every
 * later write to localStorage, sessionStorage and document.cookie, to the binding (values long enough only).
 */
function storageObserver({ binding, min }: { binding: string; min: number }): void {
  const report = (name: string | null, value: unknown): void => {
    const text = String(value ?? '');
    const send = (window as unknown as Record<string, ((name: string, value: string) => unknown) | undefined>)[binding];
    if (name !== null && text.length >= min && send) void Promise.resolve(send(name, text)).catch(() => undefined);
  };
  for (const area of ['localStorage', 'sessionStorage'] as const) {
    try {
      const store = window[area];
      for (let i = 0; i < store.length; i++) report(store.key(i), store.getItem(store.key(i) ?? ''));
    } catch {
      // An opaque origin (about:blank, a sandboxed frame) has no storage.
    }
  }
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
    report(key, value);
    return setItem.call(this, key, value);
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (cookie?.set && cookie.get) {
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get: cookie.get,
      set(this: Document, text: string) {
        const pair = String(text).split(';')[0] ?? '';
        const eq = pair.indexOf('=');
        if (eq > 0) report(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        cookie.set!.call(this, text);
      },
    });
  }
}

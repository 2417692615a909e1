// No credential in any artifact: run the probe with each login strategy, then search every file it wrote
// (the console too, and the HTML report unpacked) for the secrets it used and for anything shaped like one.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_CREDENTIALS } from '../../reference/server';
import { referenceUsername } from '../../reference/tokens';
import { describe, expect, test } from './harness';
import { unzipEntries } from './unzip';

/** Every file under `dir`, as text; zips embedded in the HTML report are unpacked. */
function readAll(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...readAll(path));
      continue;
    }
    const text = readFileSync(path).toString('latin1');
    out.push([path, text]);
    const embedded = /data:application\/zip;base64,([A-Za-z0-9+/=]+)/.exec(text);
    if (embedded) for (const [entry, body] of unzipEntries(Buffer.from(embedded[1]!, 'base64'))) out.push([`${path}!${entry}`, body.toString('utf8')]);
  }
  return out;
}

const SECRET_SHAPES: Array<[string, RegExp]> = [
  ['a JWT', /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/],
  // `${` is the probe's own source code, which the HTML report quotes around a failing line, not a value.
  ['a ticket in a URL', /ticket=(?!\[REDACTED\]|\$\{)[^&"\s\\]+/],
  ['an access token in a URL', /access_token=(?!\[REDACTED\]|\$\{)[^&"\s\\]+/],
  ['a Bearer value', /Bearer (?!\[REDACTED\])[\w.-]{8,}/],
];

// The last case: three sessions, their users (and the shared password) from PROBE_USERS_FILE.
for (const [login, users] of [['form', 1], ['e2e-bypass', 1], ['form', 3]] as const) {
  test(`${login} login${users > 1 ? `, ${users} users` : ''}: no secret in any file the probe wrote, nor in its console`, async ({ probe, target }, testInfo) => {
    const usersFile = testInfo.outputPath('users.json');
    writeFileSync(usersFile, JSON.stringify(Array.from({ length: users }, (_, i) => ({ username: referenceUsername(i + 1), password: REFERENCE_CREDENTIALS.password }))));
    const o = await probe({
      ...target,
      PROBE_LOGIN: login,
      PROBE_USERNAME: REFERENCE_CREDENTIALS.username,
      PROBE_PASSWORD: REFERENCE_CREDENTIALS.password,
      PROBE_E2E_BYPASS_KEY: REFERENCE_CREDENTIALS.bypassKey,
      PROBE_USERS: String(users),
      PROBE_USERS_FILE: usersFile,
    });
    expect(o.code, describe(o)).toBe(0);
    const files = [...readAll(testInfo.outputPath('probe')), ['console', o.output] as [string, string]];
    // The search must have reached the HTML report's packed data, or it proves nothing about it.
    expect(files.some(([path]) => path.includes('index.html!'))).toBe(true);
    expect(files.some(([, text]) => text.includes('agent_completed'))).toBe(true);
    for (const [path, text] of files) {
      expect(text.includes(REFERENCE_CREDENTIALS.password), `password in ${path}`).toBe(false);
      expect(text.includes(REFERENCE_CREDENTIALS.bypassKey), `bypass key in ${path}`).toBe(false);
      for (const [what, shape] of SECRET_SHAPES) expect(shape.exec(text)?.[0], `${what} in ${path}`).toBeUndefined();
    }
  });
}

// Learning credentials by where they appear, not by their shape: the credential fields of a JSON answer, the
// cookies a response sets, and a file of frames redacted again of what was learned after it was written.

import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { learnCredentialFields, learnSetCookies, redactFile } from '../../src/capture/credentials';
import { REDACTED, Redactor } from '../../src/redact';

test('every credential field of a JSON answer is learned, at any depth and in any spelling; other fields and short values are not', () => {
  const r = new Redactor();
  learnCredentialFields(
    { access_token: 'opaque-access-1', data: { session: { refreshToken: 'opaque-refresh-2', idToken: 'opaque-id-3' } }, list: [{ apiKey: 'opaque-key-4' }], user: { id: 'user-123456789' }, token_type: 'Bearer', ticket: 'short' },
    r,
  );
  expect(r.redact('opaque-access-1 opaque-refresh-2 opaque-id-3 opaque-key-4 user-123456789 short')).toBe(
    `${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} user-123456789 short`,
  );
});

test("a response's session cookies are learned (HttpOnly, or named as a session or a credential); a plain preference is not", () => {
  const r = new Redactor();
  learnSetCookies(['ref_session=opaque-cookie-1; HttpOnly; Path=/', 'theme=dark-and-wide; Path=/', 'connect.sid=opaque-cookie-2; Path=/', 'csrf_token=opaque-cookie-3\nlang=en-US-long; Path=/'], r);
  expect(r.redact('opaque-cookie-1 dark-and-wide opaque-cookie-2 opaque-cookie-3 en-US-long')).toBe(`${REDACTED} dark-and-wide ${REDACTED} ${REDACTED} en-US-long`);
});

test('a file of frames written before a credential was learned is redacted of it afterwards, line by line', async ({}, testInfo) => {
  const path = testInfo.outputPath('frames.ndjson');
  const lines = [{ payload: '{"type":"connection_established","session":{"id":"opaque-cookie-1"}}' }, { payload: 'nothing secret' }];
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await redactFile(path, new Redactor(['opaque-cookie-1']));
  expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown)).toEqual([
    { payload: `{"type":"connection_established","session":{"id":"${REDACTED}"}}` },
    { payload: 'nothing secret' },
  ]);
});

import { expect, test } from '@playwright/test';
import { isCredentialName, REDACTED, Redactor } from '../../src/redact';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

test('known secret values are removed wherever they appear, raw, JSON-escaped or URL-encoded', () => {
  const r = new Redactor(['pa"ss word!']);
  expect(r.redact('typed pa"ss word! twice: pa"ss word!')).toBe(`typed ${REDACTED} twice: ${REDACTED}`);
  expect(r.redact(JSON.stringify({ note: 'pa"ss word!' }))).toBe(`{"note":"${REDACTED}"}`);
  expect(r.redact(`/x?q=${encodeURIComponent('pa"ss word!')}`)).toBe(`/x?q=${REDACTED}`);
});

test('secrets learned during the run are removed from then on', () => {
  const r = new Redactor();
  expect(r.redact('opaque-ticket-123')).toBe('opaque-ticket-123');
  r.add('opaque-ticket-123');
  expect(r.redact('opaque-ticket-123')).toBe(REDACTED);
});

test('very short values are not treated as secrets, so ordinary text survives', () => {
  expect(new Redactor(['abc', undefined, '']).redact('abc def')).toBe('abc def');
});

test('the shapes secrets take on the wire are removed without knowing the values', () => {
  const r = new Redactor();
  expect(r.redact(`ws://h/ws?ticket=t-123&x=1`)).toBe(`ws://h/ws?ticket=${REDACTED}&x=1`);
  expect(r.redact(`/auth/callback?access_token=abc.def`)).toBe(`/auth/callback?access_token=${REDACTED}`);
  expect(r.redact(`Authorization: Bearer abc.def-ghi`)).toBe(`Authorization: Bearer ${REDACTED}`);
  expect(r.redact(`token ${JWT} end`)).toBe(`token ${REDACTED} end`);
  expect(r.redact(`protocols: jwt.abcdefgh12345`)).toBe(`protocols: ${REDACTED}`);
  expect(r.redact(`{"access_token": "zzz", "refresh_token":"yyy", "other":"keep"}`)).toBe(
    `{"access_token": "${REDACTED}", "refresh_token":"${REDACTED}", "other":"keep"}`,
  );
  expect(r.redact('https://user:hunter2@host.example/x')).toBe(`https://user:${REDACTED}@host.example/x`);
});

test('a JSON field holding a credential is known by rule, in every usual spelling: camelCase, snake_case, kebab-case, any case', () => {
  const r = new Redactor();
  const names = [
    'access_token', 'accessToken', 'AccessToken', 'refreshToken', 'refresh-token', 'idToken', 'id_token', 'authorization',
    'Authorization', 'apiKey', 'api_key', 'api-key', 'x-api-key', 'X-Api-Key', 'X_API_KEY', 'clientSecret', 'client_secret',
    'client-secret', 'password', 'newPassword', 'jwt_token', 'bypass_key', 'x-e2e-bypass-key', 'ticket', 'csrfToken', 'session_id',
    'Set-Cookie', 'privateKey', 'credentials',
  ];
  for (const name of names) {
    expect(r.redact(`{"${name}": "opaque-value-123", "other": "keep"}`), name).toBe(`{"${name}": "${REDACTED}", "other": "keep"}`);
    // The same object inside a JSON string (a frame quoted in result.json), escaped once.
    expect(r.redact(JSON.stringify({ frame: `{"${name}":"opaque-value-123"}` })), name).toBe(JSON.stringify({ frame: `{"${name}":"${REDACTED}"}` }));
  }
  // The names the protocol needs, and names that only look alike, keep their values.
  for (const name of ['type', 'run_id', 'thread_id', 'user_id', 'tool_name', 'message', 'result', 'token_type', 'tokens', 'max_tokens', 'token_count', 'keyboard', 'author'])
    expect(isCredentialName(name), name).toBe(false);
  expect(r.redact('{"token_type":"Bearer","expires_in":900,"accessToken":"a\\"b\\"c"}')).toBe(`{"token_type":"Bearer","expires_in":900,"accessToken":"${REDACTED}"}`);
});

test('parameters, form and cookie pairs, and header lines holding a credential, by the same rule', () => {
  const r = new Redactor();
  expect(r.redact('https://h/cb#access_token=abc123&state=ok')).toBe(`https://h/cb#access_token=${REDACTED}&state=ok`);
  expect(r.redact('/x?apiKey=abc123&client_secret=s3cr3t&page=2&key=k-1&code=c-2')).toBe(`/x?apiKey=${REDACTED}&client_secret=${REDACTED}&page=2&key=${REDACTED}&code=${REDACTED}`);
  expect(r.redact('grant_type=refresh&refresh_token=rt-123456')).toBe(`grant_type=refresh&refresh_token=${REDACTED}`);
  expect(r.redact('cookie: theme=dark; session_id=sid-998877; refreshToken=rt-1')).toBe(`cookie: ${REDACTED}; session_id=${REDACTED}; refreshToken=${REDACTED}`);
  expect(r.redact('X-Api-Key: abcdef123\nx-auth-token: t-1\nAuthorization: Token tk-9')).toBe(
    `X-Api-Key: ${REDACTED}\nx-auth-token: ${REDACTED}\nAuthorization: Token ${REDACTED}`,
  );
  // Prose keeps its words: a plain word before a colon is not a header, and `code=` counts only in a URL.
  expect(r.redact('token: expected the final agent_completed; close code=1011')).toBe('token: expected the final agent_completed; close code=1011');
});

test('redactValue keeps the structure and redacts every string in it', () => {
  const r = new Redactor(['s3cret-value']);
  expect(r.redactValue({ a: ['s3cret-value', 1], b: { c: 'ok' } })).toEqual({ a: [REDACTED, 1], b: { c: 'ok' } });
});

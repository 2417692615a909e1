import { expect, test } from '@playwright/test';
import { REDACTED, Redactor } from '../../src/redact';

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

test('redactValue keeps the structure and redacts every string in it', () => {
  const r = new Redactor(['s3cret-value']);
  expect(r.redactValue({ a: ['s3cret-value', 1], b: { c: 'ok' } })).toEqual({ a: [REDACTED, 1], b: { c: 'ok' } });
});

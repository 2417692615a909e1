// HTTP: health, login, the E2E bypass, tickets, and tokens that expire on the server clock.
import { expect } from '@playwright/test';
import { request } from 'undici';
import { REFERENCE_CREDENTIALS, startReference } from '../../../reference/server';
import { issueToken } from '../../../reference/tokens';
import { test, call, login, bearer, newThread, wsBase, withTimeout, Client, decodeJwt, apiStatuses, ALL_401 } from './helpers';

test('health endpoints answer healthy with a reference version', async ({ reference }) => {
  for (const url of [`${reference.apiUrl}/health`, `${reference.apiUrl}/ws/health`, `${reference.authUrl}/auth/health`, `${reference.authUrl}/health`]) {
    const res = await call('GET', url);
    expect(res.status, url).toBe(200);
    expect(res.json, url).toEqual({ status: 'healthy', version: expect.stringMatching(/^reference-\d+\.\d+\.\d+/) });
  }
});

test('login with the reference credentials returns a verified JWT; a bad password is refused', async ({ reference }) => {
  const good = await call('POST', `${reference.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
  expect(good.status).toBe(200);
  expect(good.json).toEqual({
    access_token: expect.any(String),
    refresh_token: expect.any(String),
    token_type: 'Bearer',
    expires_in: 900,
    user: { id: expect.stringMatching(/^user-[0-9a-f]+$/), email: REFERENCE_CREDENTIALS.username },
  });
  const claims = decodeJwt(good.json.access_token);
  expect(claims).toMatchObject({ sub: good.json.user.id, email: REFERENCE_CREDENTIALS.username });
  expect(claims.exp * 1000).toBeGreaterThan(Date.now());

  const bad = await call('POST', `${reference.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: 'wrong' });
  expect(bad.status).toBe(401);
  expect(bad.json).toEqual({ error: 'Invalid credentials' });
});

test('opaque credentials: a login answers tokens with nothing to recognise them by and an HttpOnly session cookie; they work; the greeting echoes the session and the refresh token; each is listed as issued', async ({ reference }) => {
  reference.setCredentials('opaque');
  const res = await request(`${reference.authUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password }),
  });
  const body = (await res.body.json()) as { access_token: string; refresh_token: string };
  const cookie = String(res.headers['set-cookie']);
  expect(cookie).toMatch(/^ref_session=[\w-]{20,}; HttpOnly; Path=\/; SameSite=Lax$/);
  for (const token of [body.access_token, body.refresh_token]) expect(token).toMatch(/^[\w-]{20,}$/);
  const session = cookie.split(';')[0]!;
  const ticket = await call('POST', `${reference.apiUrl}/api/websocket/ticket`, {}, bearer(body.access_token));
  expect(ticket.status).toBe(200);
  expect((await call('POST', `${reference.apiUrl}/api/websocket/ticket`, {}, bearer(body.refresh_token))).status, 'a refresh token is no access token').toBe(401);
  const client = await Client.open(`${wsBase(reference)}/ws?ticket=${encodeURIComponent(ticket.json.ticket)}`, undefined, { cookie: session });
  try {
    const greeting = await client.waitFor('connection_established', (f) => f.type === 'connection_established');
    expect(greeting.data.session).toEqual({ id: session.slice('ref_session='.length), resume: body.refresh_token });
  } finally {
    client.ws.close();
  }
  expect(reference.issuedCredentials().sort()).toEqual([body.access_token, body.refresh_token, session.slice('ref_session='.length), ticket.json.ticket].sort());
  // Back to JWTs after a reset, with nothing listed.
  reference.reset();
  expect(reference.issuedCredentials()).toEqual([]);
  expect(decodeJwt((await login(reference)).token).sub).toMatch(/^user-/);
});

test('the E2E bypass logs in with the right key (stable user id per email) and refuses a bad one', async ({ reference }) => {
  const url = `${reference.authUrl}/auth/e2e/test-auth`;
  const body = { email: 'someone@reference.test', name: 'Someone' };
  const first = await call('POST', url, body, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  const again = await call('POST', url, body, { 'X-E2E-Bypass-Key': REFERENCE_CREDENTIALS.bypassKey });
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: expect.stringMatching(/^user-/), email: body.email } });
  expect(again.json.user.id, 'user id is stable per email').toBe(first.json.user.id);
  expect(decodeJwt(first.json.access_token).sub).toBe(first.json.user.id);

  expect((await call('POST', url, body, { 'X-E2E-Bypass-Key': 'wrong-key' })).status).toBe(401);
  expect((await call('POST', url, body)).status, 'no key at all').toBe(401);
});

test('the ticket endpoint needs a valid Bearer token', async ({ reference }) => {
  const url = `${reference.apiUrl}/api/websocket/ticket`;
  expect((await call('POST', url, {})).status, 'no Authorization').toBe(401);
  expect((await call('POST', url, {}, bearer('not.a.token'))).status, 'garbage token').toBe(401);
  const { token } = await login(reference);
  const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
  expect((await call('POST', url, {}, bearer(forged))).status, 'bad signature').toBe(401);
  const ok = await call('POST', url, {}, bearer(token));
  expect(ok.status).toBe(200);
  expect(ok.json).toEqual({ ticket: expect.any(String), expires_in: expect.any(Number) });
});

test('tokens live tokenTtlSec on the server clock; after that every API endpoint answers 401, the socket 1003', async () => {
  let now = Date.now();
  const server = await startReference({ speed: 0, tokenTtlSec: 1, clock: () => now });
  try {
    const res = await call('POST', `${server.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
    expect(res.json.expires_in).toBe(1);
    const claims = decodeJwt(res.json.access_token);
    expect(claims.exp - claims.iat).toBe(1);
    const token: string = res.json.access_token;
    const threadId = await newThread(server, token);
    expect(await apiStatuses(server, token, threadId)).toEqual({
      'POST /api/threads': 201,
      'POST /api/websocket/ticket': 200,
      'POST /api/agent/v2/execute': 202,
      'GET /api/threads/:id/messages': 200,
    });

    now += 1_000; // the token's second is over
    expect(await apiStatuses(server, token, threadId)).toEqual(ALL_401);
    const sub = await Client.open(`${wsBase(server)}/ws`, [`jwt.${token}`]);
    expect((await withTimeout(sub.closed, 'close of the expired-token socket')).code).toBe(1003);
  } finally {
    await server.close();
  }
  await expect(startReference({ tokenTtlSec: 0 })).rejects.toThrow('tokenTtlSec must be a number of seconds > 0 (got 0)');
});

test('issueToken(): an already expired token is refused with 401 by every API endpoint, a live one is accepted', async ({ reference }) => {
  const threadId = await newThread(reference, (await login(reference)).token);
  const expired = issueToken(REFERENCE_CREDENTIALS.username, { ttlSec: -10 });
  expect(decodeJwt(expired).exp * 1000).toBeLessThan(Date.now());
  expect(await apiStatuses(reference, expired, threadId)).toEqual(ALL_401);
  // Signed so that the reference accepts it: the 401 above was for the expiry, not the signature.
  const live = issueToken(REFERENCE_CREDENTIALS.username);
  expect((await call('POST', `${reference.apiUrl}/api/threads`, {}, bearer(live))).status).toBe(201);
  expect(decodeJwt(live).sub).toBe((await login(reference)).userId);
});

test('each frontend serves only its own pages; the plain one has no test ids and the same API', async ({ reference }) => {
  const plain = await startReference({ speed: 0, frontend: 'plain' });
  try {
    const status = async (base: string, path: string) => (await fetch(`${base}${path}`, { redirect: 'manual' })).status;
    expect(await Promise.all(['/login', '/auth/callback', '/chat', '/signin', '/app/conversations'].map((p) => status(reference.appUrl, p)))).toEqual([200, 200, 200, 404, 404]);
    expect(await Promise.all(['/login', '/auth/callback', '/chat', '/signin', '/app/conversations'].map((p) => status(plain.appUrl, p)))).toEqual([404, 404, 404, 200, 200]);
    const home = await fetch(`${plain.appUrl}/`, { redirect: 'manual' });
    expect([home.status, home.headers.get('location')]).toEqual([302, '/app/conversations']);
    for (const path of ['/signin', '/app/conversations']) expect(await (await fetch(`${plain.appUrl}${path}`)).text(), path).not.toContain('data-testid');
    const signedIn = await call('POST', `${plain.authUrl}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
    expect(signedIn.status).toBe(200);
  } finally {
    await plain.close();
  }
});

// The netra layout: app, API and auth on three ports, CORS from the app only, the platform's own emitter.
import { spawn } from 'node:child_process';
import { expect } from '@playwright/test';
import { request } from 'undici';
import { parseReferenceArgs } from '../../../reference/main';
import { REFERENCE_CREDENTIALS, startReference } from '../../../reference/server';
import { PROJECT_ROOT, call, bypassLogin, ticketUrl, withTimeout, connectUser, finalAnswer, summary, HEALTHY_EVENTS, upgradeStatus, netraTest } from './helpers';

/** A request as a browser's preflight (or a cross-origin call) would make it; the status and the CORS headers. */
async function withOrigin(method: 'OPTIONS' | 'POST', url: string, origin: string, body?: unknown) {
  const res = await request(url, {
    method,
    headers:
      method === 'OPTIONS'
        ? { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-e2e-bypass-key' }
        : { origin, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.dump();
  const h = (name: string) => (res.headers[name] as string | undefined) ?? null;
  return {
    status: res.statusCode,
    allowOrigin: h('access-control-allow-origin'),
    allowHeaders: h('access-control-allow-headers'),
    allowMethods: h('access-control-allow-methods'),
    vary: h('vary'),
  };
}

/** Which host answers what: the status of each route at each host, no credentials sent. */
const NETRA_ROUTES = [
  'GET /login',
  'GET /auth/callback',
  'GET /chat',
  'GET /favicon.ico',
  'GET /health',
  'GET /ws/health',
  'POST /api/threads',
  'POST /api/websocket/ticket',
  'GET /__reference/fault',
  'GET /auth/health',
  'POST /auth/login',
  'POST /auth/e2e/test-auth',
  'GET /auth/oauth/google',
] as const;

netraTest.describe('netra layout', () => {
  netraTest('three distinct ports; each host answers its own paths and 404s the others', async ({ netra }) => {
    const hosts = { app: netra.appUrl, api: netra.apiUrl, auth: netra.authUrl };
    const ports = Object.values(hosts).map((u) => Number(new URL(u).port));
    expect(new Set(ports).size, 'three ports').toBe(3);
    expect(netra.port).toBe(ports[0]);
    expect(netra.layout).toBe('netra');
    expect(netra.controlUrl).toBe(`${netra.apiUrl}/__reference`);
    for (const u of Object.values(hosts)) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const seen: Record<string, Record<string, number>> = {};
    for (const [name, base] of Object.entries(hosts)) {
      seen[name] = {};
      for (const route of NETRA_ROUTES) {
        const [method, path] = route.split(' ') as ['GET' | 'POST', string];
        seen[name][route] = (await call(method, `${base}${path}`, method === 'POST' ? {} : undefined)).status;
      }
    }
    const only = (owned: Record<string, number>) => Object.fromEntries(NETRA_ROUTES.map((r) => [r, owned[r] ?? 404]));
    expect(seen).toEqual({
      app: only({ 'GET /login': 200, 'GET /auth/callback': 200, 'GET /chat': 200, 'GET /favicon.ico': 204 }),
      api: only({ 'GET /health': 200, 'GET /ws/health': 200, 'POST /api/threads': 401, 'POST /api/websocket/ticket': 401, 'GET /__reference/fault': 200 }),
      auth: only({ 'GET /health': 200, 'GET /auth/health': 200, 'POST /auth/login': 401, 'POST /auth/e2e/test-auth': 401, 'GET /auth/oauth/google': 302 }),
    });
    expect((await call('POST', `${netra.appUrl}/api/threads`, {})).json).toEqual({ error: 'No route for POST /api/threads on the app host' });

    // The sockets are on the API host only.
    const ws = (base: string) => `${base.replace(/^http/, 'ws')}/ws`;
    expect([await upgradeStatus(ws(netra.appUrl)), await upgradeStatus(ws(netra.apiUrl)), await upgradeStatus(ws(netra.authUrl))]).toEqual([404, 401, 404]);
    // The OAuth-like path sends the browser back to the app host.
    const oauth = await request(`${netra.authUrl}/auth/oauth/google`, { method: 'GET' });
    await oauth.body.dump();
    expect(oauth.headers.location).toMatch(new RegExp(`^${netra.appUrl}/auth/callback\\?access_token=`));
  });

  netraTest('CORS: a preflight from the app origin answers 204 with the right headers; a foreign origin gets no Allow-Origin', async ({ netra }) => {
    const app = netra.appUrl;
    const allowed = { status: 204, allowOrigin: app, allowHeaders: 'Authorization, Content-Type, X-E2E-Bypass-Key', allowMethods: 'GET, POST, OPTIONS', vary: 'Origin' };
    const refused = { status: 204, allowOrigin: null, allowHeaders: null, allowMethods: null, vary: 'Origin' };
    const urls = [`${netra.apiUrl}/api/threads`, `${netra.apiUrl}/api/websocket/ticket`, `${netra.authUrl}/auth/login`, `${netra.authUrl}/auth/e2e/test-auth`];
    for (const url of urls) {
      expect(await withOrigin('OPTIONS', url, app), `preflight of ${url} from the app`).toEqual(allowed);
      expect(await withOrigin('OPTIONS', url, 'http://evil.example'), `preflight of ${url} from a foreign origin`).toEqual(refused);
      expect(await withOrigin('OPTIONS', url, app.replace('127.0.0.1', 'localhost')), `${url}: localhost is another origin`).toEqual(refused);
    }
    // A preflight to the wrong host fails like any of its paths.
    expect((await withOrigin('OPTIONS', `${netra.authUrl}/api/threads`, app)).status).toBe(404);

    // The JSON login API answers cross-origin, with the app as the allowed origin only.
    const creds = { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password };
    expect(await withOrigin('POST', `${netra.authUrl}/auth/login`, app, creds)).toMatchObject({ status: 200, allowOrigin: app });
    expect(await withOrigin('POST', `${netra.authUrl}/auth/login`, 'http://evil.example', creds)).toMatchObject({ status: 200, allowOrigin: null });
  });

  netraTest('a healthy run over the socket on the API host, as the platform emits it: every completion named, the answer in final_report after it', async ({ netra }) => {
    const { client, threadId, userId } = await connectUser(netra, 'netra@reference.test');
    client.send({ type: 'start_agent', payload: { user_request: 'three hosts', thread_id: threadId } });
    const answer = await client.waitFor('final_report', finalAnswer);
    expect(summary(client.frames)).toEqual([...HEALTHY_EVENTS.slice(0, -2), 'agent_completed:supervisor', 'final_report']);
    // The Supervisor's completion as the platform's bridge sends it: a report object and a status line, no answer text.
    const final = client.frames.find((f) => f.type === 'agent_completed' && f.agent_name === 'supervisor');
    expect(final?.data).toEqual({
      status: 'completed',
      result: { agent_name: 'supervisor', success: true, duration_ms: expect.any(Number), step_count: expect.any(Number), status: 'completed' },
      execution_time_ms: expect.any(Number),
      message: 'supervisor has completed processing your request',
    });
    expect(answer).toMatchObject({ thread_id: threadId, user_id: userId, payload: { executive_summary: expect.stringContaining('three hosts') } });
    // The connection frame names the user cut short, as the platform's does.
    expect(client.frames.find((f) => f.type === 'connection_established')).toMatchObject({ user_id: `${userId.slice(0, 8)}...` });
    expect(client.frames.some((f) => f.type === 'agent_response')).toBe(false);
    client.close();
  });

  netraTest('faults through the control endpoint; the platform behaviour stays under a fault and after a reset', async ({ netra }) => {
    expect((await call('POST', `${netra.controlUrl}/fault`, { fault: 'missing-tool-completed' })).json).toEqual({ fault: 'missing-tool-completed', delayMs: 0 });
    const first = await connectUser(netra, 'netra@reference.test');
    first.client.send({ type: 'start_agent', payload: { user_request: 'under a fault', thread_id: first.threadId } });
    await first.client.waitFor('final_report', finalAnswer);
    expect(summary(first.client.frames)).toEqual(
      [...HEALTHY_EVENTS.slice(0, -2), 'agent_completed:supervisor', 'final_report'].filter((e) => !e.startsWith('tool_completed')),
    );
    first.client.close();

    expect((await call('POST', `${netra.controlUrl}/fault`, { fault: 'upgrade-403' })).json).toEqual({ fault: 'upgrade-403', delayMs: 0 });
    const { token } = await bypassLogin(netra, 'netra@reference.test');
    expect(await upgradeStatus(await ticketUrl(netra, token))).toBe(403);
    expect((await call('POST', `${netra.controlUrl}/reset`)).json).toEqual({ fault: 'healthy' });
    expect(await upgradeStatus(await ticketUrl(netra, token))).toBe(101);
  });

  netraTest('options and the CLI check the layout and its ports', async () => {
    await expect(startReference({ layout: 'netra', port: 65534 })).rejects.toThrow('port must be an integer 0-65533 in the netra layout (it takes port, port+1, port+2) (got 65534)');
    await expect(startReference({ layout: 'triple' as never })).rejects.toThrow('layout must be one of single, netra (got "triple")');
    expect(parseReferenceArgs(['--layout', 'netra', '--port=4000', '--token-ttl', '60'])).toEqual({ layout: 'netra', port: 4000, tokenTtlSec: 60 });
    expect(() => parseReferenceArgs(['--layout', 'triple', '--token-ttl', '0', '--port', '65535'])).toThrow(
      ['--layout must be one of single, netra (got "triple")', '--token-ttl must be an integer >= 1 (got "0")'].join('\n'),
    );
    expect(() => parseReferenceArgs(['--layout', 'netra', '--port', '65535'])).toThrow('--port must be at most 65533 with --layout netra, which takes N, N+1 and N+2 (got 65535)');
  });

  netraTest('the CLI with --layout netra prints three URLs, each host answering', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'reference/main.ts', '--layout', 'netra', '--speed', '0', '--token-ttl', '60'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await withTimeout(
        new Promise<void>((resolve) =>
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes('Press Ctrl+C')) resolve();
          }),
        ),
        'the CLI to print its URLs',
        20_000,
      );
      const url = (name: string) => new RegExp(`^export PROBE_${name}_URL=(http://127\\.0\\.0\\.1:\\d+)$`, 'm').exec(out)?.[1] ?? '';
      const [app, api, auth] = [url('APP'), url('API'), url('AUTH')];
      expect(new Set([app, api, auth]).size, out).toBe(3);
      expect(out).toContain('export PROBE_PROFILE=netra');
      expect(out).toContain(`# The fault switch: ${api}/__reference`);
      expect(out).toContain('layout netra');
      expect((await call('GET', `${app}/login`)).status).toBe(200);
      expect((await call('GET', `${api}/ws/health`)).json.status).toBe('healthy');
      const login = await call('POST', `${auth}/auth/login`, { username: REFERENCE_CREDENTIALS.username, password: REFERENCE_CREDENTIALS.password });
      expect(login.json.expires_in).toBe(60);
      child.kill('SIGTERM');
      expect(await withTimeout(exited, 'the CLI to exit after SIGTERM')).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

// The control endpoint and the `reference` CLI.
import { spawn } from 'node:child_process';
import { expect } from '@playwright/test';
import { parseReferenceArgs, runReferenceCli } from '../../../reference/main';
import { REFERENCE_CREDENTIALS } from '../../../reference/server';
import { PROJECT_ROOT, test, call, ticketUrl, withTimeout, Client, connectUser, finalAnswer, summary, HEALTHY_EVENTS } from './helpers';

test('the control endpoint lists faults and rejects an unknown one with 400 and the known names', async ({ reference }) => {
  const list = await call('GET', `${reference.controlUrl}/faults`);
  expect(list.status).toBe(200);
  const names = list.json.faults.map((f: { name: string }) => f.name);
  expect(names).toEqual(expect.arrayContaining(['healthy', 'missing-tool-completed', 'close-1011-after-started', 'answer-not-rendered']));
  for (const f of list.json.faults) expect(f.describe, f.name).toEqual(expect.any(String));

  const bad = await call('POST', `${reference.controlUrl}/fault`, { fault: 'no-such-fault' });
  expect(bad.status).toBe(400);
  expect(bad.json.error).toContain('no-such-fault');
  expect(bad.json.faults).toEqual(names);
  expect((await call('POST', `${reference.controlUrl}/fault`, { fault: 'healthy', delayMs: -1 })).status).toBe(400);
  expect(() => reference.setFault('no-such-fault')).toThrow(/Unknown fault "no-such-fault".*healthy/);
});

test('reset goes back to the start fault and drops state', async ({ reference }) => {
  const { client, threadId, token } = await connectUser(reference);
  expect((await call('POST', `${reference.controlUrl}/fault`, { fault: 'missing-tool-completed' })).status).toBe(200);
  expect((await call('GET', `${reference.controlUrl}/fault`)).json.fault).toBe('missing-tool-completed');

  const reset = await call('POST', `${reference.controlUrl}/reset`);
  expect(reset.json).toEqual({ fault: 'healthy' });
  expect((await call('GET', `${reference.controlUrl}/fault`)).json.fault).toBe('healthy');
  expect((await withTimeout(client.closed, 'sockets dropped by reset')).code).toBe(1006);

  // Tokens stay valid (they are signed, not stored); threads are gone, so the old id is claimed anew.
  const again = await Client.open(await ticketUrl(reference, token));
  again.send({ type: 'start_agent', payload: { user_request: 'after reset', thread_id: threadId } });
  await again.waitFor('agent_response', finalAnswer);
  expect(summary(again.frames)).toEqual(HEALTHY_EVENTS);
  again.close();
});

// ---- CLI -----------------------------------------------------------------------------------------

test('the CLI refuses unknown flags and bad values with exit code 2 and says why', async () => {
  const errors: string[] = [];
  const io = { out: () => undefined, err: (l: string) => errors.push(l) };
  expect(await runReferenceCli(['--nope'], io)).toBe(2);
  expect(errors.join('\n')).toContain('unknown flag "--nope"');
  errors.length = 0;
  expect(await runReferenceCli(['--speed', '-1', '--fault', 'bogus', '--send-over', 'pigeon'], io)).toBe(2);
  const text = errors.join('\n');
  expect(text).toContain('--speed must be a number >= 0');
  expect(text).toMatch(/--fault must be one of healthy, .*answer-not-rendered/);
  expect(text).toContain('--send-over must be one of ws, rest (got "pigeon")');
  errors.length = 0;
  expect(await runReferenceCli(['--frontend', 'fancy'], io)).toBe(2);
  expect(errors.join('\n')).toContain('--frontend must be one of reference, plain (got "fancy")');
  expect(parseReferenceArgs(['--frontend', 'plain'])).toEqual({ frontend: 'plain' });
});

test('the CLI prints its URLs and credentials and stops cleanly on SIGTERM', async () => {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'reference/main.ts', '--port', '0', '--speed', '0'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const appUrl = await withTimeout(
      new Promise<string>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /^export PROBE_APP_URL=(\S+)$/m.exec(out);
          if (m && out.includes('Press Ctrl+C')) resolve(m[1] as string);
        }),
      ),
      'the CLI to print export PROBE_APP_URL=',
      20_000,
    );
    // Lines to paste into a shell or .env as they are.
    expect(out).toMatch(/^export PROBE_API_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^export PROBE_AUTH_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(out).toMatch(/^# The fault switch: http:\/\/127\.0\.0\.1:\d+\/__reference /m);
    expect(out).toContain(`export PROBE_USERNAME=${REFERENCE_CREDENTIALS.username}`);
    expect((await call('GET', `${appUrl}/health`)).json.status).toBe('healthy');
    child.kill('SIGTERM');
    expect(await withTimeout(exited, 'the CLI to exit after SIGTERM')).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

// The DevTools session the recorder listens on (capture/devtools.ts): Playwright's own where it can be
// reached, else one of the probe's own. Both must hand over every frame of the page's sockets, in order, with
// the browser's timestamps. And Playwright's own must be reachable under the Playwright this project pins:
// where a Playwright upgrade moves its internals the probe still works, on a session of its own, but every
// frame then costs twice (README "Where a run's time goes"), and this test says so first.

import { createServer } from 'node:http';
import { mergeTests } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { pageDevtools, playwrightSession, type PageDevtools } from '../../src/capture/devtools';
import { test as browserTest } from './browser-fixture';
import { test as localServers } from './local-server';

const test = mergeTests(browserTest, localServers);
const { expect } = test;

const FRAMES = ['{"n":1}', '{"n":2}', '{"n":3}'];

/** Resolves with the payloads and timestamps of the first `count` frames the session reports the page received. */
function received(devtools: PageDevtools, count: number): Promise<Array<{ payload: string; timestamp: number }>> {
  return new Promise((resolve) => {
    const seen: Array<{ payload: string; timestamp: number }> = [];
    devtools.events.on('Network.webSocketFrameReceived', ({ timestamp, response }) => {
      seen.push({ payload: response.payloadData, timestamp });
      if (seen.length === count) resolve(seen);
    });
  });
}

for (const own of [false, true]) {
  test(`${own ? 'a session of its own' : "Playwright's own session"} hands over every frame the page received, in order, with the browser's times`, async ({ chromiumBrowser, listen }) => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>sockets</title>'));
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => FRAMES.forEach((f) => socket.send(f)));
    const port = await listen(server);
    const page = await chromiumBrowser.newPage();
    try {
      const devtools = await pageDevtools(page, own);
      expect(devtools.source).toBe(own ? 'own' : 'playwright');
      const frames = received(devtools, FRAMES.length);
      await devtools.start();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.evaluate((url) => void new WebSocket(url), `ws://127.0.0.1:${port}/`);
      const seen = await frames;
      expect(seen.map((f) => f.payload)).toEqual(FRAMES);
      const times = seen.map((f) => f.timestamp);
      expect(times.every((t) => t > 0)).toBe(true);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    } finally {
      await page.close();
      wss.close();
    }
  });
}

test("Playwright's own session is reachable under the pinned Playwright (else every frame costs twice)", async ({ chromiumBrowser }) => {
  const page = await chromiumBrowser.newPage();
  try {
    expect(playwrightSession(page), 'capture/devtools.ts reaches Playwright internals that this version no longer has').toBeDefined();
  } finally {
    await page.close();
  }
});

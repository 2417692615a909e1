// The validation report end to end: runs judged by the real judge are written into run folders as the probe
// writes them, read back with loadRuns (a before and an after window), written as report.html, and the page
// is opened in Chromium to check what it shows: the tables, the timeline, no network, no console error.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test, expect, chromium } from '@playwright/test';
import { findBrowser } from '../../src/browser/resolve';
import { defaultContract } from '../../src/contract/contract';
import { judge } from '../../src/contract/judge';
import type { FrameRecord, SocketRecord } from '../../src/contract/types';
import type { RunResult } from '../../src/report/result';
import { renderSummary } from '../../src/report/summary-md';
import { loadRuns, writeValidationReport } from '../../src/report/validation/write';
import { NONCE, SENT_AT, USER, buildEvidence, buildTimeline, cutBefore, healthyRun, type EventSpec } from '../unit/evidence-builders';

const PROJECT_ROOT = join(__dirname, '..', '..');
const README_PICTURE = join(PROJECT_ROOT, 'docs', 'validation-report.png');

interface Made {
  result: RunResult;
  frames: FrameRecord[];
}

/** ms after the send of each event of the healthy run, scaled: a slower or faster run of the same shape. */
function timed(scale: number): EventSpec[] {
  const at = [180, 420, 800, 1300, 1500, 1560];
  return healthyRun().map((e, i) => ({ ...e, at: Math.round((at[i] ?? 0) * scale) }));
}

/** One probe run as the probe records it: evidence judged by the real judge, the timeline built from the frames. */
function probeRun(startedAt: string, kind: 'pass' | 'degraded' | '1011' | 'timeout', scale = 1): Made {
  let events = timed(scale);
  const socket: SocketRecord = {
    socket: 0,
    url: 'wss://api.staging.example/ws?ticket=[REDACTED]',
    openedAt: SENT_AT - 420,
  };
  let pageAnswer: string | null | undefined;
  if (kind === '1011') {
    events = cutBefore(events, 'tool_executing');
    Object.assign(socket, {
      closedAt: SENT_AT + Math.round(650 * scale),
      closeCode: 1011,
      closeReason: 'Service not ready',
    });
    pageAnswer = null;
  }
  if (kind === 'timeout') {
    events = cutBefore(events, 'agent_response');
    pageAnswer = null;
  }
  const budgets = {
    firstEventWarnMs: 5_000,
    firstEventMs: 15_000,
    completeWarnMs: kind === 'degraded' ? 1_000 : 30_000,
    completeMs: 60_000,
  };
  const evidence = buildEvidence(events, 'bridge', {
    sockets: [socket],
    budgets,
    ...(pageAnswer === undefined ? {} : { pageAnswer }),
  });
  // The page showed the answer 40 ms after its frame, as the probe saw it while it waited (PageText.firstSeen).
  const response = events.findIndex((e) => e.type === 'agent_response');
  const shownAt = response >= 0 && pageAnswer === undefined && evidence.page ? SENT_AT + (events[response]!.at ?? 0) + 40 : undefined;
  if (shownAt !== undefined) evidence.page!.firstSeen = { [`agent_response@${evidence.frames.length - events.length + response}`]: shownAt };
  const verdict = judge(evidence);
  const durationMs = SENT_AT + Math.round(1900 * scale);
  const result: RunResult = {
    schemaVersion: 1,
    startedAt,
    finishedAt: new Date(Date.parse(startedAt) + durationMs).toISOString(),
    durationMs,
    target: {
      embedded: false,
      profile: 'netra',
      appUrl: 'https://app.staging.example',
      apiUrl: 'https://api.staging.example',
      authUrl: 'https://auth.staging.example',
      login: 'e2e-bypass',
    },
    message: evidence.message,
    nonce: NONCE,
    userId: USER,
    sentAt: SENT_AT,
    verdict,
    steps: [{ name: 'send message', status: 'passed', durationMs: 40 }],
    waits: [],
    sockets: [socket],
    timeline: buildTimeline(evidence.frames, [socket], SENT_AT, defaultContract),
  };
  return { result, frames: evidence.frames };
}

/** Writes a run folder the way the probe does: result.json, summary.md, frames.ndjson, and (unless told) html/index.html. */
function writeRunFolder(reportsDir: string, made: Made, withHtml = true): void {
  const dir = join(reportsDir, made.result.startedAt.replace(/[:.]/g, '-'));
  mkdirSync(join(dir, 'html'), { recursive: true });
  writeFileSync(join(dir, 'result.json'), JSON.stringify(made.result, null, 2));
  writeFileSync(join(dir, 'summary.md'), renderSummary(made.result));
  writeFileSync(join(dir, 'frames.ndjson'), made.frames.map((f) => JSON.stringify(f)).join('\n') + '\n');
  if (withHtml)
    writeFileSync(join(dir, 'html', 'index.html'), '<!doctype html><title>Playwright report</title><p>report</p>');
}

const FIX_DEPLOYED = new Date('2026-11-20T00:00:00.000Z');

test('the validation report in Chromium: every run, check, event time, before vs after and the timeline, offline', async ({}, testInfo) => {
  const found = findBrowser(process.env.PROBE_BROWSER_PATH);
  test.skip('error' in found, 'error' in found ? found.error : '');
  if ('error' in found) return;

  // A report folder with a baseline before the fix and five runs after it; `latest` and a broken run among them.
  const reports = testInfo.outputPath('reports');
  const before = [
    probeRun('2026-11-19T09:00:00.000Z', '1011', 1.3),
    probeRun('2026-11-19T09:05:00.000Z', 'pass', 1.6),
    probeRun('2026-11-19T09:10:00.000Z', 'timeout', 1.4),
    probeRun('2026-11-19T09:15:00.000Z', '1011', 1.2),
  ];
  const after = [
    probeRun('2026-11-20T10:00:00.000Z', 'pass', 1.0),
    probeRun('2026-11-20T10:05:00.000Z', 'pass', 0.9),
    probeRun('2026-11-20T10:10:00.000Z', '1011', 1.0),
    probeRun('2026-11-20T10:15:00.000Z', 'degraded', 1.1),
    probeRun('2026-11-20T10:20:00.000Z', 'pass', 0.95),
  ];
  expect([...before, ...after].map((m) => m.result.verdict.status)).toEqual([
    'fail',
    'pass',
    'fail',
    'fail',
    'pass',
    'pass',
    'fail',
    'degraded',
    'pass',
  ]);
  expect(after[2]?.result.verdict.class).toBe('transport');
  before.forEach((m) => writeRunFolder(reports, m));
  after.forEach((m, i) => writeRunFolder(reports, m, i !== 1));
  mkdirSync(join(reports, '2026-11-20T10-30-00-000Z'));
  writeFileSync(
    join(reports, '2026-11-20T10-30-00-000Z', 'result.json'),
    '{"schemaVersion": 1, "startedAt": "2026-11-20T10:30',
  );
  symlinkSync('2026-11-20T10-20-00-000Z', join(reports, 'latest'), 'dir');

  const skipped: string[] = [];
  const runs = loadRuns(reports, { since: FIX_DEPLOYED }, (dir) => skipped.push(dir));
  const baseline = loadRuns(reports, { until: FIX_DEPLOYED });
  expect(runs.map((r) => r.result.startedAt)).toEqual(after.map((m) => m.result.startedAt));
  expect(baseline.map((r) => r.result.startedAt)).toEqual(before.map((m) => m.result.startedAt));
  expect(skipped).toEqual([join(reports, '2026-11-20T10-30-00-000Z')]);

  const out = testInfo.outputPath('validation');
  const written = await writeValidationReport(out, {
    title: 'Validation: fix for 1011 "Service not ready"',
    generatedAt: '2026-11-20T11:00:00.000Z',
    runs,
    baseline,
    links: 'relative-to',
  });
  expect(written).toEqual({
    html: join(out, 'report.html'),
    markdown: join(out, 'report.md'),
    svg: join(out, 'timeline.svg'),
  });
  expect(readFileSync(written.markdown, 'utf8')).toContain('](timeline.svg)');
  expect(readFileSync(written.svg, 'utf8')).toContain('data-close="1011"');

  const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(written.html).href);

    // The headline: the window's verdict and its counts.
    await expect(page.getByTestId('window-verdict')).toHaveText('FAIL');
    await expect(page.getByTestId('headline-text')).toContainText(
      '5 runs, 3 passed, 1 degraded, 1 failed; success rate 80% (pass or degraded).',
    );

    // Runs: one row per run, oldest first, with its status, and the 1011 in the failing one's message.
    const rows = page.getByTestId('runs-table').locator('tbody tr');
    await expect(rows).toHaveCount(5);
    await expect(rows.locator('td:nth-child(4)')).toHaveText(['PASS', 'PASS', 'FAIL', 'DEGRADED', 'PASS']);
    await expect(rows.locator('td:nth-child(5)')).toHaveText(['', '', 'transport', '', '']);
    await expect(rows.nth(2).locator('td.msg')).toContainText(
      'socket 0 closed 1011 Internal Error ("Service not ready")',
    );
    // Every evidence link leads to a file of its run folder (the second run has no HTML report, so no link).
    const hrefs = await page
      .getByTestId('runs-table')
      .locator('a[data-evidence]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs).toHaveLength(5 * 4 - 1);
    for (const href of hrefs) expect(existsSync(fileURLToPath(href)), href).toBe(true);
    await expect(page.getByTestId('baseline-runs-table')).toBeHidden(); // folded away under <details>

    // Checks: pass/warn/fail counts across the runs.
    const transport = page.getByTestId('checks-table').locator('tr[data-check="transport"]');
    await expect(transport.locator('td')).toHaveText([
      'transport',
      '4',
      '0',
      '1',
      '',
      /^run #3 \(fail\): socket 0 closed 1011 Internal Error/,
    ]);
    await expect(page.getByTestId('checks-table').locator('tr[data-check="complete-budget"] td')).toHaveText([
      'timeout',
      '3',
      '1',
      '1',
      '',
      /^run #3 \(fail\): no final agent_completed/,
    ]);

    // Event times: the five required events, then the run's completion, each with its distribution.
    const events = page.getByTestId('events-table').locator('tbody tr');
    await expect(events.locator('th')).toHaveText([
      'agent_started',
      'agent_thinking',
      'tool_executing',
      'tool_completed',
      'agent_completed',
      'final agent_completed',
      'answer visible',
      'agent_response',
    ]);
    await expect(events.first().locator('td')).toHaveText([
      '5/5',
      '180 ms',
      '198 ms',
      '162 ms',
      '198 ms',
      /^agent_started: p50 180 ms, p95 198 ms, 5 runs/,
    ]); // the strip's title
    await expect(events.nth(2).locator('td').first()).toHaveText('4/5');
    await expect(events.first().locator('svg circle')).toHaveCount(5);

    // Before vs after.
    const ba = page.getByTestId('before-after');
    await expect(ba).toBeVisible();
    await expect(ba.locator('tr[data-metric="success rate (pass or degraded)"] td')).toHaveText([
      '25%',
      '80%',
      '+55 pp ▲ better',
    ]);
    await expect(ba.locator('tr[data-metric="failures: transport"] td')).toHaveText(['2', '1', '−1 ▼ better']);

    // The timeline: the failing run pictured, visible, with its close and the failure marked.
    const timeline = page.getByTestId('timeline');
    const svg = timeline.locator('figure[data-role="representative"] svg[data-testid="timeline-svg"]');
    await expect(svg).toBeVisible();
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(600);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    await expect(svg.locator('g[data-close="1011"] title')).toHaveText(/close 1011 Internal Error "Service not ready"/);
    await expect(svg.locator('g[data-failure="transport"] text')).toHaveText('✗ transport failed at +650 ms');
    await expect(timeline.locator('figure')).toHaveCount(3); // the failing run, the latest, the baseline's

    // Readable at a laptop's width: nothing sticks out sideways.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true);

    await page.screenshot({ path: testInfo.outputPath('report.png'), fullPage: true });
    mkdirSync(join(PROJECT_ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: README_PICTURE, fullPage: true });

    expect(
      requests.filter((u) => !u.startsWith('file://')),
      'requests that left the disk',
    ).toEqual([]);
    expect(requests).toEqual([pathToFileURL(written.html).href]);
    expect(problems, 'console errors and warnings, script errors').toEqual([]);
  } finally {
    await browser.close();
  }
});

// What the probe reads of a page is what a person sees: visibleText() in a real Chromium, on pages made for
// each way of hiding text. An answer in the DOM that nobody can see must never count as rendered.

import { expect, type Page } from '@playwright/test';
import { PageUnresponsive } from '../../src/capture/page-health';
import { visibleText as readText } from '../../src/capture/visible-text';
import { test as browserTest } from './browser-fixture';

const test = browserTest.extend<{ page: Page }>({
  page: async ({ chromiumBrowser }, use) => {
    const context = await chromiumBrowser.newContext();
    try {
      await use(await context.newPage());
    } finally {
      await context.close();
    }
  },
});

/** Every read is bounded; a few seconds is plenty for these small pages. */
const visibleText = (page: Page, selector: string | undefined) => readText(page, selector, 5_000);

const HIDDEN_WAYS = {
  'display: none on a parent': '<div style="display:none"><p>ANSWER</p></div>',
  'the hidden attribute': '<div hidden><p>ANSWER</p></div>',
  'visibility: hidden': '<div style="visibility:hidden"><p>ANSWER</p></div>',
  'opacity: 0 on a parent': '<div style="opacity:0"><p>ANSWER</p></div>',
  'a zero-size box': '<div style="width:0;height:0;overflow:hidden"><span style="display:block;width:0;height:0">ANSWER</span></div>',
  'a template': '<template><p>ANSWER</p></template>',
  'a 1x1 screen-reader-only box': '<div style="position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0">ANSWER</div>',
  'clip-path: inset(50%)': '<div style="position:absolute;clip-path:inset(50%)">ANSWER</div>',
  'a collapsed panel (height 0, overflow hidden)': '<div style="height:0;overflow:hidden"><div class="message"><p>ANSWER</p></div></div>',
  'a place off the page (left: -9999px)': '<div style="position:absolute;left:-9999px;top:0">ANSWER</div>',
  'a place above the page (top: -500px)': '<div style="position:absolute;top:-500px">ANSWER</div>',
  'a script': '<script type="text/plain">ANSWER</script>',
};

for (const [way, html] of Object.entries(HIDDEN_WAYS)) {
  test(`text hidden by ${way} is not visible`, async ({ page }) => {
    await page.setContent(`<main><p>Shown</p>${html}</main>`);
    expect(await visibleText(page, undefined)).toBe('Shown');
  });
}

test('visible text keeps the order of the page and joins inline elements; display: contents still shows', async ({ page }) => {
  await page.setContent('<p>Your <strong>biggest</strong> cost</p><ul><li>GPU</li><li>CPU</li></ul><div style="display:contents"><span>after</span></div>');
  expect(await visibleText(page, undefined)).toBe('Your biggest cost GPU CPU after');
});

test('with a selector, the visible text of every match, and nothing of a hidden one', async ({ page }) => {
  await page.setContent('<p class="a">one</p><p>other</p><p class="a">two</p><div hidden><p class="a">three</p></div>');
  expect(await visibleText(page, '.a')).toBe('one two');
  expect(await visibleText(page, '.none')).toBe('');
});

test('text in a scroll container counts even when scrolled out of view: a person can scroll to it', async ({ page }) => {
  await page.setContent('<div style="height:50px;overflow:auto"><p style="height:400px">top</p><p>ANSWER below the fold</p></div>');
  expect(await visibleText(page, undefined)).toBe('top ANSWER below the fold');
});

test("a message list that scrolls inside an app shell that hides its overflow: messages above the fold count", async ({ page }) => {
  // As the platform's frontend lays out its chat: a fixed-height shell, overflow hidden, around a scrolled list.
  await page.setContent(
    '<div style="height:300px;overflow:hidden"><div style="height:300px;overflow-y:auto" id="list">' +
      '<p>ANSWER above the fold</p><div style="height:900px"></div><p>latest card</p></div></div>',
  );
  await page.evaluate(() => document.getElementById('list')!.scrollTo(0, 10_000));
  expect(await visibleText(page, undefined)).toBe('ANSWER above the fold latest card');
});

test('a page that cannot be read gives null, not a throw', async ({ page }) => {
  await page.close();
  expect(await visibleText(page, undefined)).toBeNull();
});

test('a page whose main thread is stuck: the read gives up with PageUnresponsive instead of hanging', async ({ page }) => {
  await page.setContent('<p>Shown</p>');
  // An evaluation that never returns: the read sent after it waits behind it, as behind a frozen page's own loop.
  void page.evaluate(() => {
    for (;;) {
      /* stuck */
    }
  }).catch(() => undefined);
  const error = await readText(page, undefined, 500).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PageUnresponsive);
  expect((error as Error).message).toContain('did not answer within 500 ms');
});

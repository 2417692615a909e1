// What the probe reads of a page is what a person sees: visibleText() in a real Chromium, on pages made for
// each way of hiding text. An answer in the DOM that nobody can see must never count as rendered.

import { expect, type Page } from '@playwright/test';
import { visibleText, waitForVisibleText } from '../../src/capture/chat';
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

const HIDDEN_WAYS = {
  'display: none on a parent': '<div style="display:none"><p>ANSWER</p></div>',
  'the hidden attribute': '<div hidden><p>ANSWER</p></div>',
  'visibility: hidden': '<div style="visibility:hidden"><p>ANSWER</p></div>',
  'opacity: 0 on a parent': '<div style="opacity:0"><p>ANSWER</p></div>',
  'a zero-size box': '<div style="width:0;height:0;overflow:hidden"><span style="display:block;width:0;height:0">ANSWER</span></div>',
  'a template': '<template><p>ANSWER</p></template>',
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

test('waitForVisibleText returns as soon as the text shows, and the last text read when it never does', async ({ page }) => {
  await page.setContent('<main id="m"></main>');
  await page.evaluate(() => setTimeout(() => document.getElementById('m')!.append('late answer'), 200));
  expect(await waitForVisibleText(page, undefined, (t) => t.includes('late answer'), 5_000)).toBe('late answer');
  expect(await waitForVisibleText(page, undefined, (t) => t.includes('never'), 300)).toBe('late answer');
});

test('a page that cannot be read gives null, not a throw', async ({ page }) => {
  await page.close();
  expect(await visibleText(page, undefined)).toBeNull();
  expect(await waitForVisibleText(page, undefined, () => true, 1_000)).toBeNull();
});

// One Chromium per worker for the tests that drive a page themselves (launched only when a test asks for it):
// the same browser the probe would find, Playwright's own or the system's.

import { chromium, test as base, type Browser } from '@playwright/test';
import { findBrowser } from '../../src/browser/resolve';

export const test = base.extend<object, { chromiumBrowser: Browser }>({
  chromiumBrowser: [
    async ({}, use) => {
      const found = findBrowser(process.env.PROBE_BROWSER_PATH);
      if ('error' in found) throw new Error(found.error);
      const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
      try {
        await use(browser);
      } finally {
        await browser.close();
      }
    },
    { scope: 'worker' },
  ],
});

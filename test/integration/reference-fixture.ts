// The reference staging as a fixture: one server per worker (port 0, no delays), closed in teardown, and a
// test-scoped handle that resets it before and after each test, so that faults never leak between tests.

import { test as base } from '@playwright/test';
import { startReference, type ReferenceServer } from '../../reference/server';

export const test = base.extend<{ staging: ReferenceServer }, { _reference: ReferenceServer }>({
  _reference: [
    async ({}, use) => {
      const server = await startReference({ speed: 0 });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker' },
  ],
  staging: async ({ _reference }, use) => {
    _reference.reset();
    await use(_reference);
    _reference.reset();
  },
});

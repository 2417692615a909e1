// The reference staging as a fixture: one server per worker (port 0, no delays), closed in teardown, and a
// test-scoped handle that resets it before and after each test, so that faults never leak between tests.
// `netraStaging` is the same in the netra layout (three hosts, the platform's own emitter and frontend),
// started only in workers whose tests ask for it.

import { test as base } from '@playwright/test';
import { startReference, type ReferenceLayout, type ReferenceServer } from '../../reference/server';

function workerReference(layout: ReferenceLayout): [({}, use: (server: ReferenceServer) => Promise<void>) => Promise<void>, { scope: 'worker' }] {
  return [
    async ({}, use) => {
      const server = await startReference({ speed: 0, layout });
      try {
        await use(server);
      } finally {
        await server.close();
      }
    },
    { scope: 'worker' },
  ];
}

function resetAround(reference: ReferenceServer, use: (server: ReferenceServer) => Promise<void>): Promise<void> {
  reference.reset();
  return use(reference).finally(() => reference.reset());
}

export const test = base.extend<{ staging: ReferenceServer; netraStaging: ReferenceServer }, { _reference: ReferenceServer; _netraReference: ReferenceServer }>({
  _reference: workerReference('single'),
  _netraReference: workerReference('netra'),
  staging: async ({ _reference }, use) => resetAround(_reference, use),
  netraStaging: async ({ _netraReference }, use) => resetAround(_netraReference, use),
});

// The reference staging as a fixture: one server per worker (port 0, no delays), closed in teardown, and a
// test-scoped handle that resets it before and after each test, so that faults never leak between tests.
// `netraStaging` is the same in the netra layout (three hosts, the platform's own emitter and frontend),
// started only in workers whose tests ask for it; `plainStaging` is the single layout with the plain
// frontend (another chat app on the same API and socket: docs/generic.md).

import { test as base } from '@playwright/test';
import { startReference, type ReferenceOptions, type ReferenceServer } from '../../reference/server';

function workerReference(options: ReferenceOptions): [({}, use: (server: ReferenceServer) => Promise<void>) => Promise<void>, { scope: 'worker' }] {
  return [
    async ({}, use) => {
      const server = await startReference({ speed: 0, ...options });
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

type Servers = { staging: ReferenceServer; netraStaging: ReferenceServer; plainStaging: ReferenceServer };
type WorkerServers = { _reference: ReferenceServer; _netraReference: ReferenceServer; _plainReference: ReferenceServer };

export const test = base.extend<Servers, WorkerServers>({
  _reference: workerReference({ layout: 'single' }),
  _netraReference: workerReference({ layout: 'netra' }),
  _plainReference: workerReference({ frontend: 'plain' }),
  staging: async ({ _reference }, use) => resetAround(_reference, use),
  netraStaging: async ({ _netraReference }, use) => resetAround(_netraReference, use),
  plainStaging: async ({ _plainReference }, use) => resetAround(_plainReference, use),
});

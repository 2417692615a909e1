// A fixture for tests that need small servers of their own: `listen(server)` starts one on 127.0.0.1
// port 0 and returns the port; every server it started, and every socket still open on it, is closed in
// teardown, whatever the test did (a server that hangs on purpose included).

import net, { type AddressInfo } from 'node:net';
import { test as base } from '@playwright/test';

export interface LocalServerFixtures {
  listen: (server: net.Server) => Promise<number>;
}

export const test = base.extend<LocalServerFixtures>({
  listen: async ({}, use) => {
    const started: Array<{ server: net.Server; sockets: Set<net.Socket> }> = [];
    await use(async (server) => {
      const sockets = new Set<net.Socket>();
      server.on('connection', (socket: net.Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      started.push({ server, sockets });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      return (server.address() as AddressInfo).port;
    });
    for (const { server, sockets } of started) {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    }
  },
});

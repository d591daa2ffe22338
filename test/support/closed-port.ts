import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on: bound once to learn a free port, then closed. (Not a fixed
 * port such as 9: fetch refuses the "bad ports" of the Fetch standard before connecting.)
 */
export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

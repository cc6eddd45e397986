import { createServer } from 'node:net';

/** A TCP port free on loopback right now (the kernel's pick). No test framework here: bench/ uses it too. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

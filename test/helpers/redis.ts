import { afterAll, describe, it } from 'vitest';
import { type RedisServer, redisBinary, startRedisProcess } from './redis-process.js';

export type { RedisServer };

/**
 * Redis for tests: a real redis-server per test file (see redis-process.ts), stopped in afterAll. Without the binary
 * the tests skip loudly, or fail when PEERWATCH_REQUIRE_REDIS=1 (CI sets it after installing the package).
 */
export function describeRedis(name: string, body: () => void) {
  if (redisBinary) return describe(name, body);
  if (process.env.PEERWATCH_REQUIRE_REDIS === '1') {
    return describe(name, () => {
      it('has redis-server', () => {
        throw new Error('redis-server is missing (PEERWATCH_REQUIRE_REDIS=1): apt-get install -y redis-server');
      });
    });
  }
  console.warn(`\n*** SKIPPING "${name}": redis-server not found (apt-get install -y redis-server) ***\n`);
  return describe.skip(name, body);
}

const started: RedisServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.dispose()));
});

export async function startRedis(): Promise<RedisServer> {
  const server = await startRedisProcess();
  started.push(server);
  return server;
}

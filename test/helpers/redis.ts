import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, describe, it } from 'vitest';
import { freePort, tempDir } from './server-process.js';

/**
 * A real Redis from Debian (package `redis-server`) per test file: its own free port and temp dir, no persistence
 * (no RDB snapshots, no AOF), stopped in afterAll. Without the binary the tests skip loudly, or fail when
 * PEERWATCH_REQUIRE_REDIS=1 (CI sets it after installing the package).
 */
const binary = (() => {
  const found = spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin:/sbin" command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
})();

export function describeRedis(name: string, body: () => void) {
  if (binary) return describe(name, body);
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

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Answers PING with +PONG? */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(data.startsWith('+PONG')));
    socket.on('error', () => resolve(false));
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: connections drop as in a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir();
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn(
        binary ?? 'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      running.add(child);
      const deadline = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (child.exitCode != null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const current = child;
      if (!current || current.exitCode != null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGKILL');
      await exited;
      running.delete(current);
    },
  };
  await server.start();
  return server;
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/**
 * A real Redis from Debian (package `redis-server`) as a child process on a free loopback port, with no persistence
 * (no RDB snapshots, no AOF) in a temp dir. No test framework here: the tests (test/helpers/redis.ts) and the bench
 * (bench/processes.ts) both use it.
 */
export const redisBinary = (() => {
  const found = spawnSync('sh', ['-c', 'PATH="$PATH:/usr/sbin:/sbin" command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
})();

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
  /** Stops it for good and removes its temp dir. */
  dispose(): Promise<void>;
}

export async function startRedisProcess(): Promise<RedisServer> {
  if (!redisBinary) throw new Error('redis-server not found (apt-get install -y redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'peerwatch-redis-'));
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const current = spawn(
        redisBinary!,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      child = current;
      const deadline = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (current.exitCode != null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const current = child;
      if (!current || current.exitCode != null || current.signalCode != null) return;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.kill('SIGKILL');
      await exited;
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

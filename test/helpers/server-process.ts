import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { OPERATOR_TOKEN } from './app.js';
import { freePort } from './ports.js';

export { freePort };

/**
 * The real server (or the demo) as a child process, for tests of what only a process shows: signals, ports, several
 * processes on one database. Every process and temp dir made here is killed and removed in afterAll.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerwatch-test-'));
  dirs.push(dir);
  return dir;
};

/** Runs `script` (src/server.ts or scripts/demo.ts) with node + tsx; collects its output and exit. */
export function run(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', OPERATOR_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out.stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out.stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, out, exited };
}

/**
 * Starts src/server.ts on a free port, or on env.PORT when given (a restart on the same address); its database is in
 * a new temp dir unless DATABASE_PATH is given. Resolves once it listens.
 */
export async function startServer(env: Record<string, string> = {}) {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = run('src/server.ts', { PORT: String(port), DATABASE_PATH: join(tempDir(), 'peerwatch.db'), ...env });
  const deadline = Date.now() + 30_000;
  while (!proc.out.stdout.includes('peerwatch listening')) {
    if (proc.child.exitCode != null || Date.now() > deadline) {
      throw new Error(`server did not start: ${proc.out.stdout}${proc.out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...proc, port, base: `http://127.0.0.1:${port}` };
}

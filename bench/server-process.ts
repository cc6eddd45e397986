import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';

export { freePort };

/** The real server (src/server.ts) as a child process for benchmarks that watch it from outside (RSS, survival). */

/**
 * CPU seconds (user + system) used so far by a process and its children (cluster workers), from Linux /proc: fields
 * 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
 */
export function cpuSecondsOfTree(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {}
  }
  let ticks = 0;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    for (const [child, stat] of stats) if (stat.ppid === pid) queue.push(child);
  }
  return ticks / 100;
}

/** Resident memory of a process in MB, from Linux /proc (NaN once it has gone). */
export const rssMb = (pid: number) => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  port: number;
  /** The exit code once it exited (-1 for a signal), else null. */
  exitCode(): number | null;
  stderr(): string;
  /** Kills it (SIGTERM, or the given signal), waits for the exit and removes its temp dir. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts src/server.ts from `root` on a free loopback port with a file database in a new temp dir and the given
 * OPERATOR_TOKEN; resolves once /health answers.
 */
export async function startServerProcess(options: {
  root?: string;
  token: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'peerwatch-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: options.root ?? process.cwd(),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'bench.db'),
      OPERATOR_TOKEN: options.token,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exit: number | null = null;
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exit = code ?? -1;
      resolve();
    }),
  );
  const server: ServerProcess = {
    child,
    base,
    port,
    exitCode: () => exit,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (exit == null) child.kill(signal);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    if (exit != null) throw new Error(`server exited ${exit}: ${stderr.slice(-2000)}`);
    if (i > 300) {
      await server.stop('SIGKILL');
      throw new Error('server did not start');
    }
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Helpers for the ExaBGP bridge tests (issue 7): ExaBGP 4.2 JSON messages as ExaBGP writes them, the bridge as a
 * child process started like ExaBGP starts it, a recording HTTP server standing in for peerwatch, free ports.
 */

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const neighbor = (peer: string, peerAsn: number) => ({
  address: { local: '127.0.0.1', peer },
  asn: { local: 8075, peer: peerAsn },
});

const header = (time: number, type: string) => ({
  exabgp: '4.0.1',
  time,
  host: 'collector',
  pid: 4242,
  ppid: 1,
  counter: 1,
  type,
});

/** An ExaBGP `update` message received from `peer` announcing `prefixes` (ipv4 or ipv6 unicast by the text). */
export function exaAnnounce(
  peer: string,
  prefixes: string[],
  o: { peerAsn?: number; path?: number[]; community?: number[][]; nextHop?: string; time?: number } = {},
) {
  const family = prefixes[0]?.includes(':') ? 'ipv6 unicast' : 'ipv4 unicast';
  return {
    ...header(o.time ?? Date.now() / 1000, 'update'),
    neighbor: {
      ...neighbor(peer, o.peerAsn ?? 8220),
      direction: 'receive',
      message: {
        update: {
          attribute: {
            origin: 'igp',
            'as-path': o.path ?? [o.peerAsn ?? 8220, 64500],
            'confederation-path': [],
            community: o.community ?? [[8075, 8007]],
          },
          announce: { [family]: { [o.nextHop ?? peer]: prefixes.map((nlri) => ({ nlri })) } },
        },
      },
    },
  };
}

export function exaWithdraw(peer: string, prefixes: string[], o: { peerAsn?: number; time?: number } = {}) {
  const family = prefixes[0]?.includes(':') ? 'ipv6 unicast' : 'ipv4 unicast';
  return {
    ...header(o.time ?? Date.now() / 1000, 'update'),
    neighbor: {
      ...neighbor(peer, o.peerAsn ?? 8220),
      direction: 'receive',
      message: { update: { withdraw: { [family]: prefixes.map((nlri) => ({ nlri })) } } },
    },
  };
}

export function exaState(
  peer: string,
  state: 'connected' | 'up' | 'down',
  o: { peerAsn?: number; time?: number; reason?: string } = {},
) {
  return {
    ...header(o.time ?? Date.now() / 1000, 'state'),
    neighbor: { ...neighbor(peer, o.peerAsn ?? 8220), state, ...(state === 'down' ? { reason: o.reason ?? 'x' } : {}) },
  };
}

/** A TCP port free right now on 127.0.0.1 (bound to 0, read, released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createNetServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  lines: any[];
}

/**
 * An HTTP server standing in for peerwatch: records every request and answers with `respond` (default 200 and
 * RIS ingest-like counts). `port` 0 picks one.
 */
export async function recorder(
  port = 0,
  respond: (req: RecordedRequest, index: number) => { status: number; body?: unknown } = (r) => ({
    status: 200,
    body: { accepted: r.lines.length, rejected: 0, ignored: 0, errors: [] },
  }),
) {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        lines: body
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l)),
      };
      const answer = respond(recorded, requests.length);
      requests.push(recorded);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    requests,
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    /** Every NDJSON line received, in order. */
    lines: () => requests.flatMap((r) => r.lines),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface BridgeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The bridge's pino log lines (stderr), parsed. */
  logs: () => any[];
  write(value: unknown): void;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  kill(): void;
}

/**
 * Starts the bridge exactly as the docs tell ExaBGP to: `npm run --silent exabgp-bridge` from the project root, with
 * the given environment. Its own process group, so kill() ends npm and node together.
 */
export function startBridge(env: Record<string, string>): BridgeProcess {
  const child = spawn('npm', ['run', '--silent', 'exabgp-bridge'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, BRIDGE_HEARTBEAT_SECONDS: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  child.stdin?.on('error', () => {}); // EPIPE when the bridge exits first
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      err
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l)),
    write(value: unknown) {
      child.stdin?.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
    },
    exited,
    kill() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
    },
  };
}

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs` with `what`. */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Absolute path of an executable on PATH (or in /usr/sbin, where Debian puts bird and exabgp), or null. */
export function which(name: string): string | null {
  const found = spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : null;
}

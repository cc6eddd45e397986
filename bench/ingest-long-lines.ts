/**
 * `npx tsx bench/ingest-long-lines.ts`: memory of `POST /ingest/ris` under over-long NDJSON lines.
 *
 * Starts the real server as a child process (file-backed SQLite in a temporary directory), posts BENCH_PARALLEL
 * requests at once, each a good line, one line of BENCH_LINE_MB megabytes, and another good line (streamed in
 * 1 MiB chunks, never held whole by this script), and samples the server's resident set size (VmRSS from
 * /proc, Linux only) every 20 ms. Prints the RSS before, the peak, and each answer's status and counts.
 *
 *   BENCH_PARALLEL   parallel requests (default 3)
 *   BENCH_LINE_MB    size of the long line in MiB (default 200)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 3);
const LINE_MB = Number(process.env.BENCH_LINE_MB ?? 200);
const TOKEN = 'bench-operator-token-123456';
const MIB = 1024 * 1024;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const rssMb = (pid: number) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
};

const goodLine = (peer: string) =>
  `${JSON.stringify({
    type: 'ris_message',
    data: {
      timestamp: 1_764_288_000,
      peer,
      peer_asn: '64496',
      host: 'rrc00',
      type: 'UPDATE',
      path: [64496, 3356, 64500],
      announcements: [{ next_hop: peer, prefixes: ['203.0.113.0/24'] }],
    },
  })}\n`;

function postLongLine(port: number): Promise<{ status: number; body: string }> {
  const head = Buffer.from(`${goodLine('192.0.2.1')}{"type":"ris_message","data":{"note":"`);
  const tail = Buffer.from(`"}}\n${goodLine('192.0.2.2')}`);
  const chunk = Buffer.alloc(MIB, 'x');
  const length = head.length + LINE_MB * MIB + tail.length;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/ingest/ris',
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(length) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < LINE_MB) {
        sent += 1;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    req.write(head);
    pump();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'peerwatch-bench-'));
const port = await freePort();
const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  env: {
    ...process.env,
    PORT: String(port),
    DATABASE_PATH: join(dir, 'bench.db'),
    OPERATOR_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const pid = child.pid!;
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 20);
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: PARALLEL }, () => postLongLine(port)));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  console.log(`${PARALLEL} parallel requests with a ${LINE_MB} MiB line each, ${seconds.toFixed(1)} s`);
  console.log(`server RSS before: ${before.toFixed(0)} MB, peak: ${peak.toFixed(0)} MB`);
  for (const { status, body } of answers) console.log(`  ${status} ${body.slice(0, 300)}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

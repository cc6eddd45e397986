import { request } from 'node:http';
import { rssMb, startServerProcess } from './server-process.js';

const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 3);
const LINE_MB = Number(process.env.BENCH_LINE_MB ?? 200);
const TOKEN = 'bench-operator-token-123456';
const MIB = 1024 * 1024;

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

const server = await startServerProcess({ token: TOKEN });
const { port } = server;
try {
  const pid = server.child.pid!;
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
  await server.stop();
}

import { copyFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { demoSessions } from '../src/db/seed/index.js';
import { createApiToken } from '../src/services/identity.js';
import { announce, withdraw } from '../test/helpers/factories.js';
import { redisBinary, startRedisProcess } from '../test/helpers/redis-process.js';
import { benchApp, benchFixture } from './fixture.js';
import { cpuSecondsOfTree, startServerProcess } from './server-process.js';
import { subscriberChild } from './subscriber-driver.js';

/**
 * Issue 11's bench row: the same live fan-out served by one process and by two (WORKERS=2, node:cluster on one port,
 * Redis as the bus), on the same machine and database. N graphql-ws subscribers in a child process (round robin puts
 * half on each worker), events raised by `ingestRouteUpdates` over HTTP. Per round: p50 and p99 of the time from
 * sending the update to the last subscriber having the event (events one at a time), then a burst of events sent
 * back to back: the rate at which all N subscribers got them (events/s), and the CPU the server's processes spent per
 * event (the receiving child shares the 2 cores, so the CPU figure is what says how many subscribers a core serves).
 */

const OPERATOR = 'bench-operator-token-123456';
const QUERY =
  'subscription Delivery { prefixEvents(filter: { types: [WITHDRAWAL, ANNOUNCEMENT] }) { ... on PrefixEvent { cursor type level summary occurredAt } } }';

export interface ProcessesResult {
  p50: { one: number[]; two: number[] };
  p99: { one: number[]; two: number[] };
  rate: { one: number[]; two: number[] };
  /** Server CPU (every process of it: primary and workers) per event of the burst, ms. */
  cpu: { one: number[]; two: number[] };
}

export async function benchProcesses(options: {
  rounds: number;
  subscribers: number;
  events: number;
  burst: number;
  log: (message: string) => void;
}): Promise<ProcessesResult | null> {
  const { log } = options;
  if (!redisBinary) {
    log('processes: SKIPPED, redis-server not found (apt-get install -y redis-server)');
    return null;
  }
  // The fixture database: one customer, one Colt service with one prefix, a COLLECTOR and a CUSTOMER token.
  const { dir, db, app } = benchApp('bench-processes', { env: { OPERATOR_TOKEN: OPERATOR }, file: 'template.db' });
  const template = join(dir, 'template.db');
  const { operator, must, customer, service } = benchFixture(app, db);
  const owner = customer('processes');
  const prefix = '45.1.0.0/24';
  service(owner.id, 'processes', [prefix]);
  const collector = must(createApiToken(app.deps, operator, { role: 'COLLECTOR' })).token;
  const viewer = must(createApiToken(app.deps, operator, { role: 'CUSTOMER', customerId: owner.id })).token;
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  db.$client.close();
  const peer = demoSessions().find((s) => s.partner === 'Colt' && s.location === 'Amsterdam')!.peerAddress;

  const redis = await startRedisProcess();
  const child = subscriberChild();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let clock = Math.floor(Date.now() / 1000) - 3600;
  let announced = false;
  const result: ProcessesResult = {
    p50: { one: [], two: [] },
    p99: { one: [], two: [] },
    rate: { one: [], two: [] },
    cpu: { one: [], two: [] },
  };

  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  };

  async function measure(workers: 1 | 2, round: number) {
    const database = join(dir, `round-${round}-${workers}.db`);
    copyFileSync(template, database);
    announced = false; // a fresh database: the prefix is not announced yet
    const server = await startServerProcess({
      token: OPERATOR,
      env: {
        DATABASE_PATH: database,
        NODE_ENV: 'production',
        SUBSCRIPTION_QUEUE_LIMIT: '100000',
        ...(workers === 2 ? { WORKERS: '2', REDIS_URL: redis.url } : {}),
      },
    });
    if (workers === 2) {
      // Both workers listen once /ready, each on a new connection, has answered from two processes.
      const seen = new Set<number>();
      const deadline = Date.now() + 30_000;
      while (seen.size < 2) {
        if (Date.now() > deadline) throw new Error('processes: the second worker did not start');
        const body = await new Promise<string>((resolve, reject) =>
          request(`${server.base}/ready`, { agent: false }, (res) => {
            let text = '';
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () => resolve(text));
          })
            .on('error', reject)
            .end(),
        );
        seen.add((JSON.parse(body) as { process: { pid: number } }).process.pid);
      }
    }
    const raise = () =>
      new Promise<void>((resolve, reject) => {
        clock += 1;
        announced = !announced;
        const update = (announced ? announce : withdraw)(peer, [prefix], { timestamp: clock });
        const body = JSON.stringify({
          query: 'mutation I($u: [RouteUpdateInput!]!) { ingestRouteUpdates(input: { updates: $u }) { accepted } }',
          variables: { u: [update] },
        });
        const req = request(
          `${server.base}/graphql`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${collector}` },
          },
          (res) => {
            let text = '';
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () => (text.includes('"accepted":1') ? resolve() : reject(new Error(text.slice(0, 300)))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    try {
      child.delivered.clear();
      await child.tell(
        {
          op: 'open',
          mode: 'gql',
          url: `${server.base.replace('http', 'ws')}/graphql`,
          n: options.subscribers,
          token: viewer,
          query: QUERY,
        },
        'opened',
      );
      // Every subscription is registered once a warm-up event reaches all of them.
      let event = 0;
      for (let w = 0; w < 3; w++) {
        await new Promise((r) => setTimeout(r, 300));
        await raise();
        await child.deliveryOf(event++);
      }
      const latencies: number[] = [];
      for (let e = 0; e < options.events; e++) {
        const sent = performance.timeOrigin + performance.now();
        await raise();
        const d = await child.deliveryOf(event++);
        latencies.push(d.at - sent);
      }
      const started = performance.timeOrigin + performance.now();
      const cpuBefore = cpuSecondsOfTree(server.child.pid!);
      for (let e = 0; e < options.burst; e++) await raise();
      const last = await child.deliveryOf(event + options.burst - 1);
      const cpuPerEvent = ((cpuSecondsOfTree(server.child.pid!) - cpuBefore) * 1000) / options.burst;
      for (let e = event; e < event + options.burst - 1; e++) child.delivered.delete(e);
      const rate = options.burst / ((last.at - started) / 1000);
      const key = workers === 1 ? 'one' : 'two';
      result.p50[key].push(quantile(latencies, 0.5));
      result.p99[key].push(quantile(latencies, 0.99));
      result.rate[key].push(rate);
      result.cpu[key].push(cpuPerEvent);
      log(
        `processes: ${workers} process${workers === 1 ? '' : 'es'}, ${options.subscribers} subs: p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, burst ${rate.toFixed(0)} events/s to all, server CPU ${cpuPerEvent.toFixed(1)} ms per event`,
      );
      await child.tell({ op: 'close' }, 'closed');
    } finally {
      await server.stop();
    }
  }

  try {
    for (let round = 0; round < options.rounds; round++) {
      await measure(1, round);
      await measure(2, round);
    }
  } finally {
    child.stop();
    agent.destroy();
    await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

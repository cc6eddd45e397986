import { resolve } from 'node:path';
import WebSocket from 'ws';
import { demoSessions } from '../src/db/seed/index.js';
import { rssMb, startServerProcess } from './server-process.js';

const ROOT = resolve(process.env.PEERWATCH_ROOT ?? '.');
const FLIPS = Number(process.env.HOSTILE_FLIPS ?? 1100);
const SUBSCRIPTIONS = Number(process.env.HOSTILE_SUBSCRIPTIONS ?? 10_000);
const TOKEN = 'hostile-operator-token-0123456789';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const server = await startServerProcess({ root: ROOT, token: TOKEN, env: { NODE_ENV: 'production' } });
  const { base, port } = server;
  const exited = () => server.exitCode() != null;
  try {
    const gql = async (query: string, variables: Record<string, unknown> = {}, token = TOKEN) => {
      const body = JSON.stringify({ query, variables });
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          authorization: `Bearer ${token}`,
        },
        body,
      });
      const json = (await res.json()) as { data?: any; errors?: unknown[] };
      if (json.errors) throw new Error(JSON.stringify(json.errors).slice(0, 500));
      return json.data;
    };

    const colt = (
      await gql(
        `{ partners(first: 5, filter: { search: "Colt" }) { edges { node { id name peeringLocations { id name } } } } }`,
      )
    ).partners.edges
      .map((e: any) => e.node)
      .find((n: any) => n.name === 'Colt');
    const loc = (name: string) => colt.peeringLocations.find((l: any) => l.name === name).id;
    const peers = demoSessions()
      .filter((s) => s.partner === 'Colt' && (s.location === 'Amsterdam' || s.location === 'Frankfurt'))
      .map((s) => s.peerAddress);
    const customer = async (name: string, prefix: string) => {
      const c = (
        await gql(`mutation($n: String!) { createCustomer(input: { name: $n }) { customer { id } } }`, { n: name })
      ).createCustomer.customer;
      const token = (
        await gql(`mutation($c: ID!) { createApiToken(input: { role: CUSTOMER, customerId: $c }) { token } }`, {
          c: c.id,
        })
      ).createApiToken.token as string;
      const key = (
        await gql(
          `mutation($p: ID!, $x: String!) { registerPartnerPrefix(input: { partnerId: $p, prefix: $x }) { registration { prefixKey } } }`,
          { p: colt.id, x: prefix },
        )
      ).registerPartnerPrefix.registration.prefixKey;
      const svc = (
        await gql(
          `mutation($i: CreatePeeringServiceInput!) { createPeeringService(input: $i) { peeringService { id prefixes(first: 1) { edges { node { id } } } } userErrors { message } } }`,
          {
            i: {
              name,
              partnerId: colt.id,
              country: 'Netherlands',
              state: 'North Holland',
              primaryPeeringLocationId: loc('Amsterdam'),
              backupPeeringLocationId: loc('Frankfurt'),
              prefixes: [{ name: 'site', prefix, prefixKey: key, originAsns: [64500] }],
            },
          },
          token,
        )
      ).createPeeringService.peeringService;
      await gql(
        `mutation($i: UpdatePeeringServiceTagsInput!) { updatePeeringServiceTags(input: $i) { userErrors { message } } }`,
        {
          i: {
            peeringServiceId: svc.id,
            tags: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}${'k'.repeat(120)}`, value: 'v'.repeat(256) })),
          },
        },
        token,
      );
      return { token, serviceId: svc.id as string, prefixId: svc.prefixes.edges[0].node.id as string, prefix };
    };
    let up = false;
    const flip = async (prefix: string) => {
      up = !up;
      const updates = peers.map((peer) =>
        up
          ? {
              timestamp: Date.now() / 1000,
              host: 'rrc00',
              peer,
              peerAsn: 8220,
              path: [8220, 64500],
              community: [[8075, 8007]],
              announcements: [{ nextHop: peer, prefixes: [prefix] }],
            }
          : { timestamp: Date.now() / 1000, host: 'rrc00', peer, peerAsn: 8220, withdrawals: [prefix] },
      );
      await gql(`mutation($i: IngestRouteUpdatesInput!) { ingestRouteUpdates(input: $i) { accepted } }`, {
        i: { updates },
      });
    };
    const a = await customer('hostile-a', '81.200.0.0/24');
    const b = await customer('hostile-b', '81.200.4.0/24');

    // ---- 1. a stalled prefixValidationChanged subscriber, another tenant's changes
    const rss0 = rssMb(server.child.pid!);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await new Promise((r, j) => socket.once('open', r).once('error', j));
    let got = 0;
    socket.on('message', () => {
      got += 1;
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${a.token}` } }));
    await sleep(200);
    const big = Array.from({ length: 20 }, (_, i) => `a${i}: peeringService { tags { key value } }`).join(' ');
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `subscription { prefixValidationChanged { id ${big} } }` },
      }),
    );
    await sleep(200);
    for (let i = 0; got < 2 && i < 20; i++) {
      await flip(a.prefix);
      await sleep(100);
    }
    (socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
    for (let i = 0; i < 30; i++) await flip(a.prefix);
    let survived = true;
    const started = performance.now();
    for (let i = 0; i < FLIPS; i++) {
      try {
        await flip(b.prefix);
      } catch {
        survived = false;
        break;
      }
    }
    await sleep(500);
    survived = survived && !exited();
    console.log(
      `finding 1: stalled subscriber + ${FLIPS} validation changes of another customer: server ${
        survived ? 'survived' : `died (exit ${server.exitCode()})`
      }; RSS ${rss0.toFixed(0)} -> ${survived ? rssMb(server.child.pid!).toFixed(0) : '-'} MB; ${(
        (performance.now() - started) / 1000
      ).toFixed(1)} s`,
    );
    socket.terminate();
    if (!survived) return;

    // ---- 3. one socket, SUBSCRIPTIONS replaying subscriptions
    for (let k = 0; k < 20; k++) await flip(a.prefix);
    const first = (await gql(`{ prefixEvents(first: 1) { edges { cursor } } }`)).prefixEvents.edges[0].cursor;
    await sleep(1000);
    const before = rssMb(server.child.pid!);
    const hostile = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await new Promise((r, j) => hostile.once('open', r).once('error', j));
    const ended = { limit: 0 };
    const streaming = new Set<string>();
    hostile.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'error' && JSON.stringify(m.payload).includes('LIMIT_EXCEEDED')) ended.limit += 1;
      if (m.type === 'next') streaming.add(m.id);
    });
    hostile.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TOKEN}` } }));
    await sleep(200);
    const q = `subscription($a: String) { prefixEvents(after: $a) { ... on PrefixEvent { cursor summary description } } }`;
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      hostile.send(JSON.stringify({ id: `h${i}`, type: 'subscribe', payload: { query: q, variables: { a: first } } }));
    }
    await sleep(500);
    const t0 = performance.now();
    const answered = await gql(`{ partners(first: 3) { totalCount } }`, {}, b.token).then(
      () => `${(performance.now() - t0).toFixed(0)} ms`,
      (error) => `failed after ${(performance.now() - t0).toFixed(0)} ms (${String(error.cause?.code ?? error)})`,
    );
    for (let i = 0; i < 40 && ended.limit + streaming.size < SUBSCRIPTIONS && !exited(); i++) await sleep(500);
    const during = !exited() ? rssMb(server.child.pid!) : Number.NaN;
    hostile.terminate();
    await sleep(3000);
    const after = !exited() ? rssMb(server.child.pid!) : Number.NaN;
    console.log(
      `finding 3: ${SUBSCRIPTIONS} subscriptions on one socket: ${streaming.size} streaming, ${ended.limit} refused (LIMIT_EXCEEDED); server RSS ${before.toFixed(0)} -> ${during.toFixed(0)} MB, ${after.toFixed(0)} MB 3 s after the socket closed; another client's query: ${answered}${exited() ? `; server exited ${server.exitCode()}` : ''}`,
    );
  } finally {
    await server.stop('SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

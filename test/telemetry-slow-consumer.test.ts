import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { announce, ingest, serviceWithPrefix, withdraw } from './helpers/factories.js';
import { allEvents, coltPeers, freshPrefix, Waiter, wsSubscribe } from './helpers/telemetry-kit.js';

/**
 * Issue 3, slow consumers: with SUBSCRIPTION_QUEUE_LIMIT 20, a subscriber that stops reading is ended with
 * SUBSCRIPTION_OVERFLOW (it sees the error once it reads again, and resumes from its last cursor), while a
 * subscriber that keeps up receives every event, in order.
 */

let t: TestApp;
let wsUrl: string;
beforeAll(async () => {
  t = await createTestApp({ SUBSCRIPTION_QUEUE_LIMIT: 20 });
  wsUrl = (await t.listen()).ws;
});
afterAll(() => t.close());

const { primary } = coltPeers();

/** A bare graphql-transport-ws client, so the test decides when it reads from its socket. */
async function rawClient(token: string) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const messages: any[] = [];
  const waiter = new Waiter();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    waiter.notify();
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await waiter.until(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return { socket, messages, waiter };
}

it('ends a subscriber that stops reading with SUBSCRIPTION_OVERFLOW while another one gets every event in order', async () => {
  const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
  // the second primary session stays up, so the flaps below are one event each (no path changes)
  await ingest(t, [announce(primary[1]!, [f.prefix])]);
  const c0 = (await allEvents(t, { prefixId: f.prefixId })).at(-1)!.cursor as string;

  const LEAN = `subscription($f: PrefixEventFilter, $after: String) { prefixEvents(filter: $f, after: $after) {
    ... on PrefixEvent { cursor type } } }`;
  // the slow dashboard asks for big messages, so the socket buffers between it and the server fill sooner
  const BIG = `subscription($f: PrefixEventFilter, $after: String) { prefixEvents(filter: $f, after: $after) {
    ... on PrefixEvent { cursor type ${Array.from({ length: 18 }, (_, i) => `d${i}: description`).join(' ')} } } }`;
  const variables = { f: { prefixId: f.prefixId }, after: c0 };

  const fast = wsSubscribe(t.wsClient(OPERATOR_TOKEN), LEAN, variables);
  const slow = await rawClient(OPERATOR_TOKEN);
  slow.socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query: BIG, variables } }));

  // both are live once an event after c0 reached them (each replays from c0)
  await ingest(t, [announce(primary[0]!, [f.prefix])]);
  const primed = (await allEvents(t, { prefixId: f.prefixId }, c0)).length;
  await fast.count(primed);
  await slow.waiter.until(() => slow.messages.some((m) => m.type === 'next'), 'the first event on the slow client');
  try {
    await flood();
  } finally {
    slow.socket.terminate();
  }
  async function flood() {
    // the slow client stops reading
    const raw = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();

    // many small batches (each well under the queue limit); the fast client catches up after each
    const BATCHES = 400;
    const PER_BATCH = 14;
    const started = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      const updates = Array.from({ length: PER_BATCH }, (_, i) =>
        i % 2 === 0 ? withdraw(primary[0]!, [f.prefix]) : announce(primary[0]!, [f.prefix]),
      );
      await ingest(t, updates);
      await fast.count(primed + (b + 1) * PER_BATCH, 20_000);
    }
    const elapsed = (performance.now() - started) / 1000;
    const delivered = fast.items.length;
    console.info(
      `slow consumer test: ${delivered} events delivered to the fast subscriber in ${elapsed.toFixed(2)} s (${Math.round(delivered / elapsed)} events/s, ingestion included)`,
    );

    // the fast one got everything, in log order, each once, and no error
    const log = (await allEvents(t, { prefixId: f.prefixId }, c0)).map((e) => e.cursor);
    expect(log).toHaveLength(primed + BATCHES * PER_BATCH);
    expect(fast.items.map((i) => i.cursor)).toEqual(log);
    expect(fast.errors).toEqual([]);
    expect(fast.done).toBe(false);

    // the slow one reads again: what was in flight, then the overflow error
    raw.resume();
    await slow.waiter.until(
      () => slow.messages.some((m) => m.id === 'slow' && (m.type === 'error' || m.type === 'complete')),
      'the end of the slow subscription',
      20_000,
    );
    const nexts = slow.messages.filter((m) => m.type === 'next').map((m) => m.payload.data.prefixEvents);
    const end = slow.messages.find((m) => m.id === 'slow' && (m.type === 'error' || m.type === 'complete'));
    expect(end.type).toBe('error');
    expect(end.payload[0].extensions.code).toBe('SUBSCRIPTION_OVERFLOW');
    expect(end.payload[0].message).toMatch(/20 events behind/);
    const received = nexts.map((e: any) => e.cursor as string);
    // what it received is the start of the log, in order, with nothing skipped
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(log.length);
    expect(received).toEqual(log.slice(0, received.length));
    const last = received.at(-1)!;
    expect(end.payload[0].message).toContain(last);
    console.info(
      `slow consumer test: the slow subscriber got ${received.length} of ${log.length} events before the cut`,
    );

    // the connection is still usable: resume from the last cursor and get exactly the rest
    slow.messages.length = 0;
    slow.socket.send(
      JSON.stringify({
        id: 'again',
        type: 'subscribe',
        payload: { query: LEAN, variables: { ...variables, after: last } },
      }),
    );
    const rest = log.slice(received.length);
    await slow.waiter.until(
      () => slow.messages.filter((m) => m.id === 'again' && m.type === 'next').length >= rest.length,
      'the rest after resuming',
      20_000,
    );
    const resumed = slow.messages.filter((m) => m.id === 'again' && m.type === 'next');
    expect(resumed.map((m) => m.payload.data.prefixEvents.cursor)).toEqual(rest);
  }
}, 60_000);

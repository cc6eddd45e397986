import { readFileSync } from 'node:fs';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, OPERATOR_TOKEN, type TestApp } from './helpers/app.js';
import { ingestLatency, wsSubscribe } from './helpers/telemetry-kit.js';

/**
 * Issue 9: every GraphQL example in the README is one named operation, and they run as written, in order, through
 * the public API (HTTP and graphql-ws), with the variables the README tells the reader to pass.
 */

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
const jsonBlocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
const operations = new Map<string, { text: string; kind: string }>();
for (const text of blocks) {
  const definitions = parse(text).definitions;
  expect(definitions).toHaveLength(1);
  const op = definitions[0] as OperationDefinitionNode;
  expect(op.kind).toBe(Kind.OPERATION_DEFINITION);
  expect(op.name?.value, text.slice(0, 60)).toBeTruthy();
  operations.set(op.name!.value, { text, kind: op.operation });
}
const doc = (name: string) => {
  const op = operations.get(name);
  if (!op) throw new Error(`README has no operation ${name}`);
  return op.text;
};

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp();
  base = (await t.listen()).base;
});
afterAll(() => t.close());

describe('README examples', () => {
  it('are named operations, one per block, and the test below runs each of them', () => {
    expect([...operations.keys()].sort()).toEqual(
      [
        'CreateCustomer',
        'CreateCustomerToken',
        'FindPartner',
        'RegisterPrefix',
        'CreatePeeringService',
        'CreateCollectorToken',
        'IngestRoutes',
        'DashboardState',
        'LiveEvents',
        'LatencyState',
        'LiveLatency',
      ].sort(),
    );
  });

  it('run as written: onboarding, ingestion (GraphQL and the NDJSON sample), state then live', async () => {
    const customerId = (await t.ok(doc('CreateCustomer'))).createCustomer.customer.id;
    const customerToken = (await t.ok(doc('CreateCustomerToken'), { customerId })).createApiToken.token as string;
    expect(customerToken).toMatch(/^pw_/);
    const colt = (await t.ok(doc('FindPartner'))).partners.edges[0].node;
    expect(colt.name).toBe('Colt');
    const loc = (name: string) => colt.peeringLocations.find((l: any) => l.name === name).id;
    expect(colt.sessions.map((s: any) => s.peerAddress)).toContain('198.18.5.1');
    const key = (await t.ok(doc('RegisterPrefix'), { partnerId: colt.id })).registerPartnerPrefix.registration
      .prefixKey;
    const created = (
      await t.ok(
        doc('CreatePeeringService'),
        { partnerId: colt.id, ams: loc('Amsterdam'), fra: loc('Frankfurt'), key },
        customerToken,
      )
    ).createPeeringService;
    expect(created.userErrors).toEqual([]);
    const prefixId = created.peeringService.prefixes.edges[0].node.id as string;

    const collectorToken = (await t.ok(doc('CreateCollectorToken'))).createApiToken.token as string;
    const ingested = (await t.ok(doc('IngestRoutes'), jsonBlocks[0], collectorToken)).ingestRouteUpdates;
    expect(ingested).toMatchObject({ accepted: 1, rejected: 0, userErrors: [] });

    const sample = readFileSync(new URL('../examples/ris-sample.ndjson', import.meta.url));
    const res = await fetch(`${base}/ingest/ris`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${collectorToken}`,
        'content-type': 'application/x-ndjson',
        'content-length': String(sample.length),
      },
      body: sample,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { accepted: number; rejected: number };
    expect(answer.rejected).toBe(0);
    expect(answer.accepted).toBe(sample.toString().trim().split('\n').length);

    const state = await t.ok(doc('DashboardState'), {}, customerToken);
    expect(state.peeringServices.totalCount).toBe(1);
    const after = state.latestEvents.edges[0]?.cursor ?? null;
    expect(after).not.toBeNull();

    const client = t.wsClient(customerToken);
    const live = wsSubscribe(client, doc('LiveEvents'), { after });
    // the sample ends with a withdrawal on one primary session: announce it again (a later BGP time), live
    const again = { updates: jsonBlocks[0].updates.map((u: any) => ({ ...u, timestamp: u.timestamp + 60 })) };
    await t.ok(doc('IngestRoutes'), again, collectorToken);
    const [event] = await live.count(1);
    expect(event.prefix.id).toBe(prefixId);
    expect(event.cursor > after).toBe(true);

    await ingestLatency(t, [
      { source: '203.0.113.9', timestamp: new Date(t.clock.now() - 60_000).toISOString(), rttMs: 12 },
    ]);
    const series = (await t.ok(doc('LatencyState'), { prefixId }, customerToken)).node.latency;
    expect(series.measuredPrefix).toBe('203.0.113.0/24');
    const since = series.buckets.at(-1).start;
    const latency = wsSubscribe(client, doc('LiveLatency'), { prefixId, since });
    const [bucket] = await latency.count(1);
    expect(bucket.bucket.start).toBe(since);
    live.stop();
    latency.stop();
    expect(OPERATOR_TOKEN).toBeTruthy();
  });
});

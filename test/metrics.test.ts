import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { announce, ingest, serviceWithPrefix } from './helpers/factories.js';
import { coltPeers, freshPrefix, ingestLatency, primeSubscription, wsSubscribe } from './helpers/telemetry-kit.js';

/** Issue 11 (part): /metrics in Prometheus text format, through the public API. */

const METRICS_TOKEN = 'metrics-token-0123456789';
let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await createTestApp({ METRICS_TOKEN });
  base = (await t.listen()).base;
});
afterAll(() => t.close());

const scrape = async (token: string | null = METRICS_TOKEN) => {
  const res = await fetch(`${base}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
/** The value of a sample line `name{labels} value` (labels matched as written). */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line == null ? null : Number(line.slice(series.length + 1));
};

describe('/metrics', () => {
  it('needs METRICS_TOKEN when one is set', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong-token-0123456789')).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain; version=0.0.4/);
  });

  it('counts requests, operations, ingestion, published events, active subscriptions and process metrics', async () => {
    const f = await serviceWithPrefix(t, { prefix: freshPrefix() });
    const sub = wsSubscribe(
      t.wsClient(f.customer.token),
      `subscription { prefixEvents { ... on PrefixEvent { cursor } } }`,
    );
    const { primary } = coltPeers();
    let k = 0;
    await primeSubscription(sub, () =>
      ingest(t, [announce(primary[k++ % 2]!, [f.prefix], { timestamp: 1795824000 + k })]),
    );
    await ingestLatency(t, [
      { source: f.prefix.replace('.0/24', '.9'), timestamp: new Date(t.clock.now() - 60_000).toISOString(), rttMs: 11 },
    ]);
    // t.gql goes in-process; one real HTTP request too
    const body = JSON.stringify({ query: '{ __typename }' });
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(res.status).toBe(200);
    await res.text();
    const { text } = await scrape();
    expect(sample(text, 'peerwatch_active_subscriptions{transport="ws"}')).toBe(1);
    expect(sample(text, 'peerwatch_events_published_total')).toBeGreaterThan(0);
    expect(
      sample(text, 'peerwatch_graphql_operation_duration_seconds_count{operation_type="mutation",operation_name="-"}'),
    ).toBeGreaterThan(0);
    expect(sample(text, 'peerwatch_ingest_batch_duration_seconds_count{kind="routes"}')).toBeGreaterThan(0);
    expect(sample(text, 'peerwatch_latency_samples_ingested_total')).toBe(1);
    expect(sample(text, 'peerwatch_route_updates_received_total{feed_kind="HTTP",feed="rrc00"}')).toBeGreaterThan(0);
    expect(sample(text, 'peerwatch_event_delivery_lag_seconds_count')).toBeGreaterThan(0);
    expect(text).toMatch(
      /^peerwatch_http_request_duration_seconds_count\{route="\/graphql",method="POST",status="2xx"\} \d+/m,
    );
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toContain('# TYPE peerwatch_subscriber_overflows_total counter');
    sub.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(sample((await scrape()).text, 'peerwatch_active_subscriptions{transport="ws"}')).toBe(0);
  });
});

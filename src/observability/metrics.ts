import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { joinClusterMetrics } from '../cluster/metrics.js';
import type { DB } from '../db/client.js';
import type { AppPubSub } from '../pubsub.js';
import type { LiveOperations } from '../realtime/live-operations.js';

/**
 * Prometheus metrics (`/metrics`, text format 0.0.4), named after Prometheus' conventions: a `peerwatch_` prefix,
 * base units (seconds), `_total` on counters. One registry per app; the process metrics of prom-client's defaults
 * (CPU, memory, event-loop lag, handles) are included.
 */
export type Metrics = ReturnType<typeof createMetrics>;

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(deps: { db: DB; live: LiveOperations; pubsub: AppPubSub; worker?: number | undefined }) {
  const registry = new Registry();
  /** In cluster mode every worker's metrics, through the primary; else this process's. */
  const collect = deps.worker == null ? () => registry.metrics() : joinClusterMetrics(registry, deps.worker);
  /** Prepared on the first scrape (the database is migrated by then). */
  let feedCounts: import('better-sqlite3').Statement | undefined;
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'peerwatch_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status class, from arrival to the end of the answer (SSE streams excluded).',
    labelNames: ['route', 'method', 'status'],
    buckets: SECONDS,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'peerwatch_graphql_operation_duration_seconds',
    help: 'GraphQL queries and mutations, execution only, by operation type and name (name only for trusted documents, else "-").',
    labelNames: ['operation_type', 'operation_name'],
    buckets: SECONDS,
    registers: [registry],
  });
  new Gauge({
    name: 'peerwatch_active_subscriptions',
    help: 'Subscription streams open now, by transport (ws: graphql-ws, sse: Server-Sent Events).',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      for (const transport of ['ws', 'sse'] as const) {
        this.set(
          { transport },
          deps.live.count((op) => op.transport === transport),
        );
      }
    },
  });
  const eventsPublished = new Counter({
    name: 'peerwatch_events_published_total',
    help: "Prefix events handed to this process's live subscribers (committed by this or, with REDIS_URL, another process).",
    registers: [registry],
  });
  const deliveryLag = new Histogram({
    name: 'peerwatch_event_delivery_lag_seconds',
    help: 'From the commit of a live event to its hand-over to a subscriber stream (per subscriber).',
    buckets: SECONDS,
    registers: [registry],
  });
  new Counter({
    name: 'peerwatch_route_updates_received_total',
    help: 'Well-formed BGP messages received per feed (read from the feeds table: the whole database, so every worker reports the same value).',
    labelNames: ['feed_kind', 'feed'],
    registers: [registry],
    collect() {
      this.reset();
      feedCounts ??= deps.db.$client.prepare('select kind, name, messages_received as n from feeds');
      const rows = feedCounts.all() as {
        kind: string;
        name: string;
        n: number;
      }[];
      for (const row of rows) this.inc({ feed_kind: row.kind, feed: row.name }, row.n);
    },
  });
  const latencySamples = new Counter({
    name: 'peerwatch_latency_samples_ingested_total',
    help: 'Latency samples accepted by this process.',
    registers: [registry],
  });
  const ingestBatch = new Histogram({
    name: 'peerwatch_ingest_batch_duration_seconds',
    help: 'One ingestion transaction (route updates or latency samples), by kind.',
    labelNames: ['kind'],
    buckets: SECONDS,
    registers: [registry],
  });
  const overflows = new Counter({
    name: 'peerwatch_subscriber_overflows_total',
    help: 'Subscribers ended with SUBSCRIPTION_OVERFLOW for falling SUBSCRIPTION_QUEUE_LIMIT messages behind.',
    registers: [registry],
  });
  const busy = new Counter({
    name: 'peerwatch_sqlite_busy_errors_total',
    help: 'Requests that failed with SQLITE_BUSY after waiting busy_timeout (5 s) for another writer.',
    registers: [registry],
  });

  deps.pubsub.subscribe('telemetry:prefix-events', (batch) => eventsPublished.inc(batch.length));

  return {
    registry,
    /** The text of a scrape (Prometheus text format 0.0.4). */
    text: collect,
    /** Route label of a path: the known endpoints, else "other" (bounded cardinality). */
    observeHttp(path: string, method: string, status: number, seconds: number) {
      const route = ['/graphql', '/ingest/ris', '/health', '/ready', '/metrics', '/schema.graphql'].includes(path)
        ? path
        : path.startsWith('/dashboard')
          ? '/dashboard'
          : 'other';
      httpDuration.observe({ route, method, status: `${Math.floor(status / 100)}xx` }, seconds);
    },
    observeIngest(kind: 'routes' | 'latency', count: number, seconds: number) {
      ingestBatch.observe({ kind }, seconds);
      if (kind === 'latency') latencySamples.inc(count);
    },
    observeDeliveryLag(seconds: number) {
      deliveryLag.observe(Math.max(0, seconds));
    },
    countOverflow() {
      overflows.inc();
    },
    countBusy() {
      busy.inc();
    },
    /** Times queries and mutations; `trusted` tells whether a document text comes from a trusted manifest. */
    yogaPlugin(trusted: (text: string) => boolean): Plugin {
      return {
        onExecute({ args }) {
          const started = performance.now();
          const operation = operationOf(args.document, args.operationName);
          const text = args.document.loc?.source.body ?? '';
          return {
            onExecuteDone() {
              operationDuration.observe(
                {
                  operation_type: operation?.operation ?? 'unknown',
                  operation_name: operation?.name && trusted(text) ? operation.name.value : '-',
                },
                (performance.now() - started) / 1000,
              );
            },
          };
        },
      };
    },
  };
}

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return name ? operations.find((o) => o.name?.value === name) : operations[0];
}

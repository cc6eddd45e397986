import type { Statement } from 'better-sqlite3';
import { checkpointWal, inTransaction } from '../db/client.js';
import { type UserError, userError } from '../errors.js';
import { FeedRegistry, type FeedSource, HTTP_FEEDS } from '../feeds/registry.js';
import type { LatencyUpdateMessage } from '../pubsub.js';
import type { ServiceDeps, TelemetryHooks } from '../services/deps.js';
import { type AnalysisQueries, analysisQueries, analyzePrefix } from './analytics.js';
import { Coalescer } from './coalescer.js';
import { pruneEvents } from './event-log.js';
import {
  checkSample,
  evaluateLatency,
  type LatencyQueries,
  type LatencySampleInput,
  latencyQueries,
  newLatencyBatchCache,
  recordSamples,
} from './latency.js';
import { Lease } from './lease.js';
import { checkRouteUpdate, MAX_BATCH, type RouteUpdate, type RouteUpdateInput } from './route-input.js';
import { applyRouteBatch, type RouteStatements, routeStatements } from './routes.js';
import { newOutbox, type Outbox, type WatchedPrefix, type WatchQueries, watchQueries } from './watch.js';

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Well-formed items that concern nothing peerwatch watches (latency outside every registered prefix, non-UPDATE RIS messages). */
  ignored: number;
  userErrors: UserError[];
}

type EngineDeps = Omit<ServiceDeps, 'telemetry'>;

function batchTooLarge(count: number, what: string, field: string[]): IngestResult {
  return {
    accepted: 0,
    rejected: count,
    ignored: 0,
    userErrors: [
      userError('LIMIT_EXCEEDED', field, `At most ${MAX_BATCH} ${what} per call (got ${count}); nothing was written`),
    ],
  };
}

/** Checks every item; a bad one becomes an INVALID_INPUT user error at its index, the good ones are kept. */
function checkEach<I, O>(
  inputs: I[],
  fieldPrefix: string[],
  check: (input: I) => { ok: true; value: O } | { ok: false; field: string[]; message: string },
): { valid: O[]; userErrors: UserError[] } {
  const valid: O[] = [];
  const userErrors: UserError[] = [];
  inputs.forEach((input, i) => {
    const checked = check(input);
    if (checked.ok) valid.push(checked.value);
    else userErrors.push(userError('INVALID_INPUT', [...fieldPrefix, String(i), ...checked.field], checked.message));
  });
  return { valid, userErrors };
}

/**
 * The telemetry engine: ingestion (BGP updates, latency samples), the continuous prefix validation, route
 * analytics, latency rollups and degradation, and retention. Each batch runs in one transaction; events are
 * published only after it commits.
 */
export class TelemetryEngine implements TelemetryHooks {
  private timer: NodeJS.Timeout | null = null;
  private readonly latencyPublisher: Coalescer<LatencyUpdateMessage>;
  private queries: {
    watch: WatchQueries;
    analysis: AnalysisQueries;
    routes: RouteStatements;
    latency: LatencyQueries;
    retention: Record<'routeHistory' | 'latencyBuckets' | 'withdrawnRoutes', Statement<[number]>>;
  } | null = null;

  /** Sources of BGP data and their freshness; each applied batch is counted for its feed(s). */
  readonly feeds: FeedRegistry;

  private leaseRow: Lease | null = null;

  /** Told each ingestion transaction: its kind, how many items, how long (metrics). */
  onIngest?: (kind: 'routes' | 'latency', count: number, seconds: number) => void;

  /** The periodic-work lease (see start); created on first use, once the database is migrated. */
  get lease(): Lease {
    this.leaseRow ??= new Lease(this.deps.db, 'telemetry-tick', this.deps.env.LEASE_SECONDS * 1000);
    return this.leaseRow;
  }

  constructor(readonly deps: EngineDeps) {
    this.feeds = new FeedRegistry(deps);
    this.latencyPublisher = new Coalescer(1000, (messages) => deps.pubsub.publish('telemetry:latency', messages));
  }

  /** Prepared statements, created on first use (the database must be migrated by then). */
  private get q() {
    if (!this.queries) {
      const { db } = this.deps;
      this.queries = {
        watch: watchQueries(db),
        analysis: analysisQueries(db),
        routes: routeStatements(db),
        latency: latencyQueries(db),
        retention: {
          routeHistory: db.$client.prepare('delete from route_updates where received_at < ?'),
          latencyBuckets: db.$client.prepare('delete from latency_buckets where start < ?'),
          withdrawnRoutes: db.$client.prepare('delete from route_states where announced = 0 and updated_at < ?'),
        },
      };
    }
    return this.queries;
  }

  private get settings() {
    return this.deps.env;
  }

  private publish(outbox: Outbox): void {
    if (outbox.events.length) this.deps.pubsub.publish('telemetry:prefix-events', outbox.events);
    if (outbox.validationChanges.length) {
      this.deps.pubsub.publish('telemetry:prefix-validation', outbox.validationChanges);
    }
  }

  private analyze(prefixes: WatchedPrefix[], asOf: number): void {
    if (!prefixes.length) return;
    const now = this.deps.clock.now();
    const outbox = newOutbox(now);
    inTransaction(this.deps.db, (tx) => {
      for (const watched of prefixes) analyzePrefix(tx, this.q.analysis, this.settings, watched, asOf, now, outbox);
    });
    this.publish(outbox);
  }

  /** New prefixes: validate them against the routes already known (the partner may announce before registration). */
  prefixesRegistered(prefixIds: number[]): void {
    this.analyze(
      prefixIds.map((id) => this.q.watch.byId(id)).filter((w): w is WatchedPrefix => w != null),
      this.deps.clock.now(),
    );
  }

  /** A partner gained a session: its prefixes' required sessions changed. */
  sessionsChanged(partnerId: number): void {
    this.analyze(this.q.watch.ofPartner(partnerId), this.deps.clock.now());
  }

  ingestRouteUpdates(inputs: RouteUpdateInput[], fieldPrefix: string[] = ['input', 'updates']): IngestResult {
    if (inputs.length > MAX_BATCH) return batchTooLarge(inputs.length, 'updates', fieldPrefix);
    const { valid, userErrors } = checkEach(inputs, fieldPrefix, (input) => {
      const checked = checkRouteUpdate(input);
      return checked.ok ? { ok: true, value: checked.update } : checked;
    });
    return { ...this.applyRoutes(valid, HTTP_FEEDS), rejected: userErrors.length, userErrors };
  }

  /**
   * Applies already-checked updates (and peer state changes) in one transaction, counted for their feed(s) in the
   * same transaction. Used by the GraphQL mutation, the NDJSON endpoint and the RIS Live client.
   */
  applyRoutes(updates: RouteUpdate[], source: FeedSource = HTTP_FEEDS): { accepted: number; ignored: number } {
    if (!updates.length) return { accepted: 0, ignored: 0 };
    const now = this.deps.clock.now();
    const outbox = newOutbox(now);
    const started = performance.now();
    const { ignored } = inTransaction(this.deps.db, (tx) => {
      const result = applyRouteBatch(
        tx,
        this.q.routes,
        this.q.watch,
        this.q.analysis,
        this.settings,
        updates,
        now,
        outbox,
      );
      this.feeds.recordBatch(source, updates, now);
      return result;
    });
    this.onIngest?.('routes', updates.length, (performance.now() - started) / 1000);
    this.publish(outbox);
    return { accepted: updates.length, ignored };
  }

  ingestLatencySamples(inputs: LatencySampleInput[], fieldPrefix: string[] = ['input', 'samples']): IngestResult {
    if (inputs.length > MAX_BATCH) return batchTooLarge(inputs.length, 'samples', fieldPrefix);
    const now = this.deps.clock.now();
    const retentionMs = this.settings.LATENCY_RETENTION_DAYS * 86_400_000;
    const { valid: samples, userErrors } = checkEach(inputs, fieldPrefix, (input) => {
      const checked = checkSample(input, now, retentionMs);
      return checked.ok ? { ok: true, value: checked.sample } : checked;
    });
    if (!samples.length) return { accepted: 0, ignored: 0, rejected: userErrors.length, userErrors };
    const outbox = newOutbox(now);
    const started = performance.now();
    const { touched, matched } = inTransaction(this.deps.db, (tx) => {
      const result = recordSamples(this.q.latency, this.q.watch, samples);
      // A 5-minute bucket is closed once a later sample for the same prefix arrived.
      const batch = newLatencyBatchCache();
      for (const { watched, ts } of result.latestByPrefix.values()) {
        evaluateLatency(tx, this.q.latency, this.latencyState(), watched, ts, outbox, batch);
      }
      return result;
    });
    this.onIngest?.('latency', samples.length, (performance.now() - started) / 1000);
    this.publish(outbox);
    this.latencyPublisher.pushAll(
      touched.map(({ key, owners, measuredPrefix, granularity, start }) => [
        key,
        owners.map((watched) => ({
          prefixId: watched.id,
          peeringServiceId: watched.peeringServiceId,
          customerId: watched.customerId,
          partnerId: watched.partnerId,
          measuredPrefix,
          granularity,
          start,
        })),
      ]),
    );
    return { accepted: samples.length, ignored: samples.length - matched, rejected: userErrors.length, userErrors };
  }

  latencyBucket(measuredPrefix: string, granularity: 'FIVE_MINUTES' | 'ONE_HOUR', start: number) {
    return this.q.latency.one(measuredPrefix, granularity, start);
  }

  private latencyState() {
    const { analysis } = this.q;
    return { get: (id: number) => analysis.watchState(id), open: analysis.open, close: analysis.close };
  }

  /**
   * Time-based work: PENDING prefixes past the validation timeout, 5-minute latency buckets that closed with no
   * later sample, and retention. Runs every TELEMETRY_TICK_SECONDS; tests call it after moving the clock.
   */
  tick(): void {
    const now = this.deps.clock.now();
    const { env } = this.deps;
    this.analyze(this.q.watch.pendingCreatedBefore(now - env.VALIDATION_TIMEOUT_SECONDS * 1000), now);

    const outbox = newOutbox(now);
    inTransaction(this.deps.db, (tx) => {
      const batch = newLatencyBatchCache();
      for (const watched of this.q.watch.withLatency()) {
        evaluateLatency(tx, this.q.latency, this.latencyState(), watched, now, outbox, batch);
      }
      pruneEvents(tx, now - env.EVENT_RETENTION_DAYS * 86_400_000);
      this.q.retention.routeHistory.run(now - env.ROUTE_HISTORY_RETENTION_HOURS * 3_600_000);
      this.q.retention.latencyBuckets.run(now - env.LATENCY_RETENTION_DAYS * 86_400_000);
      // Withdrawn routes only matter for the 24 h visibility window.
      this.q.retention.withdrawnRoutes.run(now - 25 * 3_600_000);
    });
    this.publish(outbox);
    // The WAL is checkpointed here rather than by the commit that passes SQLite's threshold, so an ingestion batch
    // seldom pays for it (see WAL_AUTOCHECKPOINT_PAGES).
    checkpointWal(this.deps.db);
    this.feeds.reportStale();
  }

  /**
   * Runs the tick every TELEMETRY_TICK_SECONDS in whichever process holds the `telemetry-tick` lease (LEASE_SECONDS):
   * with several processes on one database, exactly one does the periodic work, and another takes over within the
   * lease time when the holder dies.
   */
  start(): void {
    if (this.timer) return;
    const beat = () => {
      try {
        if (this.lease.tryHold(this.deps.clock.now())) this.tick();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'telemetry tick failed');
      }
    };
    this.lease.onChange = (holding) =>
      this.deps.logger.info(
        { lease: this.lease.name, holder: this.lease.holder },
        holding ? 'lease taken' : 'lease lost',
      );
    this.timer = setInterval(beat, this.settings.TELEMETRY_TICK_SECONDS * 1000);
    this.timer.unref();
    setImmediate(beat);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.latencyPublisher.stop();
    this.leaseRow?.release();
  }
}

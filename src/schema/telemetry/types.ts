import { EVENT_LEVELS, LATENCY_GRANULARITIES, type LatencyGranularity } from '../../db/schema.js';
import { PREFIX_EVENT_TYPES } from '../../domain/events.js';
import { InputError } from '../../errors.js';
import { encodeCursor, pageRequest } from '../../services/pagination.js';
import { EVENT_CURSOR_KIND, type PrefixEventRecord } from '../../telemetry/event-log.js';
import { type BucketRow, measuredPrefixFor } from '../../telemetry/latency.js';
import type { ResyncRequired } from '../../telemetry/stream.js';
import { builder } from '../builder.js';
import { AsnScalar, loadNodes } from '../common.js';
import { PrefixRef } from '../registration/types.js';

export const EventLevelEnum = builder.enumType('EventLevel', {
  description: 'Severity, ordered INFORMATION < WARNING < ERROR < CRITICAL.',
  values: EVENT_LEVELS,
});

export const PrefixEventTypeEnum = builder.enumType('PrefixEventType', {
  description:
    "Route, visibility, validation and latency events. The Azure name (azureEventType) is given where Azure defines one, e.g. ORIGIN_AS_CHANGE is Azure's PrefixOriginAsChangeEvent.",
  values: PREFIX_EVENT_TYPES,
});

export const LatencyGranularityEnum = builder.enumType('LatencyGranularity', { values: LATENCY_GRANULARITIES });

export const LatencyRangeEnum = builder.enumType('LatencyRange', {
  values: {
    LAST_6_HOURS: { value: 6 * 3_600_000 },
    LAST_12_HOURS: { value: 12 * 3_600_000 },
    LAST_1_DAY: { value: 24 * 3_600_000 },
    LAST_7_DAYS: { value: 7 * 24 * 3_600_000 },
    LAST_30_DAYS: { value: 30 * 24 * 3_600_000 },
  } as const,
});

export const PrefixEventRef = builder.objectRef<PrefixEventRecord>('PrefixEvent');

builder.node(PrefixEventRef, {
  description: 'One entry of the append-only prefix event log.',
  id: { resolve: (e) => e.seq },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.event, ids),
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque, strictly increasing; pass it as `after` to resume a stream or a page.',
      resolve: (e) => encodeCursor(EVENT_CURSOR_KIND, e.seq),
    }),
    occurredAt: t.field({
      type: 'DateTime',
      description:
        "When the routing change happened: the BGP update's own timestamp (for latency events, the end of the " +
        'bucket). A replay of recorded history carries its original time here.',
      resolve: (e) => e.occurredAt,
    }),
    recordedAt: t.field({
      type: 'DateTime',
      description:
        'When peerwatch recorded the event (its arrival). Retention counts from here, so replayed history stays ' +
        'queryable for EVENT_RETENTION_DAYS after it arrived.',
      resolve: (e) => e.recordedAt,
    }),
    type: t.field({ type: PrefixEventTypeEnum, resolve: (e) => e.type as (typeof PREFIX_EVENT_TYPES)[number] }),
    azureEventType: t.exposeString('azureEventType', {
      description: 'The Azure event type name where one exists (e.g. PrefixOriginAsChangeEvent), else the type.',
    }),
    level: t.field({ type: EventLevelEnum, resolve: (e) => e.level }),
    summary: t.exposeString('summary'),
    description: t.exposeString('description'),
    prefix: t.field({
      type: PrefixRef,
      description: 'The registered prefix this event concerns.',
      resolve: async (e, _a, ctx) => (await ctx.loaders.prefix.load(e.prefixId))!,
    }),
    observedPrefix: t.exposeString('observedPrefix', {
      description: 'The prefix as observed (may be a more-specific of the registered one).',
    }),
    observedOriginAsn: t.field({
      type: AsnScalar,
      nullable: true,
      description: 'The origin AS of the route behind this event (null for events not about one route).',
      resolve: (e) => e.observedOriginAsn,
    }),
    expectedOriginAsns: t.field({
      type: [AsnScalar],
      description: "The prefix's expected origin ASNs when the event was recorded.",
      resolve: (e) => e.expectedOriginAsns,
    }),
    asPath: t.field({
      type: [AsnScalar],
      nullable: true,
      description: 'The AS path of the route behind this event, nearest AS first, origin last (AS_SETs flattened).',
      resolve: (e) => e.asPath,
    }),
    peersSeen: t.exposeInt('peersSeen', {
      nullable: true,
      description: 'Distinct peers that observed the route behind this event.',
    }),
  }),
});

export const ResyncRequiredRef = builder.objectRef<ResyncRequired>('ResyncRequired').implement({
  description: 'Sent first on a stream when `after` is older than the retained history: the client must refetch.',
  fields: (t) => ({
    oldestAvailableCursor: t.exposeString('oldestAvailableCursor', { nullable: true }),
    reason: t.exposeString('reason'),
  }),
});

export const PrefixEventStreamItem = builder.unionType('PrefixEventStreamItem', {
  types: [PrefixEventRef, ResyncRequiredRef],
  resolveType: (item) => ('kind' in item && item.kind === 'ResyncRequired' ? ResyncRequiredRef : PrefixEventRef),
});

export const LatencyBucketRef = builder.objectRef<BucketRow>('LatencyBucket').implement({
  description:
    'Round-trip times in one time bucket. Percentiles come from a DDSketch (within 1% of exact); min/max/count are exact.',
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (b) => b.start }),
    sampleCount: t.exposeInt('sampleCount'),
    p50Ms: t.exposeFloat('p50Ms'),
    p95Ms: t.exposeFloat('p95Ms'),
    p99Ms: t.exposeFloat('p99Ms'),
    minMs: t.exposeFloat('minMs'),
    maxMs: t.exposeFloat('maxMs'),
  }),
});

export const LatencySeriesRef = builder
  .objectRef<{ measuredPrefix: string; granularity: LatencyGranularity; buckets: BucketRow[] }>('LatencySeries')
  .implement({
    fields: (t) => ({
      measuredPrefix: t.exposeString('measuredPrefix', {
        description:
          'Latency is reported at /24 (IPv4) or /48 (IPv6) at the finest; this is the prefix it was measured at.',
      }),
      granularity: t.field({ type: LatencyGranularityEnum, resolve: (s) => s.granularity }),
      buckets: t.field({ type: [LatencyBucketRef], resolve: (s) => s.buckets }),
    }),
  });

/** Shared by Query.prefixEvents and Prefix.events. */
export const PrefixEventConnectionRef = builder.connectionObject(
  {
    type: PrefixEventRef,
    name: 'PrefixEventConnection',
    fields: (c) => ({
      totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
    }),
  },
  { name: 'PrefixEventEdge' },
);

builder.objectFields(PrefixRef, (t) => ({
  events: t.connection(
    {
      type: PrefixEventRef,
      description: 'Events of this prefix in sequence order (oldest first; use `last` for the newest).',
      args: { minLevel: t.arg({ type: EventLevelEnum }) },
      resolve: (p, args, ctx) =>
        ctx.loaders.prefixEventPages.load({
          parentId: p.id,
          request: pageRequest(EVENT_CURSOR_KIND, args),
          minLevel: args.minLevel ?? null,
        }),
    },
    PrefixEventConnectionRef,
  ),
  latency: t.field({
    type: LatencySeriesRef,
    description:
      'Latency from buckets: FIVE_MINUTES (default up to 1 day) or ONE_HOUR (default beyond; FIVE_MINUTES is refused for 7 and 30 days).',
    args: {
      range: t.arg({ type: LatencyRangeEnum, required: true }),
      granularity: t.arg({ type: LatencyGranularityEnum }),
    },
    resolve: (p, args, ctx) => {
      const granularity = args.granularity ?? (args.range > 24 * 3_600_000 ? 'ONE_HOUR' : 'FIVE_MINUTES');
      if (granularity === 'FIVE_MINUTES' && args.range > 24 * 3_600_000) {
        throw new InputError('FIVE_MINUTES granularity is available for ranges up to LAST_1_DAY; use ONE_HOUR');
      }
      const measuredPrefix = measuredPrefixFor({ prefix: p.prefix, family: p.family as 4 | 6 });
      const now = ctx.deps.clock.now();
      // Buckets that start within (now - range, now]: the current one included, at most range / bucket size rows
      // (720 hourly rows for 30 days).
      const buckets = ctx.telemetry.latencyBuckets(measuredPrefix, granularity, now - args.range + 1, now + 1);
      return { measuredPrefix, granularity, buckets };
    },
  }),
}));

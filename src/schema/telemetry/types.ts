import { EVENT_LEVELS, type LATENCY_GRANULARITIES } from '../../db/schema.js';
import { EVENT_TYPES, PREFIX_EVENT_TYPES, type PrefixEventType } from '../../domain/events.js';
import { encodeCursor, pageRequest } from '../../services/pagination.js';
import { EVENT_CURSOR_KIND, type PrefixEventRecord } from '../../telemetry/event-log.js';
import { type LatencySeries, latencySeries, type SeriesBucket } from '../../telemetry/latency-reads.js';
import type { ResyncRequired } from '../../telemetry/stream.js';
import { builder } from '../builder.js';
import { AsnScalar, loadNodes, required } from '../common.js';
import { PrefixRef } from '../registration/types.js';

const EVENT_LEVEL_DESCRIPTIONS: Record<(typeof EVENT_LEVELS)[number], string> = {
  INFORMATION: 'Routine: a route announced, a path chosen, validation or latency back to normal.',
  WARNING: 'Worth a look: a withdrawal, a new more-specific from the expected origin, degraded latency.',
  ERROR:
    'Service affected: a prefix failed validation, a route leak, visibility loss, a wrong origin on the backup route.',
  CRITICAL: 'Possible hijack: the prefix or a more-specific announced from an unexpected origin.',
};

export const EventLevelEnum = builder.enumType('EventLevel', {
  description:
    'Severity, ordered INFORMATION < WARNING < ERROR < CRITICAL; `minLevel` filters keep that level and above.',
  values: Object.fromEntries(
    EVENT_LEVELS.map((level) => [level, { value: level, description: EVENT_LEVEL_DESCRIPTIONS[level] }]),
  ) as Record<(typeof EVENT_LEVELS)[number], { value: (typeof EVENT_LEVELS)[number]; description: string }>,
});

/** What each event type means; the Azure name and the level are appended from EVENT_TYPES. */
const EVENT_TYPE_DESCRIPTIONS: Record<PrefixEventType, string> = {
  ANNOUNCEMENT: 'The partner announced the registered prefix on one of its sessions at the primary peering location.',
  WITHDRAWAL:
    'The partner withdrew the registered prefix on one of its sessions at the primary location; traffic uses the ' +
    'remaining sessions or the backup location.',
  BACKUP_ROUTE_ANNOUNCEMENT:
    'The partner announced the registered prefix on one of its sessions at the backup location.',
  BACKUP_ROUTE_WITHDRAWAL: 'The partner withdrew the registered prefix on one of its sessions at the backup location.',
  ACTIVE_PATH: 'The best route (shortest AS path) received at the primary location changed; asPath shows the new one.',
  BACKUP_PATH: 'The best route received at the backup location changed; asPath shows the new one.',
  ORIGIN_AS_CHANGE:
    'The exact registered prefix is announced from an unexpected origin AS, seen by at least HIJACK_MIN_PEERS ' +
    '(default 2) distinct peers: a possible hijack.',
  BACKUP_ROUTE_ORIGIN_AS_CHANGE:
    "The partner's backup-location sessions receive the registered prefix from an unexpected origin AS.",
  MORE_SPECIFIC_HIJACK:
    'A more-specific of the registered prefix is announced from an unexpected origin, seen by at least ' +
    'HIJACK_MIN_PEERS peers: traffic to it is diverted.',
  NEW_MORE_SPECIFIC:
    'A more-specific of the registered prefix appeared from the expected origin; it may bypass Peering Service.',
  ROUTE_LEAK:
    'An AS next to the origin is neither the partner nor one of the expectedUpstreamAsns (checked only when those ' +
    'were given).',
  VISIBILITY_LOSS:
    'Fewer than VISIBILITY_THRESHOLD (default 50%) of the internet vantage points that saw the prefix in the last ' +
    '24 hours still see it.',
  VISIBILITY_RESTORED: 'Visibility is back at or above VISIBILITY_THRESHOLD after a VISIBILITY_LOSS.',
  VALIDATION_STATE_CHANGED:
    'The prefix changed validationState (see summary); level ERROR into FAILED, WARNING into WARNING, else INFORMATION.',
  LATENCY_DEGRADED:
    "A closed 5-minute bucket's p95 exceeded the prefix's threshold: max(2 x median, median + 20 ms) of the " +
    'trailing 24 hours of 5-minute p95s, once 12 such buckets exist. One event per episode.',
  LATENCY_RECOVERED: 'p95 latency has been back under the threshold for 2 consecutive 5-minute buckets.',
};

const eventTypeDescription = (type: PrefixEventType): string => {
  const { azure, level } = EVENT_TYPES[type];
  const azureName = azure === type ? 'No Azure equivalent' : `Azure ${azure}`;
  const levelText = type === 'VALIDATION_STATE_CHANGED' ? '' : ` Level ${level}.`;
  return `${EVENT_TYPE_DESCRIPTIONS[type]} ${azureName}.${levelText}`;
};

export const PrefixEventTypeEnum = builder.enumType('PrefixEventType', {
  description:
    "Route, visibility, validation and latency events. The Azure name (azureEventType) is given where Azure defines one, e.g. ORIGIN_AS_CHANGE is Azure's PrefixOriginAsChangeEvent. " +
    'The origin checks (ORIGIN_AS_CHANGE, BACKUP_ROUTE_ORIGIN_AS_CHANGE, MORE_SPECIFIC_HIJACK, NEW_MORE_SPECIFIC) run once the prefix has expected origin ASNs (given, or learned at first verification).',
  values: Object.fromEntries(
    PREFIX_EVENT_TYPES.map((type) => [type, { value: type, description: eventTypeDescription(type) }]),
  ) as Record<PrefixEventType, { value: PrefixEventType; description: string }>,
});

export const LatencyGranularityEnum = builder.enumType('LatencyGranularity', {
  description: 'The width of a latency bucket. Every sample lands in one bucket of each width.',
  values: {
    FIVE_MINUTES: {
      value: 'FIVE_MINUTES',
      description: 'Buckets of 5 minutes, aligned to the clock in UTC. Offered for ranges up to LAST_1_DAY.',
    },
    ONE_HOUR: {
      value: 'ONE_HOUR',
      description: 'Buckets of 1 hour, aligned to the hour in UTC. Offered for every range.',
    },
  } as const satisfies Record<(typeof LATENCY_GRANULARITIES)[number], { value: string; description: string }>,
});

export const LatencyRangeEnum = builder.enumType('LatencyRange', {
  description: 'How far back Prefix.latency looks from now: the buckets that start within the range.',
  values: {
    LAST_6_HOURS: { value: 6 * 3_600_000, description: 'The last 6 hours (default granularity FIVE_MINUTES).' },
    LAST_12_HOURS: { value: 12 * 3_600_000, description: 'The last 12 hours (default granularity FIVE_MINUTES).' },
    LAST_1_DAY: { value: 24 * 3_600_000, description: 'The last 24 hours (default granularity FIVE_MINUTES).' },
    LAST_7_DAYS: {
      value: 7 * 24 * 3_600_000,
      description: 'The last 7 days; ONE_HOUR only (FIVE_MINUTES is BAD_USER_INPUT).',
    },
    LAST_30_DAYS: {
      value: 30 * 24 * 3_600_000,
      description: 'The last 30 days, at most 720 hourly buckets; ONE_HOUR only (FIVE_MINUTES is BAD_USER_INPUT).',
    },
  } as const,
});

export const PrefixEventRef = builder.objectRef<PrefixEventRecord>('PrefixEvent');

builder.node(PrefixEventRef, {
  description:
    'One entry of the append-only prefix event log: a routing, visibility, validation or latency change of a registered ' +
    'prefix. Kept EVENT_RETENTION_DAYS (default 30) from recordedAt; visible to whoever may see its peering service.',
  id: { resolve: (e) => e.seq },
  loadMany: async (ids, ctx) => loadNodes(ctx.loaders.event, ids),
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque, strictly increasing; pass it as `after` to resume a stream or a page.',
      resolve: (e) => encodeCursor(EVENT_CURSOR_KIND, e.seq),
    }),
    occurredAt: t.expose('occurredAt', {
      type: 'DateTime',
      description:
        "When the routing change happened: the BGP update's own timestamp (for latency events, the end of the " +
        'bucket; for a validation timeout, when it was noticed). A replay of recorded history carries its original ' +
        'time here.',
    }),
    recordedAt: t.expose('recordedAt', {
      type: 'DateTime',
      description:
        'When peerwatch recorded the event (its arrival). Retention counts from here, so replayed history stays ' +
        'queryable for EVENT_RETENTION_DAYS after it arrived.',
    }),
    type: t.field({
      type: PrefixEventTypeEnum,
      description: 'What happened.',
      resolve: (e) => e.type as (typeof PREFIX_EVENT_TYPES)[number],
    }),
    azureEventType: t.exposeString('azureEventType', {
      description: 'The Azure event type name where one exists (e.g. PrefixOriginAsChangeEvent), else the type.',
    }),
    level: t.expose('level', {
      type: EventLevelEnum,
      description: 'Severity, fixed per type (VALIDATION_STATE_CHANGED: by the new state).',
    }),
    summary: t.exposeString('summary', { description: 'One line for lists and notifications, in English.' }),
    description: t.exposeString('description', {
      description: 'The full explanation in English: what was seen, where, and what to check.',
    }),
    prefix: t.field({
      type: PrefixRef,
      description: 'The registered prefix this event concerns.',
      resolve: (e, _a, ctx) => required(ctx.loaders.prefix.load(e.prefixId)),
    }),
    observedPrefix: t.exposeString('observedPrefix', {
      description:
        'The prefix as observed (may be a more-specific of the registered one; for latency events, the /24 or /48 ' +
        'it was measured at).',
    }),
    observedOriginAsn: t.expose('observedOriginAsn', {
      type: AsnScalar,
      nullable: true,
      description:
        'The origin AS of the route behind this event (null for events not about one route: withdrawals, visibility, ' +
        'validation, latency).',
    }),
    expectedOriginAsns: t.expose('expectedOriginAsns', {
      type: [AsnScalar],
      description: "The prefix's expected origin ASNs when the event was recorded.",
    }),
    asPath: t.expose('asPath', {
      type: [AsnScalar],
      nullable: true,
      description:
        'The AS path of the route behind this event, nearest AS first, origin last (AS_SETs flattened); null when the ' +
        'event is not about one route.',
    }),
    peersSeen: t.exposeInt('peersSeen', {
      nullable: true,
      description:
        'Distinct peers that observed the route behind this event (for visibility events: vantage points that still ' +
        'see the prefix); null for announcements, withdrawals, validation and latency events.',
    }),
  }),
});

export const ResyncRequiredRef = builder.objectRef<ResyncRequired>('ResyncRequired').implement({
  description: 'Sent first on a stream when `after` is older than the retained history: the client must refetch.',
  fields: (t) => ({
    oldestAvailableCursor: t.exposeString('oldestAvailableCursor', {
      nullable: true,
      description: 'Cursor of the oldest event still retained; null when no event is retained.',
    }),
    reason: t.exposeString('reason', { description: 'Why, in English, with what to do next.' }),
  }),
});

export const PrefixEventStreamItem = builder.unionType('PrefixEventStreamItem', {
  description:
    'An item of the prefixEvents subscription: a PrefixEvent, or a ResyncRequired first when `after` is past retention.',
  types: [PrefixEventRef, ResyncRequiredRef],
  resolveType: (item) => ('kind' in item && item.kind === 'ResyncRequired' ? ResyncRequiredRef : PrefixEventRef),
});

export const LatencyBucketRef = builder.objectRef<SeriesBucket>('LatencyBucket').implement({
  description:
    'Round-trip times in one time bucket. Percentiles come from a DDSketch (within 1% of exact); min/max/count are exact.',
  fields: (t) => ({
    start: t.expose('start', {
      type: 'DateTime',
      description: 'Start of the bucket (UTC); it covers [start, start + 5 minutes or 1 hour).',
    }),
    sampleCount: t.exposeInt('sampleCount', { description: 'How many samples fell in the bucket (at least 1).' }),
    p50Ms: t.exposeFloat('p50Ms', { description: 'Median round-trip time, in milliseconds.' }),
    p95Ms: t.exposeFloat('p95Ms', { description: '95th percentile round-trip time, in milliseconds.' }),
    p99Ms: t.exposeFloat('p99Ms', { description: '99th percentile round-trip time, in milliseconds.' }),
    minMs: t.exposeFloat('minMs', { description: 'Fastest sample, in milliseconds.' }),
    maxMs: t.exposeFloat('maxMs', { description: 'Slowest sample, in milliseconds.' }),
  }),
});

export const LatencySeriesRef = builder.objectRef<LatencySeries>('LatencySeries').implement({
  description: 'Latency of a prefix over a range, oldest bucket first.',
  fields: (t) => ({
    measuredPrefix: t.exposeString('measuredPrefix', {
      description:
        'Latency is reported at /24 (IPv4) or /48 (IPv6) at the finest; this is the prefix it was measured at.',
    }),
    granularity: t.expose('granularity', {
      type: LatencyGranularityEnum,
      description: 'The bucket width used (the one asked for, or the default for the range).',
    }),
    buckets: t.expose('buckets', {
      type: [LatencyBucketRef],
      description: 'Buckets that have samples, oldest first; a period without samples has no bucket (no gap filler).',
    }),
  }),
});

/** Shared by Query.prefixEvents and Prefix.events. */
export const PrefixEventConnectionRef = builder.connectionObject(
  {
    type: PrefixEventRef,
    name: 'PrefixEventConnection',
    description: 'A page of prefix events.',
    fields: (c) => ({
      totalCount: c.int({
        description: 'How many retained events match in all (not just this page).',
        resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount,
      }),
    }),
  },
  {
    name: 'PrefixEventEdge',
    description: 'A prefix event in a page, with its cursor (the same as PrefixEvent.cursor).',
  },
);

builder.objectFields(PrefixRef, (t) => ({
  events: t.connection(
    {
      type: PrefixEventRef,
      description: 'Events of this prefix in sequence order (oldest first; use `last` for the newest).',
      args: { minLevel: t.arg({ type: EventLevelEnum, description: 'Only events of this level or more severe.' }) },
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
      'Latency from buckets: FIVE_MINUTES (default up to 1 day) or ONE_HOUR (default beyond; FIVE_MINUTES is refused for 7 and 30 days with BAD_USER_INPUT). ' +
      'Measured at /24 (IPv4) or /48 (IPv6) at the finest, see measuredPrefix.',
    args: {
      range: t.arg({ type: LatencyRangeEnum, required: true, description: 'How far back from now.' }),
      granularity: t.arg({
        type: LatencyGranularityEnum,
        description: 'Bucket width; default FIVE_MINUTES up to LAST_1_DAY, ONE_HOUR beyond.',
      }),
    },
    resolve: (p, args, ctx) => latencySeries(ctx.deps.db, p, args.range, args.granularity, ctx.deps.clock.now()),
  }),
}));

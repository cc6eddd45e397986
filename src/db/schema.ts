import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Tables: plural snake_case, camelCase keys, explicit foreign keys with onDelete.
 * Times are stored as integer milliseconds since the epoch (mode 'timestamp_ms').
 * JSON-ish columns (markets, tags, ASN lists, AS paths) are TEXT with mode 'json'.
 */

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' }).notNull().default(sql`(cast(unixepoch('subsec') * 1000 as integer))`);

// ---------------------------------------------------------------- catalogue

export const peeringLocations = sqliteTable(
  'peering_locations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    country: text('country').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
  },
  (t) => [uniqueIndex('peering_locations_name_idx').on(sql`lower(${t.name})`)],
);

export const partners = sqliteTable(
  'partners',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['ISP', 'IXP'] }).notNull(),
    asn: integer('asn').notNull(),
    markets: text('markets', { mode: 'json' }).$type<string[]>().notNull(),
    /** Provenance of seeded facts; null for partners created through the API. */
    source: text('source'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('partners_name_idx').on(sql`lower(${t.name})`)],
);

export const partnerPeeringLocations = sqliteTable(
  'partner_peering_locations',
  {
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    peeringLocationId: integer('peering_location_id')
      .notNull()
      .references(() => peeringLocations.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.partnerId, t.peeringLocationId] }),
    index('partner_peering_locations_location_idx').on(t.peeringLocationId),
  ],
);

export const BGP_SESSION_STATES = ['UNKNOWN', 'ESTABLISHED', 'DOWN'] as const;
export type BgpSessionState = (typeof BGP_SESSION_STATES)[number];

export const peeringSessions = sqliteTable(
  'peering_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    peeringLocationId: integer('peering_location_id')
      .notNull()
      .references(() => peeringLocations.id, { onDelete: 'restrict' }),
    routerName: text('router_name').notNull(),
    /** The partner's address on the session: the `peer` of route updates it sends. */
    peerAddress: text('peer_address').notNull(),
    /** True for the synthetic sessions seeded for the demo catalogue. */
    demo: integer('demo', { mode: 'boolean' }).notNull().default(false),
    /** BGP state as last reported by a feed (RIS_PEER_STATE); UNKNOWN until one reports it. */
    state: text('state', { enum: BGP_SESSION_STATES }).notNull().default('UNKNOWN'),
    /** BGP time (ms) of the report that last changed `state`. */
    stateChangedAt: integer('state_changed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('peering_sessions_peer_address_idx').on(t.peerAddress),
    index('peering_sessions_partner_location_idx').on(t.partnerId, t.peeringLocationId),
  ],
);

export const countries = sqliteTable(
  'countries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
  },
  (t) => [uniqueIndex('countries_name_idx').on(sql`lower(${t.name})`)],
);

export const customerLocations = sqliteTable(
  'customer_locations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    countryId: integer('country_id')
      .notNull()
      .references(() => countries.id, { onDelete: 'cascade' }),
    state: text('state').notNull(),
    azureRegion: text('azure_region').notNull(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
  },
  (t) => [uniqueIndex('customer_locations_country_state_idx').on(t.countryId, sql`lower(${t.state})`)],
);

// ---------------------------------------------------------------- identity

export const customers = sqliteTable(
  'customers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('customers_name_idx').on(sql`lower(${t.name})`)],
);

export const ROLES = ['OPERATOR', 'PARTNER', 'CUSTOMER', 'COLLECTOR'] as const;
export type Role = (typeof ROLES)[number];

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** sha256 of the token, hex. The token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    customerId: integer('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    partnerId: integer('partner_id').references(() => partners.id, { onDelete: 'cascade' }),
    description: text('description'),
    createdAt: createdAt(),
    /** Refused from this instant on (null: never expires). */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    /** Set once by revokeApiToken; a revoked token is refused on every transport. */
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    /** Last successful authentication, written at most once a minute per token (not a write per request). */
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_idx').on(t.tokenHash)],
);

// ---------------------------------------------------------------- registration

export const PROVISIONING_STATES = ['SUCCEEDED', 'UPDATING', 'DELETING', 'FAILED'] as const;

export const peeringServices = sqliteTable(
  'peering_services',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'restrict' }),
    customerLocationId: integer('customer_location_id')
      .notNull()
      .references(() => customerLocations.id, { onDelete: 'restrict' }),
    primaryPeeringLocationId: integer('primary_peering_location_id')
      .notNull()
      .references(() => peeringLocations.id, { onDelete: 'restrict' }),
    backupPeeringLocationId: integer('backup_peering_location_id').references(() => peeringLocations.id, {
      onDelete: 'restrict',
    }),
    provisioningState: text('provisioning_state', { enum: PROVISIONING_STATES }).notNull().default('SUCCEEDED'),
    tags: text('tags', { mode: 'json' }).$type<{ key: string; value: string }[]>().notNull().default(sql`'[]'`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('peering_services_customer_name_idx').on(t.customerId, sql`lower(${t.name})`),
    // A customer's services in id order (entries are (customer_id, rowid)): its list pages need no sort.
    index('peering_services_customer_idx').on(t.customerId),
    index('peering_services_partner_idx').on(t.partnerId),
  ],
);

/** Prefix keys issued by partners (`registerPartnerPrefix`). A prefix is registered under one partner only. */
export const partnerPrefixRegistrations = sqliteTable(
  'partner_prefix_registrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    prefix: text('prefix').notNull(),
    family: integer('family').notNull(),
    rangeStart: text('range_start').notNull(),
    rangeEnd: text('range_end').notNull(),
    prefixKey: text('prefix_key').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('partner_prefix_registrations_prefix_idx').on(t.prefix),
    index('partner_prefix_registrations_family_range_start_idx').on(t.family, t.rangeStart),
    uniqueIndex('partner_prefix_registrations_prefix_key_idx').on(t.prefixKey),
  ],
);

export const VALIDATION_STATES = ['NONE', 'INVALID', 'VERIFIED', 'FAILED', 'PENDING', 'WARNING', 'UNKNOWN'] as const;
export type ValidationState = (typeof VALIDATION_STATES)[number];
export const LEARNED_TYPES = ['NONE', 'VIA_SERVICE_PROVIDER', 'VIA_SESSION'] as const;
export type LearnedType = (typeof LEARNED_TYPES)[number];

export const prefixes = sqliteTable(
  'prefixes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    peeringServiceId: integer('peering_service_id')
      .notNull()
      .references(() => peeringServices.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Normalised CIDR. */
    prefix: text('prefix').notNull(),
    /** 4 or 6. */
    family: integer('family').notNull(),
    /** First and last address as fixed-width hex, so that SQL can compare ranges (overlap, containment). */
    rangeStart: text('range_start').notNull(),
    rangeEnd: text('range_end').notNull(),
    prefixKey: text('prefix_key').notNull(),
    validationState: text('validation_state', { enum: VALIDATION_STATES }).notNull().default('PENDING'),
    learnedType: text('learned_type', { enum: LEARNED_TYPES }).notNull().default('NONE'),
    errorMessage: text('error_message'),
    validatedAt: integer('validated_at', { mode: 'timestamp_ms' }),
    expectedOriginAsns: text('expected_origin_asns', { mode: 'json' }).$type<number[]>().notNull().default(sql`'[]'`),
    expectedUpstreamAsns: text('expected_upstream_asns', { mode: 'json' })
      .$type<number[]>()
      .notNull()
      .default(sql`'[]'`),
    /** 5-minute p95 above which LATENCY_DEGRADED is raised; null: derived from the trailing 24 h. */
    latencyThresholdMs: real('latency_threshold_ms'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('prefixes_peering_service_name_idx').on(t.peeringServiceId, sql`lower(${t.name})`),
    uniqueIndex('prefixes_prefix_idx').on(t.prefix),
    // A service's prefixes in id order (its entries are (peering_service_id, rowid)): list pages read their keys here.
    index('prefixes_peering_service_idx').on(t.peeringServiceId),
    index('prefixes_family_range_start_idx').on(t.family, t.rangeStart),
    index('prefixes_validation_state_idx').on(t.validationState),
  ],
);

// ---------------------------------------------------------------- telemetry

/** Current route per (peer, prefix). Kept after a withdrawal (announced = false) for visibility ratios. */
export const routeStates = sqliteTable(
  'route_states',
  {
    peer: text('peer').notNull(),
    prefix: text('prefix').notNull(),
    family: integer('family').notNull(),
    rangeStart: text('range_start').notNull(),
    rangeEnd: text('range_end').notNull(),
    peerAsn: integer('peer_asn').notNull(),
    host: text('host').notNull(),
    /** Set when `peer` is a partner session's peerAddress. */
    sessionId: integer('session_id').references(() => peeringSessions.id, { onDelete: 'set null' }),
    announced: integer('announced', { mode: 'boolean' }).notNull(),
    asPath: text('as_path', { mode: 'json' }).$type<number[]>().notNull(),
    originAsn: integer('origin_asn'),
    communities: text('communities', { mode: 'json' }).$type<[number, number][]>().notNull(),
    /** Update time (ms) of the last announcement from this peer. */
    lastAnnouncedAt: integer('last_announced_at').notNull(),
    /** Update time (ms) of the last change. */
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.peer, t.prefix] }),
    // Reads go by (peer, prefix) (the primary key, which also serves a peer's routes) or by address range (the
    // analysis of a registered prefix); no query selects by prefix alone, so there is no index on it.
    index('route_states_family_range_start_idx').on(t.family, t.rangeStart),
  ],
);

/** Raw accepted BGP updates that touched a watched prefix or came from a partner session; pruned by retention. */
export const routeUpdates = sqliteTable(
  'route_updates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    receivedAt: integer('received_at').notNull(),
    timestamp: integer('timestamp').notNull(),
    host: text('host').notNull(),
    peer: text('peer').notNull(),
    peerAsn: integer('peer_asn').notNull(),
    message: text('message', { mode: 'json' }).notNull(),
  },
  (t) => [index('route_updates_received_at_idx').on(t.receivedAt)],
);

export const EVENT_LEVELS = ['INFORMATION', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type EventLevel = (typeof EVENT_LEVELS)[number];

/** Append-only event log. `seq` is the cursor: strictly increasing, never reused (AUTOINCREMENT). */
export const prefixEvents = sqliteTable(
  'prefix_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    prefixId: integer('prefix_id')
      .notNull()
      .references(() => prefixes.id, { onDelete: 'cascade' }),
    peeringServiceId: integer('peering_service_id').notNull(),
    customerId: integer('customer_id').notNull(),
    partnerId: integer('partner_id').notNull(),
    /** ms since the epoch (plain integer, so the row is JSON as it is for pubsub). */
    occurredAt: integer('occurred_at').notNull(),
    /** ms since the epoch when peerwatch recorded the event (arrival time). Retention counts from here. */
    recordedAt: integer('recorded_at').notNull().default(0),
    type: text('type').notNull(),
    azureEventType: text('azure_event_type').notNull(),
    level: text('level', { enum: EVENT_LEVELS }).notNull(),
    levelRank: integer('level_rank').notNull(),
    summary: text('summary').notNull(),
    description: text('description').notNull(),
    observedPrefix: text('observed_prefix').notNull(),
    observedFamily: integer('observed_family').notNull(),
    observedRangeStart: text('observed_range_start').notNull(),
    observedRangeEnd: text('observed_range_end').notNull(),
    observedOriginAsn: integer('observed_origin_asn'),
    expectedOriginAsns: text('expected_origin_asns', { mode: 'json' }).$type<number[]>().notNull(),
    asPath: text('as_path', { mode: 'json' }).$type<number[] | null>(),
    peersSeen: integer('peers_seen'),
  },
  (t) => [
    index('prefix_events_prefix_seq_idx').on(t.prefixId, t.seq),
    index('prefix_events_service_seq_idx').on(t.peeringServiceId, t.seq),
    index('prefix_events_customer_seq_idx').on(t.customerId, t.seq),
    index('prefix_events_partner_seq_idx').on(t.partnerId, t.seq),
    // Every event insert pays for each index, so the log keeps only those its reads use (EXPLAIN QUERY PLAN): pages
    // and replay go by scope or filter and seq. Not indexed: occurred_at (since/until pages are ordered by seq, so
    // SQLite walks seq or a scope index and filters by time) and recorded_at (retention: it grows with seq, so the
    // events to prune are the start of the log, found by walking seq; see pruneEvents).
  ],
);

/**
 * Watch state per prefix: open conditions (an ongoing hijack, leak, visibility loss...), so each raises one
 * event until it clears, and bookkeeping such as the current best path per location.
 */
export const prefixWatchState = sqliteTable(
  'prefix_watch_state',
  {
    prefixId: integer('prefix_id')
      .notNull()
      .references(() => prefixes.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    data: text('data', { mode: 'json' }),
    openedAt: integer('opened_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.prefixId, t.key] })],
);

/** Key/value bookkeeping for the telemetry engine (e.g. the highest pruned event sequence). */
export const telemetryMeta = sqliteTable('telemetry_meta', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
});

export const LATENCY_GRANULARITIES = ['FIVE_MINUTES', 'ONE_HOUR'] as const;
export type LatencyGranularity = (typeof LATENCY_GRANULARITIES)[number];

/** Latency rollups per measured prefix (/24 for IPv4, /48 for IPv6) with a mergeable DDSketch per bucket. */
export const latencyBuckets = sqliteTable(
  'latency_buckets',
  {
    measuredPrefix: text('measured_prefix').notNull(),
    granularity: text('granularity', { enum: LATENCY_GRANULARITIES }).notNull(),
    /** Bucket start, ms since the epoch. */
    start: integer('start').notNull(),
    sampleCount: integer('sample_count').notNull(),
    minMs: real('min_ms').notNull(),
    maxMs: real('max_ms').notNull(),
    p50Ms: real('p50_ms').notNull(),
    p95Ms: real('p95_ms').notNull(),
    p99Ms: real('p99_ms').notNull(),
    sketch: blob('sketch', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.measuredPrefix, t.granularity, t.start] })],
);

// ---------------------------------------------------------------- feeds

export const FEED_KINDS = ['RIS_LIVE', 'EXABGP', 'HTTP'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

/**
 * Sources of BGP data, one row per (kind, name): the RIS Live connection, each ExaBGP bridge (named by its host
 * name), each HTTP collector (named by the `host` of its updates). Written once per ingested batch, so every process
 * sharing the database sees the same feeds. Times are ms since the epoch from the injected clock (arrival times).
 */
export const feeds = sqliteTable(
  'feeds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: FEED_KINDS }).notNull(),
    name: text('name').notNull(),
    /** Well-formed BGP messages received (UPDATEs and peer state changes). */
    messagesReceived: integer('messages_received').notNull().default(0),
    /** Arrival of the last BGP message. */
    lastMessageAt: integer('last_message_at'),
    /** Last sign of life: a message, an ExaBGP heartbeat (an empty POST) or a RIS Live pong. */
    lastSeenAt: integer('last_seen_at'),
    /** RIS Live: the socket is open (written by the process that holds it). Null for feeds that push. */
    connected: integer('connected', { mode: 'boolean' }),
    reconnects: integer('reconnects').notNull().default(0),
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
    /** The last interval in which messages may have been missed (RIS Live keeps no replay). */
    gapStartedAt: integer('gap_started_at'),
    gapEndedAt: integer('gap_ended_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('feeds_kind_name_idx').on(t.kind, t.name)],
);

// ---------------------------------------------------------------- coordination

/**
 * Leases for work that must run in one process at a time (the telemetry tick: validation timeouts, closing latency
 * buckets, retention). A holder renews its lease before it expires; another process takes it over once it has.
 */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  /** host:pid:random of the process holding it. */
  holder: text('holder').notNull(),
  /** ms since the epoch; past it, any process may take the lease. */
  expiresAt: integer('expires_at').notNull(),
});

import { z } from 'zod';

/**
 * The only module that reads process.env. Every problem is listed at once; the process exits with a
 * clear message rather than starting half-configured.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  DATABASE_PATH: z.string().min(1).default('./data/peerwatch.db'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPERATOR_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (it grants every permission)')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  GRAPHIQL: bool.default(true),
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /**
   * A trusted-documents manifest (JSON: hash -> document, as GraphQL Code Generator's client preset or the Relay
   * compiler emit it). Clients may then send `documentId` instead of `query`.
   */
  PERSISTED_OPERATIONS: z.string().min(1).optional(),
  /**
   * Refuse every operation that is not a trusted document: the dashboard's (always trusted) or PERSISTED_OPERATIONS'.
   */
  PERSISTED_OPERATIONS_ONLY: bool.default(false),
  /**
   * Browser origins allowed to call the API (comma-separated, e.g. https://dash.example.com). Unset: any origin, without
   * credentials (bearer tokens need none).
   */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => {
      const list = (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      return list.length ? list : null;
    })
    .pipe(z.array(z.string().url('each origin must be a URL such as https://dash.example.com')).nullable()),
  INTROSPECTION: bool.default(true),
  /** Largest accepted HTTP request body for /graphql, in bytes. */
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Largest accepted body for POST /ingest/ris (NDJSON), in bytes. */
  INGEST_MAX_BODY_BYTES: int(1024, 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  /** Longest accepted NDJSON line on POST /ingest/ris, in bytes; a longer line is skipped and reported. */
  INGEST_MAX_LINE_BYTES: int(256, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_DEPTH: int(2, 50).default(12),
  MAX_ALIASES: int(1, 200).default(20),
  MAX_TOKENS: int(100, 100_000).default(4000),
  /** Query cost limit: fields, multiplied by page sizes (see src/schema/builder.ts). */
  MAX_COST: int(100, 10_000_000).default(50_000),
  /** Seconds between server pings on idle graphql-ws connections. */
  WS_KEEPALIVE_SECONDS: int(0, 3600).default(12),
  /** A PENDING prefix with no announcement turns FAILED after this many seconds. */
  VALIDATION_TIMEOUT_SECONDS: int(1, 30 * 24 * 3600).default(900),
  /** Distinct peers that must see an unexpected origin/more-specific/leak before it is reported. */
  HIJACK_MIN_PEERS: int(1, 1000).default(2),
  VISIBILITY_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  EVENT_RETENTION_DAYS: int(1, 3650).default(30),
  ROUTE_HISTORY_RETENTION_HOURS: int(1, 24 * 365).default(24),
  LATENCY_RETENTION_DAYS: int(1, 3650).default(35),
  /** Events queued for one subscription before it is ended as too slow. */
  SUBSCRIPTION_QUEUE_LIMIT: int(10, 1_000_000).default(1000),
  /** Active operations (subscriptions and in-flight queries) on one graphql-ws socket; more are refused. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 10_000).default(20),
  /** Subscriptions reading replay pages at once (process-wide); the others wait their turn. */
  MAX_CONCURRENT_REPLAYS: int(1, 1000).default(4),
  /** How often the telemetry engine runs time-based work (timeouts, bucket closing, retention). */
  TELEMETRY_TICK_SECONDS: int(1, 3600).default(15),
  /**
   * With several processes on one database, the periodic work runs in the one holding a lease of this many seconds
   * (renewed every tick); another takes over within this time when the holder dies. Must exceed the tick.
   */
  LEASE_SECONDS: int(2, 3600).default(45),
  /** At shutdown, how long in-flight HTTP requests may take to finish before their connections are cut. */
  SHUTDOWN_GRACE_SECONDS: int(0, 600).default(10),
  /** A feed with no sign of life for this long is reported stale (log warning, /health detail). */
  FEED_STALE_SECONDS: int(1, 30 * 24 * 3600).default(300),
  /**
   * Redis (redis:// or rediss://) carrying the notification that events, validation changes or latency buckets were
   * committed, so that several processes sharing DATABASE_PATH serve the same live streams. Unset: one process,
   * in-memory pubsub.
   */
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Prefix of the Redis channels, so that several deployments can share one Redis. */
  REDIS_CHANNEL_PREFIX: z.string().min(1).max(100).default('peerwatch:'),
  /**
   * With REDIS_URL: how often each process also reads the event log for commits it was not told about (while Redis
   * is down, this is how live streams keep flowing).
   */
  BUS_POLL_MS: int(50, 60_000).default(1000),
  /** Worker processes behind one port (node:cluster). More than one needs REDIS_URL. */
  WORKERS: int(1, 64).default(1),
  /** Set by the cluster primary in each worker it forks (1..WORKERS); not for operators to set. */
  PEERWATCH_WORKER: int(1, 64).optional(),
  /**
   * RIS Live WebSocket endpoint, e.g. wss://ris-live.ripe.net/v1/ws/?client=peerwatch. Unset: no RIS Live connection.
   */
  RIS_LIVE_URL: z
    .url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Reconnect backoff: first delay and cap (exponential with jitter). */
  RIS_LIVE_BACKOFF_MS: int(1, 3_600_000).default(1000),
  RIS_LIVE_BACKOFF_MAX_MS: int(1, 3_600_000).default(60_000),
  /** Seconds between pings on the RIS Live socket; silence for two periods (at least 10 s) ends it and reconnects. */
  RIS_LIVE_PING_SECONDS: z.coerce.number().gt(0).max(3600).default(30),
  /** RIS Live messages are applied in batches: at most this many milliseconds after the first one waits. */
  RIS_LIVE_BATCH_MS: int(1, 60_000).default(250),
});

const CheckedEnvSchema = EnvSchema.superRefine((env, ctx) => {
  if (env.WORKERS > 1 && !env.REDIS_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORKERS'],
      message: 'more than one worker needs REDIS_URL (the event bus between processes)',
    });
  }
  if (env.LEASE_SECONDS <= env.TELEMETRY_TICK_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['LEASE_SECONDS'],
      message: `must be longer than TELEMETRY_TICK_SECONDS (${env.TELEMETRY_TICK_SECONDS}), or the lease lapses between ticks`,
    });
  }
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parses an environment (process.env by default). Throws EnvError listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = CheckedEnvSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

/** Defaults for tests and embedding: the schema's defaults with the given overrides. */
export function testEnv(overrides: Partial<Env> = {}): Env {
  return { ...parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), ...overrides };
}

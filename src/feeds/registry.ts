import type { Clock } from '../clock.js';
import type { DB } from '../db/client.js';
import type { FeedKind } from '../db/schema.js';
import type { Env } from '../env.js';
import type { Logger } from '../observability/logger.js';
import type { RouteUpdate } from '../telemetry/route-input.js';

/**
 * The feeds registry: one row per source of BGP data (the `feeds` table), written once per ingested batch inside the
 * batch's transaction, so that every process sharing the database reports the same feeds.
 */

/**
 * Where a batch came from. HTTP batches count for one feed per collector `host` of their updates; the others name
 * their feed.
 */
export type FeedSource = { kind: 'HTTP' } | { kind: 'RIS_LIVE' | 'EXABGP'; name: string };

export const HTTP_FEEDS: FeedSource = { kind: 'HTTP' };

export interface FeedRow {
  kind: FeedKind;
  name: string;
  messagesReceived: number;
  lastMessageAt: number | null;
  lastSeenAt: number | null;
  /** As stored (RIS Live: written by the process holding the socket). */
  connectedFlag: number | null;
  reconnects: number;
  lastError: string | null;
  lastErrorAt: number | null;
  gapStartedAt: number | null;
  gapEndedAt: number | null;
  createdAt: number;
}

/** A feed as the API shows it: `connected` and `stale` are derived at read time. */
export interface FeedView extends FeedRow {
  connected: boolean | null;
  stale: boolean;
}

const COLUMNS = `kind, name, messages_received as messagesReceived, last_message_at as lastMessageAt,
  last_seen_at as lastSeenAt, connected as connectedFlag, reconnects, last_error as lastError,
  last_error_at as lastErrorAt, gap_started_at as gapStartedAt, gap_ended_at as gapEndedAt, created_at as createdAt`;

function feedStatements(db: DB) {
  const client = db.$client;
  const ensure = client.prepare(
    `insert into feeds (kind, name, created_at) values (?, ?, ?) on conflict (kind, name) do nothing`,
  );
  const messages = client.prepare(`
    insert into feeds (kind, name, messages_received, last_message_at, last_seen_at, created_at)
    values (@kind, @name, @count, @now, @now, @now)
    on conflict (kind, name) do update set messages_received = messages_received + excluded.messages_received,
      last_message_at = excluded.last_message_at, last_seen_at = excluded.last_seen_at`);
  const seen = client.prepare('update feeds set last_seen_at = ? where kind = ? and name = ?');
  const connected = client.prepare('update feeds set connected = ? where kind = ? and name = ?');
  const error = client.prepare('update feeds set last_error = ?, last_error_at = ? where kind = ? and name = ?');
  const reconnected = client.prepare(
    `update feeds set reconnects = reconnects + @add, connected = 1, last_seen_at = @now,
       gap_started_at = coalesce(@gapSince, gap_started_at),
       gap_ended_at = case when @gapSince is null then gap_ended_at else @now end
     where kind = @kind and name = @name`,
  );
  const all = client.prepare(`select ${COLUMNS} from feeds order by kind, name`);
  const one = client.prepare(`select ${COLUMNS} from feeds where kind = ? and name = ?`);
  return { ensure, messages, seen, connected, error, reconnected, all, one };
}

export class FeedRegistry {
  private statements: ReturnType<typeof feedStatements> | null = null;
  /** Feeds this process has reported stale (kind|name), so each is logged once per stale spell. */
  private reportedStale = new Set<string>();

  constructor(private readonly deps: { db: DB; clock: Clock; logger: Logger; env: Pick<Env, 'FEED_STALE_SECONDS'> }) {}

  /** Prepared on first use (the database must be migrated by then). */
  private get q() {
    this.statements ??= feedStatements(this.deps.db);
    return this.statements;
  }

  private get staleMs() {
    return this.deps.env.FEED_STALE_SECONDS * 1000;
  }

  /** Counts a batch of accepted messages; call it inside the batch's transaction. */
  recordBatch(source: FeedSource, updates: RouteUpdate[], now: number): void {
    if (!updates.length) return;
    if (source.kind !== 'HTTP') {
      this.q.messages.run({ kind: source.kind, name: source.name, count: updates.length, now });
      return;
    }
    const byHost = new Map<string, number>();
    for (const u of updates) byHost.set(u.host, (byHost.get(u.host) ?? 0) + 1);
    for (const [name, count] of byHost) this.q.messages.run({ kind: 'HTTP', name, count, now });
  }

  /** A sign of life without BGP messages: an ExaBGP heartbeat (an empty POST), a RIS Live pong. */
  seen(kind: FeedKind, name: string): void {
    const now = this.deps.clock.now();
    this.q.ensure.run(kind, name, now);
    this.q.seen.run(now, kind, name);
  }

  /** Makes sure a row exists (e.g. the RIS Live feed before its first connection). */
  ensure(kind: FeedKind, name: string): FeedRow {
    this.q.ensure.run(kind, name, this.deps.clock.now());
    return this.q.one.get(kind, name) as FeedRow;
  }

  setConnected(kind: FeedKind, name: string, connected: boolean): void {
    this.q.ensure.run(kind, name, this.deps.clock.now());
    this.q.connected.run(connected ? 1 : 0, kind, name);
  }

  recordError(kind: FeedKind, name: string, message: string): void {
    const now = this.deps.clock.now();
    this.q.ensure.run(kind, name, now);
    this.q.error.run(message.slice(0, 500), now, kind, name);
  }

  /**
   * The connection is up. `reconnect`: it had been up before (counts in `reconnects`). `gapSince`: messages may have
   * been missed since then, up to now.
   */
  connectionOpened(kind: FeedKind, name: string, options: { reconnect: boolean; gapSince: number | null }): void {
    const now = this.deps.clock.now();
    this.q.ensure.run(kind, name, now);
    this.q.reconnected.run({ now, add: options.reconnect ? 1 : 0, gapSince: options.gapSince, kind, name });
  }

  private view(row: FeedRow, now: number): FeedView {
    const stale = now - (row.lastSeenAt ?? row.createdAt) > this.staleMs;
    const connected =
      row.kind === 'HTTP'
        ? null
        : row.kind === 'EXABGP'
          ? row.lastSeenAt != null && !stale
          : row.connectedFlag === 1 && !stale;
    return { ...row, connected, stale };
  }

  list(): FeedView[] {
    const now = this.deps.clock.now();
    return (this.q.all.all() as FeedRow[]).map((row) => this.view(row, now));
  }

  get(kind: FeedKind, name: string): FeedView | null {
    const row = this.q.one.get(kind, name) as FeedRow | undefined;
    return row ? this.view(row, this.deps.clock.now()) : null;
  }

  stale(): FeedView[] {
    return this.list().filter((f) => f.stale);
  }

  /** Logs a warning once for each feed that went stale, and a note when it is heard from again. */
  reportStale(): void {
    const now = this.deps.clock.now();
    const stale = new Set<string>();
    for (const feed of this.list()) {
      const key = `${feed.kind}|${feed.name}`;
      if (!feed.stale) continue;
      stale.add(key);
      if (this.reportedStale.has(key)) continue;
      this.deps.logger.warn(
        {
          feed: { kind: feed.kind, name: feed.name },
          lastSeenAt: feed.lastSeenAt == null ? null : new Date(feed.lastSeenAt).toISOString(),
          silentSeconds: Math.round((now - (feed.lastSeenAt ?? feed.createdAt)) / 1000),
        },
        `feed ${feed.kind} ${feed.name} is stale: silent for more than ${this.deps.env.FEED_STALE_SECONDS} s`,
      );
    }
    for (const key of this.reportedStale) {
      if (!stale.has(key)) this.deps.logger.info({ feed: key }, 'feed is live again');
    }
    this.reportedStale = stale;
  }
}

import { randomUUID } from 'node:crypto';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DB } from '../db/client.js';
import { validationOfChange } from '../domain/events.js';
import {
  type AppPubSub,
  createTypedPubSub,
  type PubSubChannels,
  type Topic,
  type TypedPubSub,
  type ValidationChangeMessage,
} from '../pubsub.js';
import { eventsAfterReader, latestSeq, type PrefixEventRecord } from '../telemetry/event-log.js';

/**
 * The event bus between processes that share one database.
 *
 * The SQLite event log stays the source of truth: Redis only carries the notification "events up to seq N were
 * committed". Every process keeps one cursor (the last sequence it handed to its own subscribers) and, when told,
 * reads the log after it and publishes what it finds to its in-process pubsub, in sequence order. SQLite serialises
 * writers and `seq` is assigned inside the writing transaction, so commit order is sequence order and a reader never
 * sees a gap that fills later. A subscriber therefore gets every event once, in order, whichever process committed
 * it; and a notification lost while Redis is away costs nothing: the log is read again on reconnect and every
 * BUS_POLL_MS meanwhile.
 *
 * Validation changes are derived from the same read (each one is a VALIDATION_STATE_CHANGED event in the log), so
 * they share that guarantee. The other topics (latency bucket pushes, token revocations, registered prefixes) are
 * small messages relayed as they are; while Redis is away they wait in a bounded queue and go out when it returns.
 * Latency pushes carry "this bucket changed" (a bucket may come twice by contract), revocations are re-checked every
 * second by each process anyway, and the RIS Live client re-reads the registered prefixes at every ping and reconnect.
 */
export interface EventBus {
  /** What the engine and services publish to, and what subscriptions subscribe to. */
  readonly pubsub: AppPubSub;
  status(): BusStatus;
  start(): void;
  close(): Promise<void>;
}

export type BusStatus =
  | { mode: 'in-process' }
  | { mode: 'redis'; connected: boolean; lastSeq: number; disconnectedSince: string | null };

export interface BusOptions {
  db: DB;
  /** The in-process pubsub that subscriptions listen to. */
  local: AppPubSub;
  logger: Logger;
  redisUrl?: string | undefined;
  channelPrefix: string;
  pollMs: number;
}

export function createEventBus(options: BusOptions): EventBus {
  if (!options.redisUrl) {
    return { pubsub: options.local, status: () => ({ mode: 'in-process' }), start() {}, async close() {} };
  }
  return new RedisEventBus({ ...options, redisUrl: options.redisUrl });
}

/** Messages on the Redis channels. */
type BusChannels = {
  /** Events up to `seq` are committed (by process `origin`). */
  committed: { origin: string; seq: number };
  /** A message of another topic, relayed as is. */
  relay: { origin: string; topic: RelayedTopic; payload: unknown };
};
type RelayedTopic = Exclude<Topic, 'telemetry:prefix-events' | 'telemetry:prefix-validation'>;

/** Log pages read per step when catching up (the pubsub message per page stays bounded). */
const PAGE = 1000;
/** Relayed messages kept while Redis is away; older ones are dropped first (and logged). */
const PENDING_LIMIT = 10_000;

class RedisEventBus implements EventBus {
  readonly pubsub: AppPubSub;
  private readonly id = randomUUID();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels: TypedPubSub<BusChannels>;
  private lastSeq: number | null = null;
  private readAfter: ((afterSeq: number) => PrefixEventRecord[]) | null = null;
  private readonly pending: BusChannels['relay'][] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;
  private disconnectedSince: number | null = Date.now();
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: BusOptions & { redisUrl: string }) {
    const { logger } = options;
    const connection = {
      // Commands wait for a reconnect instead of failing; this bus only publishes while connected, so nothing queues
      // up without bound.
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
      lazyConnect: true,
    } as const;
    this.publisher = new Redis(options.redisUrl, { ...connection, connectionName: 'peerwatch-publish' });
    this.subscriber = new Redis(options.redisUrl, { ...connection, connectionName: 'peerwatch-subscribe' });
    let lastError = '';
    for (const client of [this.publisher, this.subscriber]) {
      client.on('error', (error: Error) => {
        // ioredis reports every failed reconnect attempt; log each distinct error once per outage.
        if (error.message === lastError) return;
        lastError = error.message;
        logger.warn({ err: { message: error.message } }, 'redis: connection error');
      });
      client.on('ready', () => this.onConnectionChange());
      client.on('close', () => this.onConnectionChange());
    }
    const prefixed = {
      addEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) =>
        target.addEventListener(options.channelPrefix + type, listener),
      removeEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) =>
        target.removeEventListener(options.channelPrefix + type, listener),
      dispatchEvent: (event: Event) =>
        target.dispatchEvent(
          new CustomEvent(options.channelPrefix + event.type, { detail: (event as CustomEvent).detail }),
        ),
    };
    const target = createRedisEventTarget({ publishClient: this.publisher, subscribeClient: this.subscriber });
    this.channels = createTypedPubSub<BusChannels>({
      eventTarget: prefixed as unknown as EventTarget,
      onListenerError: (error) => logger.error({ err: error }, 'redis bus: listener failed'),
    });

    const local = options.local;
    this.pubsub = {
      subscribe: (topic, listener) => local.subscribe(topic, listener),
      publish: (topic, payload) => {
        if (topic === 'telemetry:prefix-events') {
          this.committed(payload as PubSubChannels['telemetry:prefix-events']);
        } else if (topic === 'telemetry:prefix-validation') {
          // derived from the VALIDATION_STATE_CHANGED events of the log (see committed)
        } else {
          local.publish(topic, payload);
          this.relay(topic as RelayedTopic, payload);
        }
      },
    };
  }

  start(): void {
    this.lastSeq ??= latestSeq(this.options.db);
    const { channels, id } = this;
    this.unsubscribe.push(
      channels.subscribe('committed', (message) => {
        if (message.seq > (this.lastSeq ?? 0)) this.drain();
      }),
      channels.subscribe('relay', (message) => {
        if (message.origin !== id) this.options.local.publish(message.topic, message.payload as never);
      }),
    );
    this.timer = setInterval(() => this.drain(), this.options.pollMs);
    this.timer.unref();
    for (const client of [this.publisher, this.subscriber]) {
      // connect() rejects when the first attempt fails; the retry strategy keeps trying and 'error' logs it.
      client.connect().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
    // QUIT politely when connected (bounded: a command would wait for a reconnect forever), else just drop.
    await Promise.allSettled(
      [this.publisher, this.subscriber].map((client) => {
        if (client.status !== 'ready') return undefined;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        });
        return Promise.race([client.quit(), late]).finally(() => clearTimeout(timer));
      }),
    );
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  status(): BusStatus {
    return {
      mode: 'redis',
      connected: this.connected,
      lastSeq: this.lastSeq ?? 0,
      disconnectedSince: this.disconnectedSince == null ? null : new Date(this.disconnectedSince).toISOString(),
    };
  }

  private get connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  private onConnectionChange(): void {
    if (!this.connected) {
      if (this.disconnectedSince == null) {
        this.disconnectedSince = Date.now();
        this.options.logger.warn('redis: disconnected; live streams continue from the event log every BUS_POLL_MS');
      }
      return;
    }
    if (this.disconnectedSince != null) {
      this.disconnectedSince = null;
      this.options.logger.info('redis: connected');
    }
    // Whatever was committed while we were not listening is in the log.
    this.drain();
    this.flushPending();
  }

  /** Events this process just committed: handed on directly when they follow our cursor, else via the log. */
  private committed(records: PrefixEventRecord[]): void {
    if (!records.length) return;
    this.lastSeq ??= latestSeq(this.options.db);
    const first = (records[0] as PrefixEventRecord).seq;
    const last = (records[records.length - 1] as PrefixEventRecord).seq;
    if (first === this.lastSeq + 1) this.deliver(records);
    else if (last > this.lastSeq) this.drain();
    if (this.publisher.status === 'ready') this.channels.publish('committed', { origin: this.id, seq: last });
  }

  /** Reads the log after our cursor and publishes it, page by page, in order. */
  private drain(): void {
    if (this.lastSeq == null) return;
    // Every event, whoever may see it: each subscriber filters (tenant first) on its side.
    this.readAfter ??= eventsAfterReader(this.options.db, {}, { all: true }, PAGE);
    for (;;) {
      let page: PrefixEventRecord[];
      try {
        page = this.readAfter(this.lastSeq);
      } catch (error) {
        // e.g. SQLITE_BUSY past the busy timeout: the next notification or poll tries again.
        this.options.logger.warn({ err: error }, 'event bus: reading the event log failed');
        return;
      }
      if (page.length) this.deliver(page);
      if (page.length < PAGE) return;
    }
  }

  private deliver(records: PrefixEventRecord[]): void {
    this.lastSeq = (records[records.length - 1] as PrefixEventRecord).seq;
    this.options.local.publish('telemetry:prefix-events', records);
    const changes: ValidationChangeMessage[] = [];
    for (const event of records) {
      if (event.type !== 'VALIDATION_STATE_CHANGED' || event.prefixId == null) continue;
      changes.push({
        prefixId: event.prefixId,
        peeringServiceId: event.peeringServiceId,
        customerId: event.customerId,
        partnerId: event.partnerId,
        validation: validationOfChange(event),
      });
    }
    if (changes.length) this.options.local.publish('telemetry:prefix-validation', changes);
  }

  private relay(topic: RelayedTopic, payload: unknown): void {
    const message = { origin: this.id, topic, payload };
    if (this.publisher.status === 'ready' && !this.pending.length) {
      this.channels.publish('relay', message);
      return;
    }
    if (this.pending.length >= PENDING_LIMIT) {
      this.pending.shift();
      this.dropped += 1;
    }
    this.pending.push(message);
  }

  private flushPending(): void {
    if (this.dropped) {
      this.options.logger.warn({ dropped: this.dropped }, 'redis bus: relayed messages dropped during the outage');
      this.dropped = 0;
    }
    while (this.pending.length && this.publisher.status === 'ready') {
      this.channels.publish('relay', this.pending.shift() as BusChannels['relay']);
    }
  }
}

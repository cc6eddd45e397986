import { createPubSub } from 'graphql-yoga';
import type { PrefixEventRecord } from './telemetry/event-log.js';

/**
 * The one typed pubsub. Payloads are plain JSON so a Redis event target can replace the in-memory one.
 * Topics are `domain:event`.
 */
export type PubSubChannels = {
  /** The events one transaction committed, in sequence order (one message per commit). */
  'telemetry:prefix-events': [events: PrefixEventRecord[]];
  /** Prefixes whose validation state changed in one committed transaction. */
  'telemetry:prefix-validation': [changes: ValidationChangeMessage[]];
  /** Latency buckets that changed (coalesced to at most one push per bucket per second). */
  'telemetry:latency': [updates: LatencyUpdateMessage[]];
};

/*
 * Messages are batches: graphql-yoga's pubsub queues at most 1024 undelivered messages per subscriber and throws
 * past that, and one ingest batch can commit thousands of events synchronously. One message per commit keeps
 * every subscriber far below that; the prefixEvents stream bounds its own backlog (SUBSCRIPTION_QUEUE_LIMIT).
 */

export interface ValidationChangeMessage {
  prefixId: number;
  peeringServiceId: number;
  customerId: number;
  partnerId: number;
}

export interface LatencyUpdateMessage {
  prefixId: number;
  peeringServiceId: number;
  customerId: number;
  partnerId: number;
  measuredPrefix: string;
  granularity: 'FIVE_MINUTES' | 'ONE_HOUR';
  start: number;
}

export function createAppPubSub(config?: Parameters<typeof createPubSub<PubSubChannels>>[0]) {
  return createPubSub<PubSubChannels>(config);
}

export type AppPubSub = ReturnType<typeof createAppPubSub>;

import { createPubSub } from 'graphql-yoga';
import type { PrefixEventRecord } from './telemetry/event-log.js';

/**
 * The one typed pubsub. Payloads are plain JSON so a Redis event target can replace the in-memory one.
 * Topics are `domain:event`.
 */
export type PubSubChannels = {
  /** A committed prefix event (the log row). */
  'telemetry:prefix-event': [event: PrefixEventRecord];
  /** A prefix's validation state changed (committed). */
  'telemetry:prefix-validation': [
    change: { prefixId: number; peeringServiceId: number; customerId: number; partnerId: number },
  ];
  /** A latency bucket changed (coalesced to at most one per bucket per second). */
  'telemetry:latency': [update: LatencyUpdateMessage];
};

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

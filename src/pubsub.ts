import { setMaxListeners } from 'node:events';
import type { PrefixEventRecord } from './telemetry/event-log.js';

/**
 * The one typed pubsub. Topics are `domain:event`; payloads are plain JSON, so the transport (an `EventTarget`) can
 * be swapped for one that crosses processes, such as graphql-yoga's Redis event target.
 *
 * Delivery is synchronous and push-based: `subscribe` takes a listener, which must only filter and enqueue. Each
 * subscriber owns a bounded queue (see src/realtime/live-queue.ts) and filters by tenant *before* queueing, so a
 * stalled subscriber costs at most its own queue. A listener that throws is logged and skipped: nothing thrown
 * reaches the emitter (an exception in an EventTarget listener would otherwise become an uncaught exception).
 */
export type PubSubChannels = {
  /** The events one transaction committed, in sequence order (one message per commit). */
  'telemetry:prefix-events': PrefixEventRecord[];
  /** Prefixes whose validation state changed in one committed transaction. */
  'telemetry:prefix-validation': ValidationChangeMessage[];
  /** Latency buckets that changed (coalesced to at most one push per bucket per second). */
  'telemetry:latency': LatencyUpdateMessage[];
  /** API tokens revoked in one committed write: every socket and stream authenticated with them must end. */
  'identity:token-revoked': { tokenIds: number[] };
  /** Registered prefixes (normalised CIDRs) added or removed in one committed write (the RIS Live client follows). */
  'registration:prefixes-changed': { added: string[]; removed: string[] };
};

export type Topic = keyof PubSubChannels;

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

/** A pubsub typed by a map of topic to payload. */
export interface TypedPubSub<Channels extends object> {
  publish<T extends keyof Channels & string>(topic: T, payload: Channels[T]): void;
  /** Calls `listener` for every message on `topic` until the returned function is called. */
  subscribe<T extends keyof Channels & string>(topic: T, listener: (payload: Channels[T]) => void): () => void;
}

export type AppPubSub = TypedPubSub<PubSubChannels>;

export interface PubSubOptions {
  /** Defaults to an in-process EventTarget. */
  eventTarget?: EventTarget;
  /** Told about a listener that threw (the message still reaches every other listener). */
  onListenerError?: (error: unknown, topic: string) => void;
}

export function createTypedPubSub<Channels extends object>(options: PubSubOptions = {}): TypedPubSub<Channels> {
  const target = options.eventTarget ?? new EventTarget();
  // One listener per live subscription: thousands are expected, so Node's leak warning (at 10) does not apply.
  if (!options.eventTarget) setMaxListeners(0, target);
  const onListenerError = options.onListenerError ?? (() => {});
  return {
    publish(topic, payload) {
      target.dispatchEvent(new CustomEvent(topic, { detail: payload }));
    },
    subscribe(topic, listener) {
      // A listener object, not a named arrow: tsx (which runs the server) gives every named closure its own `name`
      // property (about 250 bytes), and there is one listener per live subscription.
      const handle = {
        handleEvent(event: Event) {
          try {
            listener((event as CustomEvent).detail);
          } catch (error) {
            onListenerError(error, topic);
          }
        },
      };
      target.addEventListener(topic, handle);
      return () => target.removeEventListener(topic, handle);
    },
  };
}

/** The in-process pubsub of one app (src/realtime/bus.ts connects several processes' pubsubs). */
export const createAppPubSub = (options: PubSubOptions = {}): AppPubSub => createTypedPubSub<PubSubChannels>(options);

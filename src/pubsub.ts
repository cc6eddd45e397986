import type { LearnedType, ValidationState } from './db/schema.js';
import type { PrefixEventRecord } from './telemetry/event-log.js';

/**
 * The one typed pubsub. Topics are `domain:event`; payloads are plain JSON, so the in-process transport can be
 * swapped for an `EventTarget` that crosses processes, such as graphql-yoga's Redis event target.
 *
 * Delivery is synchronous and push-based: `subscribe` takes a listener, which must only filter and enqueue. Each
 * subscriber owns a bounded queue (see src/realtime/live-queue.ts) and filters by tenant *before* queueing, so a
 * stalled subscriber costs at most its own queue. A listener that throws is logged and skipped: nothing thrown
 * reaches the publisher.
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
  /**
   * The prefix's validation as this change left it. A push shows it rather than the row read at delivery, which may
   * already hold a later change.
   */
  validation: ValidationSnapshot;
}

/** The validation columns of a prefix at one change (validatedAt in ms since the epoch). */
export interface ValidationSnapshot {
  validationState: ValidationState;
  learnedType: LearnedType;
  errorMessage: string | null;
  validatedAt: number | null;
  expectedOriginAsns: number[];
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
  /** A transport that crosses processes; without one, messages stay in this process (a set of listeners per topic). */
  eventTarget?: EventTarget;
  /** Told about a listener that threw (the message still reaches every other listener). */
  onListenerError?: (error: unknown, topic: string) => void;
}

export function createTypedPubSub<Channels extends object>(options: PubSubOptions = {}): TypedPubSub<Channels> {
  const onListenerError = options.onListenerError ?? (() => {});
  return options.eventTarget
    ? eventTargetPubSub<Channels>(options.eventTarget, onListenerError)
    : new LocalPubSub<Channels>(onListenerError);
}

/** A listener as registered: one object per subscription, so the same function subscribed twice is called twice. */
interface Registration {
  listener(payload: unknown): void;
}

/**
 * The in-process transport: a set of listeners per topic, called in the order they subscribed. Node's `EventTarget`
 * would do the same with a `CustomEvent` per message and its own bookkeeping per listener (its `addEventListener`
 * also walks every listener of the topic to refuse duplicates); with one listener per live subscription, thousands
 * per topic, that bookkeeping is most of the cost of a publish.
 */
class LocalPubSub<Channels extends object> implements TypedPubSub<Channels> {
  private readonly topics = new Map<string, Set<Registration>>();

  constructor(private readonly onListenerError: (error: unknown, topic: string) => void) {}

  publish<T extends keyof Channels & string>(topic: T, payload: Channels[T]): void {
    const registrations = this.topics.get(topic);
    if (!registrations) return;
    for (const registration of registrations) {
      try {
        registration.listener(payload);
      } catch (error) {
        this.onListenerError(error, topic);
      }
    }
  }

  subscribe<T extends keyof Channels & string>(topic: T, listener: (payload: Channels[T]) => void): () => void {
    let registrations = this.topics.get(topic);
    if (!registrations) {
      registrations = new Set();
      this.topics.set(topic, registrations);
    }
    const registration = new Unsubscribe(registrations, listener as (payload: unknown) => void);
    registrations.add(registration);
    return registration.unsubscribe;
  }
}

/**
 * A registration and its way out. `unsubscribe` is a bound method made once per subscription (no named closure per
 * subscription: tsx, which runs the server, gives each its own `name` property, about 250 bytes).
 */
class Unsubscribe implements Registration {
  readonly unsubscribe: () => void;

  constructor(
    private readonly registrations: Set<Registration>,
    readonly listener: (payload: unknown) => void,
  ) {
    this.unsubscribe = this.remove.bind(this);
  }

  private remove(): void {
    this.registrations.delete(this);
  }
}

/** Over an `EventTarget` that crosses processes (graphql-yoga's Redis event target), one event per message. */
function eventTargetPubSub<Channels extends object>(
  target: EventTarget,
  onListenerError: (error: unknown, topic: string) => void,
): TypedPubSub<Channels> {
  return {
    publish(topic, payload) {
      target.dispatchEvent(new CustomEvent(topic, { detail: payload }));
    },
    subscribe(topic, listener) {
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

import { GraphQLError } from 'graphql';
import { type Context, refreshLoaders } from '../../context.js';
import { DomainError, InputError, NotFoundError } from '../../errors.js';
import type { PrefixRow } from '../../loaders.js';
import type {
  LatencyUpdateMessage,
  PubSubChannels,
  ValidationChangeMessage,
  ValidationSnapshot,
} from '../../pubsub.js';
import { createLiveQueue } from '../../realtime/live-queue.js';
import { type Pushable, pullInto, type Receiver } from '../../realtime/receiver.js';
import { decodeCursor } from '../../services/pagination.js';
import { canSeeService, requireReader } from '../../services/viewer.js';
import { EVENT_CURSOR_KIND, latestSeq } from '../../telemetry/event-log.js';
import { latencyBucketsSince } from '../../telemetry/latency-reads.js';
import { prefixEventStream, type StreamItem } from '../../telemetry/stream.js';
import { builder } from '../builder.js';
import { decodeId } from '../common.js';
import { PrefixRef } from '../registration/types.js';
import { PrefixEventFilterInput, resolveEventFilter } from './filters.js';
import { LatencyBucketRef, LatencyGranularityEnum, PrefixEventStreamItem } from './types.js';

/*
 * Each delivered item is resolved with fresh loaders: a subscription's context lives as long as the stream. The set
 * is made when a resolver first uses it, so items whose selection reads no loader (most event fields) make none
 * (refreshLoaders, src/context.ts).
 */

/*
 * The wrappers below are plain iterators, not async generators: a generator waiting in `await` for its source
 * handles return() only once the source yields, so an ended subscription (client gone) would keep its pubsub
 * listener until the next message. These pass return() straight to the source, which ends at once.
 */

const doneResult = <T>(value?: unknown): IteratorResult<T> => ({ value: value as T, done: true });

/**
 * Domain errors raised while streaming become GraphQL errors with `extensions.code` (graphql-ws keeps them). A class:
 * an open subscription holds one object, not an object literal with a closure per method.
 */
class WithGraphQLErrors<T> implements AsyncIterableIterator<T>, Pushable<T>, Receiver<T> {
  /** Who a pull by pullInto answers (see src/realtime/receiver.ts). */
  private receiver: Receiver<T> | null = null;

  constructor(private readonly source: AsyncIterableIterator<T>) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    return this.source.next().catch(toGraphQLError);
  }

  pullInto(receiver: Receiver<T>): void {
    this.receiver = receiver;
    pullInto(this.source, this);
  }

  receive(result: IteratorResult<T>): void {
    const receiver = this.receiver;
    this.receiver = null;
    receiver?.receive(result);
  }

  fail(error: unknown): void {
    const receiver = this.receiver;
    this.receiver = null;
    receiver?.fail(asGraphQLError(error));
  }

  async return(value?: unknown) {
    return this.source.return ? this.source.return(value) : doneResult<T>(value);
  }

  async throw(error?: unknown) {
    return this.source.throw ? this.source.throw(error) : Promise.reject(error);
  }
}

const withGraphQLErrors = <T>(source: AsyncIterableIterator<T>): AsyncIterableIterator<T> =>
  new WithGraphQLErrors(source);

const asGraphQLError = (error: unknown): unknown =>
  error instanceof DomainError ? new GraphQLError(error.message, { extensions: { code: error.code } }) : error;

function toGraphQLError(error: unknown): never {
  throw asGraphQLError(error);
}

/**
 * A live stream of one pubsub topic for one subscriber: batches are flattened and filtered (tenant first) before
 * they are queued, the queue is bounded by SUBSCRIPTION_QUEUE_LIMIT, and a subscriber that falls that far behind
 * is ended with SUBSCRIPTION_OVERFLOW. The listener only filters and enqueues: it cannot throw into the emitter.
 */
function liveTopic<T extends 'telemetry:prefix-validation' | 'telemetry:latency'>(
  ctx: Context,
  topic: T,
  keep: (message: PubSubChannels[T][number]) => boolean,
): AsyncIterableIterator<PubSubChannels[T][number]> {
  const limit = ctx.deps.env.SUBSCRIPTION_QUEUE_LIMIT;
  let unsubscribe = () => {};
  const queue = createLiveQueue<PubSubChannels[T][number]>({
    limit,
    keep,
    onOverflow: () =>
      new DomainError(
        `Subscription ended: the client fell more than ${limit} messages behind. Query the current state, then subscribe again.`,
        'SUBSCRIPTION_OVERFLOW',
      ),
    onClose: () => unsubscribe(),
  });
  unsubscribe = ctx.deps.pubsub.subscribe(topic, (batch) => {
    for (const message of batch) queue.push(message);
  });
  return queue;
}

/** How far back `latencyUpdated(since:)` replays. */
const LATENCY_RESUME_MS = 24 * 3_600_000;

/** `first` items, then the source's; return() ends the source at once. */
function prepend<T>(first: T[], source: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  let index = 0;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      return index < first.length ? Promise.resolve({ value: first[index++] as T, done: false }) : source.next();
    },
    return(value?: unknown) {
      index = first.length;
      return source.return ? source.return(value) : Promise.resolve(doneResult<T>(value));
    },
    throw(error?: unknown) {
      return source.throw ? source.throw(error) : Promise.reject(error);
    },
  };
}

async function visibleServiceId(ctx: Context, id: string | null | undefined): Promise<number | null> {
  if (id == null) return null;
  const serviceId = decodeId(id, 'PeeringService');
  if (serviceId == null || !(await ctx.loaders.peeringService.load(serviceId)))
    throw new NotFoundError('No such peering service');
  return serviceId;
}

/** A prefix row with the validation columns as one change left them. */
const withValidation = (prefix: PrefixRow, validation: ValidationSnapshot): PrefixRow => ({
  ...prefix,
  validationState: validation.validationState,
  learnedType: validation.learnedType,
  errorMessage: validation.errorMessage,
  validatedAt: validation.validatedAt == null ? null : new Date(validation.validatedAt),
  expectedOriginAsns: validation.expectedOriginAsns,
});

type LatencyUpdateShape = { message: LatencyUpdateMessage };

const LatencyUpdateRef = builder.objectRef<LatencyUpdateShape>('LatencyUpdate').implement({
  description: 'A latency bucket of a registered prefix changed (latencyUpdated).',
  fields: (t) => ({
    prefix: t.field({
      type: PrefixRef,
      description: 'The registered prefix whose latency changed.',
      resolve: async ({ message }, _a, ctx) => (await ctx.loaders.prefix.load(message.prefixId))!,
    }),
    bucket: t.field({
      type: LatencyBucketRef,
      description: 'The bucket as it is now, with every sample so far.',
      resolve: ({ message }, _a, ctx) =>
        ctx.telemetry.latencyBucket(message.measuredPrefix, message.granularity, message.start)!,
    }),
    granularity: t.field({
      type: LatencyGranularityEnum,
      description: 'The width of the bucket (each sample updates one bucket of each width).',
      resolve: ({ message }) => message.granularity,
    }),
  }),
});

builder.subscriptionFields((t) => ({
  prefixEvents: t.field({
    type: PrefixEventStreamItem,
    description:
      'Replays every matching event after `after` (if given), then streams live ones, in cursor order, each once. ' +
      'A cursor past retention first yields ResyncRequired. A consumer that falls SUBSCRIPTION_QUEUE_LIMIT events behind ' +
      'is ended with SUBSCRIPTION_OVERFLOW; resubscribe with the last cursor received. Needs an OPERATOR, PARTNER or CUSTOMER token.',
    args: {
      filter: t.arg({ type: PrefixEventFilterInput, description: 'Which events; omit for every visible event.' }),
      after: t.arg.string({
        description:
          'A PrefixEvent.cursor (or edge cursor) to resume after; omit for live events only. A malformed cursor, or ' +
          'one ahead of the log, is BAD_USER_INPUT.',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      requireReader(ctx.viewer);
      const afterSeq = args.after != null ? decodeCursor(EVENT_CURSOR_KIND, args.after) : null;
      if (afterSeq != null && afterSeq > latestSeq(ctx.deps.db)) {
        throw new InputError('`after` is ahead of the event log: it is not a cursor this server issued');
      }
      const filter = await resolveEventFilter(ctx, args.filter);
      const scope = ctx.loaders.scope;
      // An idle subscription holds no loaders: the next item makes them if its resolvers need them.
      refreshLoaders(ctx);
      return withGraphQLErrors(
        prefixEventStream({
          db: ctx.deps.db,
          pubsub: ctx.deps.pubsub,
          filter,
          scope,
          afterSeq,
          queueLimit: ctx.deps.env.SUBSCRIPTION_QUEUE_LIMIT,
          replaySlots: ctx.realtime.replaySlots,
          onDeliver: ctx.realtime.observeDeliveryLag,
        }),
      );
    },
    resolve: (item: StreamItem, _args, ctx) => {
      refreshLoaders(ctx);
      return item;
    },
  }),
  prefixValidationChanged: t.field({
    type: PrefixRef,
    description:
      'Pushes a prefix each time its validationState changes (PENDING, VERIFIED, WARNING, FAILED), for the prefixes ' +
      'the caller may see. Live only, no replay.',
    args: {
      peeringServiceId: t.arg.id({
        description: 'Only prefixes of this PeeringService (unknown or not visible: NOT_FOUND); omit for all.',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      requireReader(ctx.viewer);
      const serviceId = await visibleServiceId(ctx, args.peeringServiceId);
      refreshLoaders(ctx);
      return withGraphQLErrors(
        liveTopic(
          ctx,
          'telemetry:prefix-validation',
          (change) => canSeeService(ctx.viewer, change) && (serviceId == null || change.peeringServiceId === serviceId),
        ),
      );
    },
    // The validation fields come from the change itself: the row may already hold a later change.
    resolve: async (change: ValidationChangeMessage, _args, ctx) => {
      refreshLoaders(ctx);
      const prefix = await ctx.loaders.prefix.load(change.prefixId);
      if (!prefix) throw new NotFoundError('The prefix was removed');
      return withValidation(prefix, change.validation);
    },
  }),
  latencyUpdated: t.field({
    type: LatencyUpdateRef,
    description:
      'A latency bucket of a visible prefix changed; at most one push per bucket per second (the latest state). Live ' +
      'only, no replay.',
    args: {
      prefixId: t.arg.id({ description: 'Only this Prefix (unknown or not visible: NOT_FOUND).' }),
      peeringServiceId: t.arg.id({
        description: 'Only prefixes of this PeeringService (unknown or not visible: NOT_FOUND).',
      }),
      granularity: t.arg({ type: LatencyGranularityEnum, description: 'Only buckets of this width; omit for both.' }),
      since: t.arg({
        type: 'DateTime',
        description:
          'Resume: first push every matching bucket that starts at or after this instant (at most 24 hours back), ' +
          'then live ones. Pass the start of the newest bucket your query returned; a bucket may come twice, ' +
          'so replace buckets by their start.',
      }),
    },
    subscribe: async (_root, args, ctx) => {
      requireReader(ctx.viewer);
      const serviceId = await visibleServiceId(ctx, args.peeringServiceId);
      let prefixId: number | null = null;
      if (args.prefixId != null) {
        prefixId = decodeId(args.prefixId, 'Prefix');
        if (prefixId == null || !(await ctx.loaders.prefix.load(prefixId))) throw new NotFoundError('No such prefix');
      }
      const since = args.since?.getTime() ?? null;
      if (since != null && since < ctx.deps.clock.now() - LATENCY_RESUME_MS) {
        throw new InputError('`since` may be at most 24 hours back; query `latency` for older buckets');
      }
      // Subscribe first, then read what changed since `since`: nothing falls between the two.
      const live = liveTopic(
        ctx,
        'telemetry:latency',
        (m) =>
          canSeeService(ctx.viewer, m) &&
          (serviceId == null || m.peeringServiceId === serviceId) &&
          (prefixId == null || m.prefixId === prefixId) &&
          (args.granularity == null || m.granularity === args.granularity),
      );
      const replay =
        since == null
          ? []
          : latencyBucketsSince(ctx.deps.db, ctx.loaders.scope, {
              prefixId,
              peeringServiceId: serviceId,
              granularity: args.granularity ?? null,
              since,
            });
      refreshLoaders(ctx);
      return withGraphQLErrors(replay.length ? prepend(replay, live) : live);
    },
    resolve: (message: LatencyUpdateMessage, _args, ctx) => {
      refreshLoaders(ctx);
      return { message };
    },
  }),
}));

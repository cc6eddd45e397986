import type { DB } from '../db/client.js';
import { DomainError } from '../errors.js';
import type { AppPubSub } from '../pubsub.js';
import type { Semaphore } from '../realtime/semaphore.js';
import { encodeCursor } from '../services/pagination.js';
import type { ServiceScope } from '../services/viewer.js';
import {
  EVENT_CURSOR_KIND,
  type EventFilter,
  eventMatches,
  eventsAfterReader,
  oldestRetainedSeq,
  type PrefixEventRecord,
  prunedThrough,
} from './event-log.js';

/** Sent first when the requested cursor is older than the retained history. */
export interface ResyncRequired {
  kind: 'ResyncRequired';
  oldestAvailableCursor: string | null;
  reason: string;
}

export type StreamItem = PrefixEventRecord | ResyncRequired;

export class SubscriptionOverflowError extends DomainError {
  constructor(limit: number, lastCursor: string | null) {
    super(
      `Subscription ended: the client fell more than ${limit} events behind. Resubscribe with after: ${
        lastCursor ? `"${lastCursor}"` : 'the last cursor you received'
      } to resume without loss.`,
      'SUBSCRIPTION_OVERFLOW',
    );
  }
}

const REPLAY_PAGE = 500;

/**
 * The event stream behind `prefixEvents(filter, after)`. It subscribes to live events first (buffering them),
 * then replays the log after `afterSeq`, then continues live; every event is delivered once, in sequence
 * order (live events at or below the last replayed sequence are dropped). The live buffer is bounded: a consumer
 * that falls `queueLimit` events behind is ended with SubscriptionOverflowError instead of growing memory.
 */
export function prefixEventStream(options: StreamOptions): AsyncIterableIterator<StreamItem> {
  return new EventStream(options);
}

/**
 * An async generator parked in `await` (waiting for the next live event) only handles return() when it next
 * yields, so a disconnected client would keep its pubsub listener until a matching event arrived, possibly never.
 * return() here marks the stream closed and wakes the generator, which then finishes at once. A class: an open
 * subscription holds one object, not an object literal with a closure per method.
 */
class EventStream implements AsyncIterableIterator<StreamItem> {
  private readonly control: Control = { closed: false, wake: null };
  private readonly generator: AsyncGenerator<StreamItem>;

  constructor(options: StreamOptions) {
    this.generator = streamEvents(options, this.control);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  next() {
    return this.generator.next();
  }

  return(value?: unknown) {
    closeStream(this.control);
    return this.generator.return(value as undefined);
  }

  throw(error?: unknown) {
    closeStream(this.control);
    return this.generator.throw(error);
  }
}

function closeStream(control: Control): void {
  control.closed = true;
  control.wake?.();
}

interface StreamOptions {
  db: DB;
  pubsub: AppPubSub;
  filter: EventFilter;
  scope: ServiceScope;
  afterSeq: number | null;
  queueLimit: number;
  /** Bounds how many streams read replay pages at once, so one client's replays cannot starve the others. */
  replaySlots: Semaphore;
  /** Told the lag (seconds) from commit to hand-over of each live event. */
  onDeliver?: (seconds: number) => void;
}

interface Control {
  closed: boolean;
  wake: (() => void) | null;
}

async function* streamEvents(options: StreamOptions, waiter: Control): AsyncGenerator<StreamItem> {
  const { db, pubsub, filter, scope, queueLimit } = options;
  // Live events are filtered (tenant first) before they are buffered; the buffer is bounded by queueLimit.
  const buffer: PrefixEventRecord[] = [];
  let overflowed = false;
  let lastSeq = options.afterSeq ?? 0;
  const unsubscribe = pubsub.subscribe('telemetry:prefix-events', (batch) => {
    if (overflowed) return;
    let added = false;
    for (const event of batch) {
      if (!eventMatches(event, filter, scope)) continue;
      if (buffer.length >= queueLimit) {
        overflowed = true;
        buffer.length = 0;
        break;
      }
      buffer.push(event);
      added = true;
    }
    if (added || overflowed) waiter.wake?.();
  });

  try {
    if (options.afterSeq != null) {
      const pruned = prunedThrough(db);
      if (pruned > options.afterSeq) {
        const oldest = oldestRetainedSeq(db);
        yield {
          kind: 'ResyncRequired',
          oldestAvailableCursor: oldest == null ? null : encodeCursor(EVENT_CURSOR_KIND, oldest),
          reason: `Events up to ${encodeCursor(EVENT_CURSOR_KIND, pruned)} are past retention; refetch the current state, then continue from the events that follow.`,
        };
      }
      const readPage = eventsAfterReader(db, filter, scope, REPLAY_PAGE);
      for (;;) {
        if (waiter.closed) return;
        const release = await options.replaySlots.acquire();
        let page: PrefixEventRecord[];
        try {
          if (waiter.closed) return;
          page = readPage(lastSeq);
        } finally {
          release();
        }
        for (const event of page) {
          if (overflowed) throw new SubscriptionOverflowError(queueLimit, encodeCursor(EVENT_CURSOR_KIND, lastSeq));
          yield event;
          lastSeq = event.seq;
        }
        if (page.length < REPLAY_PAGE) break;
      }
    }
    let index = 0;
    for (;;) {
      if (waiter.closed) return;
      if (overflowed)
        throw new SubscriptionOverflowError(queueLimit, lastSeq ? encodeCursor(EVENT_CURSOR_KIND, lastSeq) : null);
      if (index >= buffer.length) {
        buffer.length = 0;
        index = 0;
        await new Promise<void>((resolve) => {
          waiter.wake = resolve;
        });
        waiter.wake = null;
        continue;
      }
      const event = buffer[index++] as PrefixEventRecord;
      if (event.seq <= lastSeq) continue;
      options.onDeliver?.((Date.now() - event.recordedAt) / 1000);
      yield event;
      lastSeq = event.seq;
    }
  } finally {
    unsubscribe();
    buffer.length = 0;
  }
}

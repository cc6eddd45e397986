import type { DB } from '../db/client.js';
import { DomainError } from '../errors.js';
import type { AppPubSub } from '../pubsub.js';
import { type Pushable, type Receiver, settleFrom } from '../realtime/receiver.js';
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
 * order (live events at or below the last delivered sequence are dropped). The live buffer is bounded: a consumer
 * that falls `queueLimit` events behind is ended with SubscriptionOverflowError instead of growing memory.
 */
export function prefixEventStream(options: StreamOptions): AsyncIterableIterator<StreamItem> {
  return new PrefixEventStream(options);
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

/** A waiting pull: a promise's resolving functions (next()) or a receiver (pullInto). */
type Pull = Receiver<StreamItem>;

const DONE: IteratorResult<StreamItem> = { value: undefined, done: true };

/**
 * A plain iterator, not an async generator: a live event already buffered is handed over at once (one settled
 * promise, no generator to resume), a waiting pull is settled by the pubsub listener itself, and return() ends the
 * stream at once even while a pull waits (a generator parked in `await` only sees return() when it next yields, so
 * a gone client would keep its listener until a matching event arrived). The replay before the live part is a
 * generator (`replay` below), read through the same next().
 *
 * A live pull by `pullInto` (see src/realtime/receiver.ts) waits as the receiver alone, and is answered from a
 * microtask that answers every stream the same publish woke (`answerReady` below), not from the pubsub listener:
 * the listener still only filters and enqueues.
 */
class PrefixEventStream implements AsyncIterableIterator<StreamItem>, Pushable<StreamItem> {
  /** Live events that passed the filter (tenant first), not yet handed over; bounded by queueLimit. */
  private buffer: PrefixEventRecord[] = [];
  private index = 0;
  private overflowed = false;
  private closed = false;
  /** The last sequence handed over (or `afterSeq`): later live events only. */
  lastSeq: number;
  private replaying: AsyncGenerator<StreamItem, void> | null;
  private waiting: Pull | null = null;
  /** `waiting` is a receiver (pullInto), answered from a microtask; else a promise's (next()), answered at once. */
  private deferred = false;
  /** In `ready`, to be answered by the next `answerReady`. */
  scheduled = false;
  private readonly unsubscribe: () => void;

  constructor(readonly options: StreamOptions) {
    this.lastSeq = options.afterSeq ?? 0;
    this.unsubscribe = options.pubsub.subscribe('telemetry:prefix-events', this.onEvents.bind(this));
    this.replaying = options.afterSeq != null ? replay(this, options.afterSeq) : null;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  next(): Promise<IteratorResult<StreamItem>> {
    if (this.replaying) return this.replaying.next().then((result) => this.afterReplayed(result));
    return new Promise<IteratorResult<StreamItem>>((resolve, reject) => this.pull({ receive: resolve, fail: reject }));
  }

  pullInto(receiver: Receiver<StreamItem>): void {
    if (this.replaying) {
      settleFrom(this.next(), receiver);
      return;
    }
    this.waiting = receiver;
    this.deferred = true;
    if (this.closed || this.overflowed || this.index < this.buffer.length) schedule(this);
  }

  /** Answers a waiting receiver (see pullInto): with an event, the overflow or the end; else it goes on waiting. */
  answer(): void {
    this.scheduled = false;
    const pull = this.waiting;
    if (!pull || !this.deferred) return;
    this.waiting = null;
    this.deferred = false;
    this.pull(pull);
    if (this.waiting === pull) this.deferred = true;
  }

  return(value?: unknown): Promise<IteratorResult<StreamItem>> {
    this.close();
    const replaying = this.replaying;
    this.replaying = null;
    if (replaying) void replaying.return().catch(() => {});
    return Promise.resolve({ value: value as StreamItem, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<StreamItem>> {
    void this.return();
    return Promise.reject(error);
  }

  /** Thrown (as a rejected pull) once the consumer has fallen queueLimit events behind. */
  overflowError(): SubscriptionOverflowError {
    return new SubscriptionOverflowError(
      this.options.queueLimit,
      this.lastSeq ? encodeCursor(EVENT_CURSOR_KIND, this.lastSeq) : null,
    );
  }

  get hasOverflowed(): boolean {
    return this.overflowed;
  }

  /** The replay's result; once it is done, the same pull goes on to the live part. */
  private afterReplayed(
    result: IteratorResult<StreamItem, void>,
  ): Promise<IteratorResult<StreamItem>> | IteratorResult<StreamItem> {
    if (!result.done) return result;
    this.replaying = null;
    return this.next();
  }

  private onEvents(batch: PrefixEventRecord[]): void {
    if (this.overflowed || this.closed) return;
    const { filter, scope, queueLimit } = this.options;
    let added = false;
    for (const event of batch) {
      if (!eventMatches(event, filter, scope)) continue;
      if (this.buffer.length - this.index >= queueLimit) {
        this.overflowed = true;
        this.buffer = [];
        this.index = 0;
        break;
      }
      this.buffer.push(event);
      added = true;
    }
    if ((added || this.overflowed) && this.waiting && !this.replaying) {
      if (this.deferred) {
        schedule(this);
        return;
      }
      const pull = this.waiting;
      this.waiting = null;
      this.pull(pull);
    }
  }

  /** Settles a pull from the live part: the next buffered event, the overflow, the end, or later. */
  private pull(pull: Pull): void {
    if (this.closed) {
      pull.receive(DONE);
      return;
    }
    if (this.overflowed) {
      const error = this.overflowError();
      this.close();
      pull.fail(error);
      return;
    }
    while (this.index < this.buffer.length) {
      const event = this.buffer[this.index] as PrefixEventRecord;
      this.buffer[this.index++] = undefined as never;
      if (event.seq <= this.lastSeq) continue;
      this.lastSeq = event.seq;
      // Handed-over slots are dropped now and then, so a consumer that never quite catches up does not grow it.
      if (this.index > 1024 && this.index * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.index);
        this.index = 0;
      }
      this.options.onDeliver?.((Date.now() - event.recordedAt) / 1000);
      pull.receive({ value: event, done: false });
      return;
    }
    // Emptied in place: a new array here would wait, with the pull, for the next event.
    this.buffer.length = 0;
    this.index = 0;
    this.waiting = pull;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.buffer = [];
    this.index = 0;
    if (this.waiting && this.deferred) {
      schedule(this);
      return;
    }
    const pull = this.waiting;
    this.waiting = null;
    pull?.receive(DONE);
  }
}

/** Streams with a receiver to answer, answered together in one microtask (see PrefixEventStream). */
let ready: PrefixEventStream[] = [];

function schedule(stream: PrefixEventStream): void {
  if (stream.scheduled) return;
  stream.scheduled = true;
  if (!ready.length) queueMicrotask(answerReady);
  ready.push(stream);
}

function answerReady(): void {
  const streams = ready;
  ready = [];
  let failure: { error: unknown } | null = null;
  for (const stream of streams) {
    try {
      stream.answer();
    } catch (error) {
      // A receiver that throws must not keep the other streams waiting; it surfaces as a rejection would.
      failure ??= { error };
    }
  }
  if (failure) void Promise.reject(failure.error);
}

/**
 * The replay part: ResyncRequired first when `afterSeq` is past retention, then the log after it in pages (each
 * read holding a replay slot). Live events that arrive meanwhile wait in the stream's buffer.
 */
async function* replay(stream: PrefixEventStream, afterSeq: number): AsyncGenerator<StreamItem, void> {
  const { db, filter, scope } = stream.options;
  const pruned = prunedThrough(db);
  if (pruned > afterSeq) {
    const oldest = oldestRetainedSeq(db);
    yield {
      kind: 'ResyncRequired',
      oldestAvailableCursor: oldest == null ? null : encodeCursor(EVENT_CURSOR_KIND, oldest),
      reason: `Events up to ${encodeCursor(EVENT_CURSOR_KIND, pruned)} are past retention; refetch the current state, then continue from the events that follow.`,
    };
  }
  const readPage = eventsAfterReader(db, filter, scope, REPLAY_PAGE);
  for (;;) {
    if (stream.isClosed) return;
    const release = await stream.options.replaySlots.acquire();
    let page: PrefixEventRecord[];
    try {
      if (stream.isClosed) return;
      page = readPage(stream.lastSeq);
    } finally {
      release();
    }
    for (const event of page) {
      if (stream.hasOverflowed) throw stream.overflowError();
      stream.lastSeq = event.seq;
      yield event;
    }
    if (page.length < REPLAY_PAGE) return;
  }
}

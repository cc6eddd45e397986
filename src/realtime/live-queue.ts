/**
 * A bounded, filtered queue between a push source (a pubsub listener) and a pull consumer (a subscription's
 * async iterator). Items are filtered before they are queued, so what another tenant publishes costs a subscriber
 * nothing. When `limit` items are waiting, the queue is dropped and the consumer's next pull fails with the
 * error `onOverflow` builds: the slow subscriber ends, never the process, and memory stays bounded.
 *
 * The iterator is a plain object, not an async generator: return() must end it at once even while a pull is
 * waiting (a generator parked in `await` only sees return() when it next yields).
 */
export interface LiveQueue<T> extends AsyncIterableIterator<T> {
  /** Offers an item from the source; dropped unless it passes the filter. */
  push(item: T): void;
  /** How many items are waiting. */
  readonly size: number;
}

export interface LiveQueueOptions<T> {
  limit: number;
  keep?: (item: T) => boolean;
  onOverflow: () => Error;
  /** Called once when the queue ends (consumer returned, threw, or overflowed and was told). */
  onClose?: () => void;
}

export function createLiveQueue<T>(options: LiveQueueOptions<T>): LiveQueue<T> {
  const { limit, keep, onOverflow } = options;
  let items: T[] = [];
  let head = 0;
  let overflowed = false;
  let closed = false;
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let waitingFail: ((error: unknown) => void) | null = null;

  const close = () => {
    if (closed) return;
    closed = true;
    items = [];
    head = 0;
    options.onClose?.();
  };
  const settle = () => {
    if (!waiting) return;
    const resolve = waiting;
    const reject = waitingFail!;
    waiting = null;
    waitingFail = null;
    if (overflowed) {
      close();
      reject(onOverflow());
    } else if (closed) resolve({ value: undefined as T, done: true });
    else resolve({ value: take(), done: false });
  };
  const take = (): T => {
    const item = items[head] as T;
    items[head] = undefined as T;
    head += 1;
    if (head > 1024 && head * 2 > items.length) {
      items = items.slice(head);
      head = 0;
    }
    return item;
  };

  const queue: LiveQueue<T> = {
    get size() {
      return items.length - head;
    },
    push(item) {
      if (closed || overflowed) return;
      if (keep && !keep(item)) return;
      if (items.length - head >= limit) {
        overflowed = true;
        items = [];
        head = 0;
      } else {
        items.push(item);
      }
      settle();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (overflowed && !closed) {
        close();
        return Promise.reject(onOverflow());
      }
      if (closed) return Promise.resolve({ value: undefined as T, done: true });
      if (items.length > head) return Promise.resolve({ value: take(), done: false });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        waitingFail = reject;
      });
    },
    return(value?: unknown) {
      close();
      settle();
      return Promise.resolve({ value: value as T, done: true });
    },
    throw(error?: unknown) {
      close();
      settle();
      return Promise.reject(error);
    },
  };
  return queue;
}

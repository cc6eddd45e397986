/**
 * Pulling a stream's next item by callback instead of by promise, for the live subscription path.
 *
 * Each layer of a subscription (the event stream, its GraphQL error mapping, the shared execution, the registry's
 * wrapper, the graphql-ws sender) is an async iterator. Pulled with `next()`, every layer makes a promise, its
 * resolving functions and its reaction closures for every item, and they wait for the next event: with thousands of
 * subscribers that is thousands of objects that live from one event to the next, long enough to outlive a young
 * generation collection and be promoted to the old space, whose collections then pause delivery. Pulled with
 * `pullInto`, each layer hands the item to a receiver: the next layer itself, one long-lived object per
 * subscription, so a waiting subscription holds no per-item objects at all.
 *
 * The contract: a pull is answered once, by `receive` (an item, or the end) or `fail`, and never from inside the
 * `pullInto` call that asked for it (the source answers from a later microtask, as a promise would), so a consumer
 * can pull again from inside `receive` without growing the stack. `next()` keeps working on every layer; a layer
 * without `pullInto` is pulled through it (see `pullInto` below).
 */
export interface Receiver<T> {
  receive(result: IteratorResult<T>): void;
  fail(error: unknown): void;
}

/** An async iterator that can also answer a pull through a receiver. */
export interface Pushable<T> extends AsyncIterator<T> {
  pullInto(receiver: Receiver<T>): void;
}

const isPushable = <T>(source: AsyncIterator<T>): source is Pushable<T> =>
  typeof (source as Partial<Pushable<T>>).pullInto === 'function';

/** Pulls `source`'s next item into `receiver`: by callback where the source can, else through its `next()`. */
export function pullInto<T>(source: AsyncIterator<T>, receiver: Receiver<T>): void {
  if (isPushable(source)) source.pullInto(receiver);
  else settleFrom(source.next(), receiver);
}

/** Answers a pull from a promise (the rare paths: a replay page, the end of a stream ended from outside). */
export function settleFrom<T>(promise: Promise<IteratorResult<T>>, receiver: Receiver<T>): void {
  promise.then(
    (result) => receiver.receive(result),
    (error: unknown) => receiver.fail(error),
  );
}

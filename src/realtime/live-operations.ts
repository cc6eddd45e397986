import { type Pushable, pullInto, type Receiver, settleFrom } from './receiver.js';

/**
 * Every subscription that is streaming right now, on any transport (graphql-ws or SSE), with who opened it.
 * It lets the server end streams from outside: at shutdown (every stream completes), or when the token a stream
 * was opened with is revoked or expires. A stream ended with `end()` finishes like a normal end of stream: SSE
 * clients get `event: complete`, graphql-ws clients a Complete message.
 */
export type Transport = 'ws' | 'sse';

export interface LiveOperation {
  transport: Transport;
  /** The api_tokens row behind the viewer; null for anonymous callers and the OPERATOR_TOKEN bootstrap. */
  tokenId: number | null;
  /** Ends the stream; with an error, the consumer's pending pull fails with it first. */
  end(error?: Error): void;
}

export class LiveOperations {
  private readonly operations = new Set<LiveOperation>();

  /** Registers a stream; remove() unregisters it (call it when the stream ends by itself). */
  add(operation: LiveOperation): void {
    this.operations.add(operation);
  }

  remove(operation: LiveOperation): void {
    this.operations.delete(operation);
  }

  get size(): number {
    return this.operations.size;
  }

  count(predicate: (operation: LiveOperation) => boolean = () => true): number {
    let n = 0;
    for (const operation of this.operations) if (predicate(operation)) n += 1;
    return n;
  }

  /** The tokens behind the open streams (to re-check revocation and expiry). */
  tokenIds(): Set<number> {
    const ids = new Set<number>();
    for (const { tokenId } of this.operations) if (tokenId != null) ids.add(tokenId);
    return ids;
  }

  /** Ends every stream the predicate selects; returns how many. */
  endWhere(predicate: (operation: LiveOperation) => boolean, error?: Error): number {
    let n = 0;
    for (const operation of [...this.operations]) {
      if (!predicate(operation)) continue;
      this.operations.delete(operation);
      operation.end(error);
      n += 1;
    }
    return n;
  }

  endAll(error?: Error): number {
    return this.endWhere(() => true, error);
  }
}

/**
 * Wraps a subscription's async iterator so that it can be ended from outside. A pull that is waiting when `end()`
 * is called settles at once (done, or rejected with the given error); the source is returned so its listeners go.
 * `onStop` is told once when the stream stops by itself or by its consumer: a done item, a failed pull (with the
 * error), return() or throw(); not when it is ended with `end()`. Subclasses may map the items (`mapResult`) and the
 * error a pull fails with (`mapError`: the source's, or the one given to `end()`).
 *
 * A class, so an open subscription holds one object and no closures of its own (tsx, which runs the server, gives
 * every named closure its own `name` property, about 250 bytes each).
 */
export class Endable<T> implements AsyncIterableIterator<T>, Pushable<T>, Receiver<T> {
  private ended = false;
  private stopped = false;
  private endError: Error | undefined;
  /**
   * The pull waiting on the source, if any; end() settles it at once. (Racing every pull against one promise that
   * lives as long as the stream would leave a reaction on that promise per event: memory growing with every event
   * of a long-lived subscription.)
   */
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  /** The same for a pull by pullInto (see receiver.ts): who it answers; end() answers it at once. */
  private receiver: Receiver<T> | null = null;

  constructor(private readonly source: AsyncIterator<T>) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.ended) return this.finish();
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      const pull = { resolve, reject };
      this.waiting = pull;
      this.source.next().then(
        (outcome) => {
          if (this.waiting !== pull) return; // already settled by end()
          this.waiting = null;
          if (this.ended) this.finish().then(resolve, reject);
          else {
            if (outcome.done) this.stop();
            resolve(this.mapResult(outcome));
          }
        },
        (error: unknown) => {
          if (this.waiting !== pull) return;
          this.waiting = null;
          this.stop(error);
          reject(this.mapError(error));
        },
      );
    });
  }

  pullInto(receiver: Receiver<T>): void {
    if (this.ended) {
      settleFrom(this.finish(), receiver);
      return;
    }
    this.receiver = receiver;
    pullInto(this.source, this);
  }

  /** The source's answer to a pullInto; ignored when end() has answered the pull already. */
  receive(outcome: IteratorResult<T>): void {
    const receiver = this.receiver;
    if (!receiver) return;
    this.receiver = null;
    if (this.ended) settleFrom(this.finish(), receiver);
    else {
      if (outcome.done) this.stop();
      receiver.receive(this.mapResult(outcome));
    }
  }

  fail(error: unknown): void {
    const receiver = this.receiver;
    if (!receiver) return;
    this.receiver = null;
    this.stop(error);
    receiver.fail(this.mapError(error));
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    this.ended = true;
    this.wake();
    await this.source.return?.(value);
    return { value: value as T, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    this.ended = true;
    this.wake();
    await this.source.return?.();
    throw error;
  }

  /** Ends the stream; with an error, the consumer's pending pull fails with it first. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    this.wake();
    void this.source.return?.();
  }

  /** Told once when the stream stops by itself or by its consumer (see above). */
  protected onStop(_error?: unknown): void {}

  protected mapResult(result: IteratorResult<T>): IteratorResult<T> {
    return result;
  }

  protected mapError(error: unknown): unknown {
    return error;
  }

  private stop(error?: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop(error);
  }

  /** The end of the stream: the error end() was given (reported once), else done. */
  private finish(): Promise<IteratorResult<T>> {
    const error = this.endError;
    this.endError = undefined;
    return error ? Promise.reject(this.mapError(error)) : Promise.resolve({ value: undefined as T, done: true });
  }

  private wake(): void {
    const pull = this.waiting;
    this.waiting = null;
    if (pull) this.finish().then(pull.resolve, pull.reject);
    const receiver = this.receiver;
    this.receiver = null;
    if (receiver) settleFrom(this.finish(), receiver);
  }
}

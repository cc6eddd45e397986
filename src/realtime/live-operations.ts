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

  /** Registers a stream; the returned function unregisters it (call it when the stream ends by itself). */
  add(operation: LiveOperation): () => void {
    this.operations.add(operation);
    return () => this.operations.delete(operation);
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
 */
export function endable<T>(source: AsyncIterator<T>): { iterator: AsyncIterableIterator<T>; end(error?: Error): void } {
  let ended = false;
  let endError: Error | undefined;
  /**
   * The pull waiting on the source, if any; end() settles it at once. (Racing every pull against one promise that
   * lives as long as the stream would leave a reaction on that promise per event: memory growing with every event
   * of a long-lived subscription.)
   */
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  /** The end of the stream: the error end() was given (reported once), else done. */
  const finish = (): Promise<IteratorResult<T>> => {
    const error = endError;
    endError = undefined;
    return error ? Promise.reject(error) : Promise.resolve({ value: undefined as T, done: true });
  };
  const wake = () => {
    const pull = waiting;
    waiting = null;
    if (pull) finish().then(pull.resolve, pull.reject);
  };
  const iterator: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (ended) return finish();
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        const pull = { resolve, reject };
        waiting = pull;
        source.next().then(
          (outcome) => {
            if (waiting !== pull) return; // already settled by end()
            waiting = null;
            if (ended) finish().then(resolve, reject);
            else resolve(outcome);
          },
          (error: unknown) => {
            if (waiting !== pull) return;
            waiting = null;
            reject(error);
          },
        );
      });
    },
    async return(value?: unknown) {
      ended = true;
      wake();
      await source.return?.(value);
      return { value: value as T, done: true };
    },
    async throw(error?: unknown) {
      ended = true;
      wake();
      await source.return?.();
      throw error;
    },
  };
  return {
    iterator,
    end(error?: Error) {
      if (ended) return;
      ended = true;
      endError = error;
      wake();
      void source.return?.();
    },
  };
}

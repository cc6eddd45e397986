import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { Endable, type LiveOperation, type LiveOperations, type Transport } from './live-operations.js';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/** graphql-yoga's test for a cancelled request (its own is not exported): such errors are passed on unmasked. */
const isAbortError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error?.constructor?.name === 'DOMException' &&
  ((error as DOMException).name === 'AbortError' || (error as DOMException).name === 'TimeoutError');

/** What graphql-yoga's masked errors do to a result: each error through `maskError`. */
function maskResult(result: ExecutionResult, maskError: (error: unknown) => Error): ExecutionResult {
  if (result.errors == null) return result;
  return { ...result, errors: result.errors.map((e) => maskError(e) as GraphQLError) };
}

/**
 * One open subscription stream: the result iterator the transport consumes and the registry's entry for it, in one
 * object. Its results' errors and the error it may end with are masked the way graphql-yoga masks every other
 * result (see useLiveOperations).
 */
class LiveStream extends Endable<ExecutionResult> implements LiveOperation {
  constructor(
    source: AsyncIterator<ExecutionResult>,
    readonly transport: Transport,
    readonly tokenId: number | null,
    private readonly registry: LiveOperations,
    private readonly hooks: LiveOperationHooks,
  ) {
    super(source);
    registry.add(this);
  }

  protected override mapResult(result: IteratorResult<ExecutionResult>): IteratorResult<ExecutionResult> {
    if (result.done || result.value?.errors == null) return result;
    return { value: maskResult(result.value, this.hooks.maskError), done: false };
  }

  protected override mapError(error: unknown): unknown {
    return isAbortError(error) ? error : this.hooks.maskError(error);
  }

  protected override onStop(error?: unknown): void {
    this.registry.remove(this);
    if ((error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code === 'SUBSCRIPTION_OVERFLOW') {
      this.hooks.onOverflow?.();
    }
  }
}

export interface LiveOperationHooks {
  /**
   * graphql-yoga's `maskError` as yoga applies it (the app's mask, and the original error logged when it was
   * masked): subscription results and stream errors go through it here instead of through yoga's plugin.
   */
  maskError: (error: unknown) => Error;
  /** Told when a stream ends with SUBSCRIPTION_OVERFLOW. */
  onOverflow?: () => void;
}

/**
 * Runs every subscription's subscribe and registers the stream in `registry` while it runs, with its transport and
 * token, so the server can end it from outside (shutdown, token revoked or expired). graphql-ws operations carry
 * the socket in their initial context (see app.ts); anything else streaming is SSE.
 *
 * It must come after every other plugin with an `onSubscribe` of ours: it calls the subscribe function they have
 * set (useMultiplexedSubscriptions') and stops the hooks that follow, which are graphql-yoga's own: its masked
 * errors and its rule that cancellations stay unmasked. Between them they wrap each stream in a chain of iterators
 * and closures that a subscription holds as long as it is open (about 3 KB per idle subscription); the stream masks
 * its results and errors itself, with the same `maskError` and the same exception for cancellations.
 */
export function useLiveOperations(
  registry: LiveOperations,
  hooks: LiveOperationHooks,
): Plugin<Context & { socket?: unknown }> {
  return {
    async onSubscribe({ args, subscribeFn, setResultAndStopExecution }) {
      const result = (await subscribeFn(args)) as ExecutionResult | AsyncIterable<ExecutionResult>;
      if (!isAsyncIterable(result)) {
        setResultAndStopExecution(maskResult(result, hooks.maskError));
        return;
      }
      const context = args.contextValue as Context & { socket?: unknown };
      const viewer = context.viewer;
      setResultAndStopExecution(
        new LiveStream(
          result[Symbol.asyncIterator](),
          context.socket ? 'ws' : 'sse',
          viewer && 'tokenId' in viewer ? viewer.tokenId : null,
          registry,
          hooks,
        ) as never,
      );
    },
  };
}

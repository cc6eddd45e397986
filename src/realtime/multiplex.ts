import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  locatedError,
  print,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Viewer } from '../services/viewer.js';

/**
 * Multiplexed subscription execution, the way Hasura multiplexes live queries: subscribers that run the same
 * document with the same variables and the same viewer scope get one execution per published message, shared.
 *
 * Each subscriber keeps its own source stream (its cursor, its bounded queue, exactly-once delivery, resume with
 * `after`, overflow); only the mapping of a message to its result is shared. A live message is one object handed to
 * every listener by the pubsub, so results are memoised per message object (WeakMap: they go when the message goes)
 * and per group key. Replayed rows are read per subscriber and are executed per subscriber, as before.
 *
 * The group key holds everything that can change a result: the document, the operation name, the variables and
 * the viewer's scope (role and tenant). Two tokens of the same customer share; two customers never do.
 */
export function useMultiplexedSubscriptions(): Plugin {
  const documentKeys = new WeakMap<object, string>();
  const memo = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  const keyOfDocument = (document: object) => {
    let key = documentKeys.get(document);
    if (key == null) {
      key = print(document as never);
      documentKeys.set(document, key);
    }
    return key;
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source as ExecutionResult;
        const group = `${scopeKey((args.contextValue as Context).viewer)}\n${args.operationName ?? ''}\n${JSON.stringify(
          args.variableValues ?? {},
        )}\n${keyOfDocument(args.document)}`;
        const run = (payload: unknown): Promise<ExecutionResult> => {
          const shareable = payload != null && typeof payload === 'object';
          let byGroup = shareable ? memo.get(payload as object) : undefined;
          const cached = byGroup?.get(group);
          if (cached) return cached;
          const result = Promise.resolve(execute({ ...args, rootValue: payload })).catch(
            (error: unknown): ExecutionResult => ({
              errors: [error instanceof GraphQLError ? error : locatedError(error, undefined)],
            }),
          );
          if (shareable) {
            if (!byGroup) {
              byGroup = new Map();
              memo.set(payload as object, byGroup);
            }
            byGroup.set(group, result);
          }
          return result;
        };
        return mapResults(source, run) as never;
      });
    },
  };
}

function scopeKey(viewer: Viewer | undefined): string {
  if (!viewer) return 'anonymous';
  switch (viewer.role) {
    case 'CUSTOMER':
      return `customer:${viewer.customerId}`;
    case 'PARTNER':
      return `partner:${viewer.partnerId}`;
    default:
      return viewer.role;
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/** Maps each source item through `run`; return()/throw() reach the source at once (it holds the listeners). */
function mapResults(
  source: AsyncIterable<unknown>,
  run: (payload: unknown) => Promise<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const item = await iterator.next();
      if (item.done) return { value: undefined, done: true };
      return { value: await run(item.value), done: false };
    },
    async return(value?: unknown) {
      await iterator.return?.(value);
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      if (iterator.throw) await iterator.throw(error);
      throw error;
    },
  };
}

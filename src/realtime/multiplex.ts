import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute as executeGraphQL,
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
  const memo = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();
  /**
   * Open subscriptions per group key (a group of one has nobody to share with, so its results are not memoised),
   * with the key as the group's members hold it: one string per group, not one copy per subscriber.
   */
  const members = new Map<string, { key: string; n: number }>();
  const keyOfDocument = (document: object) => {
    let key = documentKeys.get(document);
    if (key == null) {
      key = print(document as never);
      documentKeys.set(document, key);
    }
    return key;
  };
  const join = (key: string): string => {
    const entry = members.get(key);
    if (!entry) {
      members.set(key, { key, n: 1 });
      return key;
    }
    entry.n += 1;
    return entry.key;
  };
  const leave = (group: string) => {
    const entry = members.get(group);
    if (entry && --entry.n <= 0) members.delete(group);
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source as ExecutionResult;
        const key = `${scopeKey((args.contextValue as Context).viewer)}\n${args.operationName ?? ''}\n${JSON.stringify(
          args.variableValues ?? {},
        )}\n${keyOfDocument(args.document)}`;
        const group = join(key);
        const execute = (payload: unknown): PromiseOrValue<ExecutionResult> => {
          // A selection whose resolvers all return values executes synchronously: its result is passed on as it is,
          // without a promise per event.
          try {
            const result = executeGraphQL({ ...args, rootValue: payload });
            return isPromise(result) ? result.catch(asErrorResult) : result;
          } catch (error) {
            return asErrorResult(error);
          }
        };
        const run = (payload: unknown): PromiseOrValue<ExecutionResult> => {
          if (payload == null || typeof payload !== 'object' || (members.get(group)?.n ?? 0) < 2)
            return execute(payload);
          let byGroup = memo.get(payload);
          const cached = byGroup?.get(group);
          if (cached) return cached;
          const result = execute(payload);
          if (!byGroup) {
            byGroup = new Map();
            memo.set(payload, byGroup);
          }
          byGroup.set(group, result);
          return result;
        };
        return mapResults(source, run, () => leave(group)) as never;
      });
    },
  };
}

type PromiseOrValue<T> = T | Promise<T>;

const isPromise = <T>(value: PromiseOrValue<T>): value is Promise<T> =>
  typeof (value as Promise<T> | null)?.then === 'function';

const asErrorResult = (error: unknown): ExecutionResult => ({
  errors: [error instanceof GraphQLError ? error : locatedError(error, undefined)],
});

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

/**
 * Maps each source item through `run`; return()/throw() reach the source at once (it holds the listeners). `onEnd`
 * is called once, when the stream ends in any way.
 */
function mapResults(
  source: AsyncIterable<unknown>,
  run: (payload: unknown) => PromiseOrValue<ExecutionResult>,
  onEnd: () => void,
): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  const done: IteratorResult<ExecutionResult> = { value: undefined, done: true };
  const map = (
    item: IteratorResult<unknown>,
  ): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> => {
    if (item.done) {
      end();
      return done;
    }
    const result = run(item.value);
    return isPromise(result) ? result.then((value) => ({ value, done: false })) : { value: result, done: false };
  };
  const fail = (error: unknown): never => {
    end();
    throw error;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      return iterator.next().then(map, fail);
    },
    async return(value?: unknown) {
      end();
      await iterator.return?.(value);
      return done;
    },
    async throw(error?: unknown) {
      end();
      if (iterator.throw) await iterator.throw(error);
      throw error;
    },
  };
}

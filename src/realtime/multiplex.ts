import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute as executeGraphQL,
  GraphQLError,
  locatedError,
  print,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { withFieldNodes } from '../http/jit.js';
import type { Viewer } from '../services/viewer.js';
import { type Pushable, pullInto, type Receiver } from './receiver.js';

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
  const groups: Groups = {
    size: (group) => members.get(group)?.n ?? 0,
    cached: (payload, group) => memo.get(payload)?.get(group),
    remember(payload, group, result) {
      let byGroup = memo.get(payload);
      if (!byGroup) {
        byGroup = new Map();
        memo.set(payload, byGroup);
      }
      byGroup.set(group, result);
    },
    leave(group) {
      const entry = members.get(group);
      if (entry && --entry.n <= 0) members.delete(group);
    },
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const source = await createSourceEventStream(args);
        if (!isAsyncIterable(source)) return source as ExecutionResult;
        const key = `${scopeKey((args.contextValue as Context).viewer)}\n${args.operationName ?? ''}\n${JSON.stringify(
          args.variableValues ?? {},
        )}\n${keyOfDocument(args.document)}`;
        return new MappedResults(
          source[Symbol.asyncIterator](),
          args,
          compiledSelection(args),
          join(key),
          groups,
        ) as never;
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
 * One subscriber's results: each source item is executed (shared with its group when the group has others, see
 * above); return()/throw() reach the source at once (it holds the listeners). The subscriber leaves its group once,
 * when the stream ends in any way. A class, so an open subscription holds one object and no closures of its own
 * (tsx, which runs the server, gives every named closure its own `name` property, about 250 bytes each).
 */
class MappedResults implements AsyncIterableIterator<ExecutionResult>, Pushable<ExecutionResult>, Receiver<unknown> {
  private ended = false;
  /** Who a pull by pullInto answers (see receiver.ts). */
  private receiver: Receiver<ExecutionResult> | null = null;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    /** The selection compiled by graphql-jit; null where it does not compile (graphql-js runs it then). */
    private readonly compiled: CompiledQuery | null,
    private readonly group: string,
    private readonly groups: Groups,
  ) {}

  [Symbol.asyncIterator]() {
    return this;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(
      (item) => this.map(item),
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  pullInto(receiver: Receiver<ExecutionResult>): void {
    this.receiver = receiver;
    pullInto(this.source, this);
  }

  receive(item: IteratorResult<unknown>): void {
    const receiver = this.receiver;
    this.receiver = null;
    if (!receiver) return;
    if (item.done) {
      this.end();
      receiver.receive(DONE);
      return;
    }
    const result = this.run(item.value);
    if (isPromise(result))
      result.then(
        (value) => receiver.receive({ value, done: false }),
        (error: unknown) => receiver.fail(error),
      );
    else receiver.receive({ value: result, done: false });
  }

  fail(error: unknown): void {
    const receiver = this.receiver;
    this.receiver = null;
    this.end();
    receiver?.fail(error);
  }

  async return(value?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    await this.source.return?.(value);
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    if (this.source.throw) await this.source.throw(error);
    throw error;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.groups.leave(this.group);
  }

  private map(
    item: IteratorResult<unknown>,
  ): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> {
    if (item.done) {
      this.end();
      return DONE;
    }
    const result = this.run(item.value);
    return isPromise(result) ? result.then((value) => ({ value, done: false })) : { value: result, done: false };
  }

  private run(payload: unknown): PromiseOrValue<ExecutionResult> {
    if (payload == null || typeof payload !== 'object' || this.groups.size(this.group) < 2)
      return this.execute(payload);
    const cached = this.groups.cached(payload, this.group);
    if (cached) return cached;
    const result = this.execute(payload);
    this.groups.remember(payload, this.group, result);
    return result;
  }

  private execute(payload: unknown): PromiseOrValue<ExecutionResult> {
    // A selection whose resolvers all return values executes synchronously: its result is passed on as it is,
    // without a promise per event.
    try {
      const { compiled, args } = this;
      if (!compiled) {
        const result = executeGraphQL({ ...args, rootValue: payload });
        return isPromise(result) ? result.catch(asErrorResult) : result;
      }
      const result = compiled.query(payload, args.contextValue, args.variableValues as Record<string, unknown>);
      return isPromise(result)
        ? result.then((value) => withFieldNodes(value, args.document), asErrorResult)
        : withFieldNodes(result, args.document);
    } catch (error) {
      return asErrorResult(error);
    }
  }
}

const DONE: IteratorResult<ExecutionResult> = { value: undefined, done: true };

/**
 * A subscription's selection compiled once per parsed document and operation (graphql-jit, as queries are: see
 * src/http/jit.ts), and run per item with the item as root value, the way graphql-js's subscribe maps each event:
 * arguments and variables are not coerced again for every event. Documents are yoga's cached parses, so a
 * compiled selection goes when its document does.
 */
const compiledByDocument = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
function compiledSelection(args: ExecutionArgs): CompiledQuery | null {
  let byOperation = compiledByDocument.get(args.document);
  if (!byOperation) {
    byOperation = new Map();
    compiledByDocument.set(args.document, byOperation);
  }
  const name = args.operationName ?? '';
  let compiled = byOperation.get(name);
  if (compiled === undefined) {
    const outcome = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    compiled = isCompiledQuery(outcome) ? outcome : null;
    byOperation.set(name, compiled);
  }
  return compiled;
}

interface Groups {
  size(group: string): number;
  cached(payload: object, group: string): PromiseOrValue<ExecutionResult> | undefined;
  remember(payload: object, group: string, result: PromiseOrValue<ExecutionResult>): void;
  leave(group: string): void;
}

import { createComplexityRule } from '@pothos/plugin-complexity';
import { type GraphQLError, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { Endable, type LiveOperations } from './live-operations.js';

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  value != null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/**
 * Registers every subscription stream in `registry` while it runs, with its transport and token, so the server
 * can end it from outside (shutdown, token revoked or expired). graphql-ws operations carry the socket in their
 * initial context (see app.ts); anything else streaming is SSE.
 */
export function useLiveOperations(
  registry: LiveOperations,
  hooks: { onOverflow?: () => void } = {},
): Plugin<Context & { socket?: unknown }> {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as Context & { socket?: unknown };
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          const viewer = context.viewer;
          let unregister: (() => void) | undefined;
          const stream = new Endable(result[Symbol.asyncIterator](), (error) => {
            unregister?.();
            if (
              (error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code === 'SUBSCRIPTION_OVERFLOW'
            ) {
              hooks.onOverflow?.();
            }
          });
          unregister = registry.add({
            transport: context.socket ? 'ws' : 'sse',
            tokenId: viewer && 'tokenId' in viewer ? viewer.tokenId : null,
            end(error) {
              stream.end(error);
            },
          });
          setResult(stream as never);
        },
      };
    },
  };
}

/**
 * Query cost is checked when a subscription starts: the schema's complexity plugin checks root resolvers, which
 * for a subscription run per event, so an over-cost subscription would be accepted and then fail on every event.
 * This runs the same cost rules (the fields' `complexity` extensions) once, before subscribing, and refuses it.
 */
export function useSubscriptionCost(maxCost: number, error: (cost: number) => GraphQLError): Plugin {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      let cost = 0;
      const rule = createComplexityRule({
        context: args.contextValue as object,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName,
        onResult: (result) => {
          cost = result.complexity;
        },
      });
      validate(args.schema, args.document, [rule]);
      if (cost > maxCost) setResultAndStopExecution({ errors: [error(cost)] });
    },
  };
}

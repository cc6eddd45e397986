import { ComplexityErrorKind, complexityFromQuery } from '@pothos/plugin-complexity';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';

/**
 * Query cost, computed once per document, operation and variables instead of once per request.
 *
 * plugin-complexity computes an operation's cost in its first root resolver, for every request: about 3% of a
 * dashboard request's CPU, for a figure that only depends on the document and the variables (our fieldComplexity
 * reads the field and its arguments, not the context). Here the schema is built with plugin-complexity's check off:
 * `useOperationCost` computes the cost with plugin-complexity's own `complexityFromQuery` from the raw variables,
 * remembered per document, and each root field of Query and Mutation refuses it at the same point and with the same
 * error as plugin-complexity did. Subscriptions are checked once when they start (useSubscriptionCost).
 */

/** Costs remembered per operation (by variables); past this many variable sets the operation's memo starts over. */
const VARIABLE_SETS_KEPT = 100;
/**
 * Variables longer than this (as JSON) are costed every time and not remembered: a mutation carrying thousands of
 * route updates would otherwise keep up to VARIABLE_SETS_KEPT copies of its payload as memo keys.
 */
const MAX_KEY_CHARS = 4096;

const costs = new WeakMap<DocumentNode, Map<string, number>>();
/** The cost of the operation each context runs (set by useOperationCost before execution). */
const costOfContext = new WeakMap<object, number>();

function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const key = `${operationName ?? ''}\n${variables ? JSON.stringify(variables) : ''}`;
  let byVariables = costs.get(document);
  let cost = byVariables?.get(key);
  if (cost !== undefined) return cost;
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) throw new Error('No operation to cost');
  // complexityFromQuery costs the first operation of the document it is given: this one, with the fragments.
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  cost = complexityFromQuery(
    { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
    { schema, variables: variables ?? {} },
  ).complexity;
  if (!byVariables) {
    byVariables = new Map();
    costs.set(document, byVariables);
  }
  if (key.length > MAX_KEY_CHARS) return cost;
  if (byVariables.size >= VARIABLE_SETS_KEPT) byVariables.clear();
  byVariables.set(key, cost);
  return cost;
}

/**
 * Refuses a subscription over `maxCost` when it starts. The root-field check below would run per event (a
 * subscription's root resolver runs for every item), so an over-cost subscription would be accepted and then fail on
 * every event. Same cost and memo as queries.
 */
export function useSubscriptionCost(maxCost: number, error: (cost: number) => GraphQLError): Plugin {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      let cost: number;
      try {
        cost = operationCost(
          args.schema,
          args.document,
          args.operationName,
          args.variableValues as Record<string, unknown> | undefined,
        );
      } catch {
        return; // no such operation, or variables that do not coerce: subscribe answers with its own errors
      }
      if (cost > maxCost) setResultAndStopExecution({ errors: [error(cost)] });
    },
  };
}

/** Computes (or recalls) the cost of each query and mutation before it executes. */
export function useOperationCost(): Plugin {
  return {
    onExecute({ args }) {
      try {
        costOfContext.set(
          args.contextValue as object,
          operationCost(
            args.schema,
            args.document,
            args.operationName,
            args.variableValues as Record<string, unknown> | undefined,
          ),
        );
      } catch {
        // Variables that do not coerce: execution answers with their errors before any resolver runs.
      }
    },
  };
}

type CostError = (kind: ComplexityErrorKind, result: { complexity: number; maxComplexity: number }) => Error;

/**
 * Wraps every root field of Query and Mutation so that it refuses an operation over `limit` before it runs, as
 * plugin-complexity's own check did. An operation whose cost was not computed (useOperationCost did not see it) is
 * refused rather than run unchecked.
 */
export function checkCostAtRootFields(
  schema: GraphQLSchema,
  limit: (ctx: Context) => number,
  error: CostError,
): GraphQLSchema {
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const resolve = field.resolve as GraphQLFieldResolver<unknown, Context> | undefined;
      if (!resolve) continue;
      field.resolve = (parent, args, ctx: Context, info) => {
        const cost = costOfContext.get(ctx);
        if (cost === undefined) throw new Error('The cost of this operation was not computed');
        const max = limit(ctx);
        if (cost > max) throw error(ComplexityErrorKind.Complexity, { complexity: cost, maxComplexity: max });
        return resolve(parent, args, ctx, info);
      };
    }
  }
  return schema;
}

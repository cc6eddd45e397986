import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SourceLocation,
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The only operation of a query or mutation document; null for subscriptions and multi-operation documents. */
function compilableOperation(document: DocumentNode): OperationDefinitionNode | null {
  let found: OperationDefinitionNode | null = null;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (found) return null;
    found = definition;
  }
  return found && found.operation !== 'subscription' ? found : null;
}

/** The field nodes of the document that start at one of `locations` (graphql-jit's errors carry locations only). */
function fieldNodesAt(document: DocumentNode, locations: readonly SourceLocation[]): FieldNode[] {
  const wanted = new Set(locations.map((l) => `${l.line}:${l.column}`));
  const nodes: FieldNode[] = [];
  visit(document, {
    Field(node) {
      const start = node.loc?.startToken;
      if (start && wanted.has(`${start.line}:${start.column}`)) nodes.push(node);
    },
  });
  return nodes;
}

/**
 * Queries and mutations run on graphql-jit: each document is compiled once to a function (kept per parsed document,
 * so it goes when yoga's parser cache lets the document go) instead of being interpreted field by field.
 *
 * Left to yoga's executor, so that their answers stay as they were:
 * - subscriptions (src/realtime/multiplex.ts owns their subscribe);
 * - documents holding more than one operation (the plugin keeps one compiled operation per document, whatever
 *   `operationName` asks for);
 * - variables that do not coerce (the executor answers 400 with the path inside the variable; graphql-jit answers
 *   200 and names nested input fields as if they were variables). graphql-jit coerces the variables first and answers
 *   only `errors`, without `data`, when they do not coerce (the only answer without `data` once a document compiled);
 *   such an answer is replaced by the executor's, so variables are coerced once per request, not twice.
 *
 * graphql-jit's field errors carry `locations` but no AST nodes, and yoga rebuilds errors from their nodes; they are
 * given their field nodes back (and `errors` comes first in the result again), so a field error reads as before.
 */
export function useCompiledExecution(): Plugin {
  const compilable = new WeakMap<DocumentNode, boolean>();
  const isCompilable = (document: DocumentNode) => {
    let known = compilable.get(document);
    if (known === undefined) {
      known = compilableOperation(document) != null;
      compilable.set(document, known);
    }
    return known;
  };
  const jit = useGraphQlJit({}, { enableIf: (args: ExecutionArgs) => isCompilable(args.document) }) as Plugin;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(jit);
    },
    // Runs before graphql-jit's onExecute (added after this plugin), so `executeFn` is still yoga's executor.
    onExecute({ args, executeFn }) {
      if (!isCompilable(args.document)) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in (result as object)) return;
          const single = result as ExecutionResult;
          if (single.errors?.length && !('data' in single)) {
            // The variables did not coerce: the executor's answer.
            const answer = executeFn(args) as unknown;
            if (answer instanceof Promise) return answer.then((r) => setResult(r as never));
            setResult(answer as never);
            return;
          }
          const restored = withFieldNodes(single, args.document);
          if (restored !== result) setResult(restored as never);
        },
      };
    },
  };
}

/**
 * A result of graphql-jit with its field errors given their AST nodes back (graphql-jit sets `locations` only, and
 * error masking rebuilds an error from its nodes), `errors` first as graphql-js has it. The same result when no
 * error needs it.
 */
export function withFieldNodes(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  if (!result.errors?.some((e) => e.locations && !e.nodes)) return result;
  const errors = result.errors.map((e) =>
    e.locations && !e.nodes
      ? new GraphQLError(e.message, {
          nodes: fieldNodesAt(document, e.locations),
          path: e.path,
          originalError: e.originalError,
          extensions: e.extensions,
        })
      : e,
  );
  return { errors, data: result.data, ...(result.extensions ? { extensions: result.extensions } : {}) };
}

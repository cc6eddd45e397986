import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Trusted documents: the operations a frontend's build produced, by hash. The manifest is a JSON object of
 * `hash -> document text`, the format GraphQL Code Generator's client preset (`persisted-documents.json`) and the Relay
 * compiler (`--persist-output`) emit. A client names an operation by `documentId` (GraphQL over HTTP persisted
 * documents) or by `extensions.persistedQuery.sha256Hash` (the Apollo convention); over graphql-ws the same, with
 * `query` sent as an empty string (graphql-ws requires the field).
 */
export type PersistedOperations = ReadonlyMap<string, string>;

export function loadPersistedOperations(file: string): PersistedOperations {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${file}: a persisted-operations manifest is a JSON object of hash -> document`);
  }
  const map = new Map<string, string>();
  for (const [hash, document] of Object.entries(raw)) {
    if (typeof document !== 'string' || !document.trim()) throw new Error(`${file}: "${hash}" has no document text`);
    map.set(hash, document);
  }
  return map;
}

const error = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });

export const persistedErrors = {
  only: () =>
    error(
      'PERSISTED_OPERATIONS_ONLY',
      'This server only runs trusted documents: send `documentId` (or extensions.persistedQuery.sha256Hash) instead of `query`',
    ),
  missingId: () => error('PERSISTED_OPERATION_ID_REQUIRED', 'Send `query`, or `documentId` of a trusted document'),
  notFound: () => error('PERSISTED_OPERATION_NOT_FOUND', 'No trusted document has that id'),
};

/** The document id a request names, if any. */
export function persistedOperationId(params: {
  documentId?: unknown;
  extensions?: Record<string, unknown> | null;
}): string | null {
  if (typeof params.documentId === 'string' && params.documentId) return params.documentId;
  const pq = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  return pq && pq.version === 1 && typeof pq.sha256Hash === 'string' ? pq.sha256Hash : null;
}

/**
 * Resolves one graphql-ws operation: its document text, or the error that refuses it. HTTP and SSE go through the
 * yoga plugin below, which applies the same rules.
 */
export function resolveWsOperation(
  operations: PersistedOperations,
  only: boolean,
  params: { query?: string; documentId?: unknown; extensions?: Record<string, unknown> | null },
): string | GraphQLError {
  const id = persistedOperationId(params);
  if (params.query) return only || id ? persistedErrors.only() : params.query;
  if (id == null) return persistedErrors.missingId();
  return operations.get(id) ?? persistedErrors.notFound();
}

export function usePersisted(operations: PersistedOperations, only: boolean): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => operations.get(id) ?? null,
    extractPersistedOperationId: (params) => persistedOperationId(params as never),
    allowArbitraryOperations: !only,
    customErrors: {
      notFound: persistedErrors.notFound,
      keyNotFound: persistedErrors.missingId,
      persistedQueryOnly: persistedErrors.only,
    },
  }) as Plugin;
}

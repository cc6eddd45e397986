import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for the dashboard (web/dashboard), from the committed SDL. `npm run dashboard:codegen` rewrites
 * web/dashboard/gql/; test/dashboard-build.test.ts fails when the committed output drifts from the schema or the
 * operations. `persisted-documents.json` (sha256 -> document) is the trusted-documents manifest the server loads.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['web/dashboard/operations.ts'],
  ignoreNoDocuments: false,
  generates: {
    'web/dashboard/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        emitLegacyCommonJSImports: false,
        scalars: { DateTime: 'string', ASN: 'number' },
      },
    },
  },
};

export default config;

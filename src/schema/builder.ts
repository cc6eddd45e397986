import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from '../context.js';

/** Configuration only: plugins, scalars' shapes, root types. Types live in the domain folders. */
export interface PothosTypes {
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | number };
    ID: { Input: string; Output: string | number };
  };
}

export const builder = new SchemaBuilder<PothosTypes>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    brandLoadedObjects: true,
  },
});

builder.queryType({ description: 'Reads. The partner catalogue is public; everything else needs a token.' });
builder.mutationType({
  description: 'Writes. Each takes one `input` and returns `userErrors`; on any error nothing is written.',
});
builder.subscriptionType({ description: 'Live telemetry over graphql-ws or SSE (same auth and limits as HTTP).' });

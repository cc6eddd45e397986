import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './common.js';
import './catalogue/types.js';
import './catalogue/queries.js';
import './catalogue/mutations.js';
import './identity/types.js';
import './identity/operations.js';
import './registration/types.js';
import './registration/operations.js';
import './telemetry/types.js';
import './telemetry/queries.js';
import './telemetry/mutations.js';
import './telemetry/subscriptions.js';
import './feeds/types.js';
import './feeds/queries.js';

export const schema = builder.toSchema({ sortSchema: true });

/** The SDL committed as schema/schema.graphql. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { DB } from '../db/client.js';
import { peeringServices, prefixes } from '../db/schema.js';
import { PREFIX_CURSOR_KIND, type PrefixRow } from '../loaders.js';
import { type Connection, keysetPage, type PageRequest } from './pagination.js';
import { containsPattern } from './search.js';
import type { ServiceScope } from './viewer.js';

export interface PrefixFilter {
  validationStates?: readonly string[] | null;
  peeringServiceId?: number | null;
  partnerId?: number | null;
  /** Case-insensitive substring of the prefix's name or its CIDR text (`%` and `_` are literal). */
  search?: string | null;
}

/** Prefixes of the peering services the scope may see: the rows of services outside it never match. */
function prefixScopeWhere(scope: ServiceScope): SQL | undefined {
  if ('all' in scope) return undefined;
  if ('none' in scope) return sql`0`;
  const owner =
    'customerId' in scope
      ? eq(peeringServices.customerId, scope.customerId)
      : eq(peeringServices.partnerId, scope.partnerId);
  return inArray(prefixes.peeringServiceId, sql`(select ${peeringServices.id} from ${peeringServices} where ${owner})`);
}

/** One page of the caller's prefixes across peering services, e.g. every FAILED or WARNING one. */
export function listPrefixes(
  db: DB,
  scope: ServiceScope,
  filter: PrefixFilter,
  request: PageRequest,
): Connection<PrefixRow> {
  const pattern = filter.search ? containsPattern(filter.search) : null;
  const where = and(
    prefixScopeWhere(scope),
    filter.validationStates?.length
      ? inArray(prefixes.validationState, filter.validationStates as PrefixRow['validationState'][])
      : undefined,
    filter.peeringServiceId != null ? eq(prefixes.peeringServiceId, filter.peeringServiceId) : undefined,
    filter.partnerId != null
      ? inArray(
          prefixes.peeringServiceId,
          sql`(select ${peeringServices.id} from ${peeringServices} where ${peeringServices.partnerId} = ${filter.partnerId})`,
        )
      : undefined,
    pattern
      ? or(sql`${prefixes.name} like ${pattern} escape '\\'`, sql`${prefixes.prefix} like ${pattern} escape '\\'`)
      : undefined,
  );
  return keysetPage<PrefixRow>(
    db,
    { kind: PREFIX_CURSOR_KIND, table: prefixes, key: prefixes.id, keyOf: (r) => r.id, where },
    request,
  );
}

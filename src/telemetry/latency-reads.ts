import type { DB } from '../db/client.js';
import type { LatencyUpdateMessage } from '../pubsub.js';
import type { ServiceScope } from '../services/viewer.js';
import { measuredPrefixFor } from './latency.js';

type Granularity = LatencyUpdateMessage['granularity'];

/**
 * The latency buckets that start at or after `since` for the prefixes a viewer may see (optionally one prefix or one
 * peering service), as the messages `latencyUpdated` pushes: the replay part of `latencyUpdated(since:)`. Several
 * registered prefixes can share one measured /24 (or /48); each gets its own message. Ordered by bucket start.
 */
export function latencyBucketsSince(
  db: DB,
  scope: ServiceScope,
  filter: { prefixId: number | null; peeringServiceId: number | null; granularity: Granularity | null; since: number },
): LatencyUpdateMessage[] {
  if ('none' in scope) return [];
  const conditions: string[] = [];
  const params: (number | string)[] = [];
  if ('customerId' in scope) {
    conditions.push('s.customer_id = ?');
    params.push(scope.customerId);
  } else if ('partnerId' in scope) {
    conditions.push('s.partner_id = ?');
    params.push(scope.partnerId);
  }
  if (filter.prefixId != null) {
    conditions.push('p.id = ?');
    params.push(filter.prefixId);
  }
  if (filter.peeringServiceId != null) {
    conditions.push('s.id = ?');
    params.push(filter.peeringServiceId);
  }
  const targets = db.$client
    .prepare(
      `select p.id as prefixId, p.prefix as prefix, p.family as family, s.id as peeringServiceId,
         s.customer_id as customerId, s.partner_id as partnerId
       from prefixes p join peering_services s on s.id = p.peering_service_id
       ${conditions.length ? `where ${conditions.join(' and ')}` : ''}`,
    )
    .all(...params) as {
    prefixId: number;
    prefix: string;
    family: 4 | 6;
    peeringServiceId: number;
    customerId: number;
    partnerId: number;
  }[];
  const buckets = db.$client.prepare(
    `select granularity, start from latency_buckets
     where measured_prefix = ? and start >= ? and (? is null or granularity = ?) order by start`,
  );
  const messages: LatencyUpdateMessage[] = [];
  for (const target of targets) {
    const measuredPrefix = measuredPrefixFor(target);
    const rows = buckets.all(measuredPrefix, filter.since, filter.granularity, filter.granularity) as {
      granularity: Granularity;
      start: number;
    }[];
    for (const row of rows) {
      messages.push({
        prefixId: target.prefixId,
        peeringServiceId: target.peeringServiceId,
        customerId: target.customerId,
        partnerId: target.partnerId,
        measuredPrefix,
        granularity: row.granularity,
        start: row.start,
      });
    }
  }
  return messages.sort((a, b) => a.start - b.start);
}

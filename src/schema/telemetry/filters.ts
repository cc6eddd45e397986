import type { Context } from '../../context.js';
import { tryParseCidr } from '../../domain/cidr.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { EventFilter } from '../../telemetry/event-log.js';
import { builder } from '../builder.js';
import { decodeId } from '../common.js';
import { EventLevelEnum, PrefixEventTypeEnum } from './types.js';

export const PrefixEventFilterInput = builder.inputType('PrefixEventFilter', {
  description: 'All given conditions must hold; always within the peering services the caller may see.',
  fields: (t) => ({
    peeringServiceId: t.id({
      description:
        'Only events of this PeeringService. One that does not exist or that the caller may not see is a GraphQL ' +
        'error with extensions.code NOT_FOUND (never an empty result).',
    }),
    prefixId: t.id({
      description: 'Only events of this Prefix. Unknown or not visible: NOT_FOUND, as for peeringServiceId.',
    }),
    prefix: t.string({
      description:
        'A CIDR: events whose observed prefix equals it or is a more-specific of it. Not a valid CIDR: BAD_USER_INPUT.',
    }),
    minLevel: t.field({ type: EventLevelEnum, description: 'Only events of this level or more severe.' }),
    types: t.field({ type: [PrefixEventTypeEnum], description: 'Only events of these types.' }),
    since: t.field({ type: 'DateTime', description: 'occurredAt >= since.' }),
    until: t.field({ type: 'DateTime', description: 'occurredAt < until.' }),
  }),
});

export type PrefixEventFilterShape = typeof PrefixEventFilterInput.$inferInput;

/**
 * Resolves a filter's global ids to rows the viewer may see. Naming a peering service or prefix the viewer
 * cannot see is NOT_FOUND (never an empty stream that looks like "no events").
 */
export async function resolveEventFilter(
  ctx: Context,
  filter: PrefixEventFilterShape | null | undefined,
): Promise<EventFilter> {
  if (!filter) return {};
  let peeringServiceId: number | null = null;
  let prefixId: number | null = null;
  if (filter.peeringServiceId != null) {
    peeringServiceId = decodeId(filter.peeringServiceId, 'PeeringService');
    if (peeringServiceId == null || !(await ctx.loaders.peeringService.load(peeringServiceId))) {
      throw new NotFoundError('No such peering service');
    }
  }
  if (filter.prefixId != null) {
    prefixId = decodeId(filter.prefixId, 'Prefix');
    if (prefixId == null || !(await ctx.loaders.prefix.load(prefixId))) throw new NotFoundError('No such prefix');
  }
  let prefix = null;
  if (filter.prefix != null) {
    prefix = tryParseCidr(filter.prefix);
    if (!prefix) throw new InputError(`filter.prefix "${filter.prefix}" is not a valid CIDR`);
  }
  return {
    peeringServiceId,
    prefixId,
    prefix,
    minLevel: filter.minLevel ?? null,
    // A copy of exactly its length (graphql-js builds the list by pushing, with room for more): a subscription
    // keeps its filter as long as it is open.
    types: filter.types ? [...filter.types] : null,
    since: filter.since?.getTime() ?? null,
    until: filter.until?.getTime() ?? null,
  };
}

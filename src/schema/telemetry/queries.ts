import { pageRequest } from '../../services/pagination.js';
import { requireReader } from '../../services/viewer.js';
import { EVENT_CURSOR_KIND, listEvents } from '../../telemetry/event-log.js';
import { builder } from '../builder.js';
import { orderInput } from '../common.js';
import { PrefixEventFilterInput, resolveEventFilter } from './filters.js';
import { PrefixEventConnectionRef, PrefixEventRef } from './types.js';

const PrefixEventOrder = orderInput(
  'PrefixEventOrder',
  'PrefixEventOrderField',
  {
    SEQUENCE:
      'The log sequence (the cursor): the order peerwatch recorded events in. A replayed past incident sorts by when it was recorded, not by occurredAt.',
  },
  'SEQUENCE',
  'How Query.prefixEvents is ordered.',
);

builder.queryField('prefixEvents', (t) =>
  t.connection(
    {
      type: PrefixEventRef,
      nullable: true,
      description:
        'The event log across the prefixes the caller may see, in sequence order (oldest first; `last: n` gives the newest n) ' +
        'unless `orderBy` says otherwise. Events are kept EVENT_RETENTION_DAYS (default 30) from when they were recorded. ' +
        'Without a token: null with UNAUTHENTICATED; a COLLECTOR: null with FORBIDDEN.',
      args: {
        filter: t.arg({ type: PrefixEventFilterInput, description: 'Narrows the log; omit for every visible event.' }),
        orderBy: t.arg({
          type: PrefixEventOrder,
          description:
            'Default: sequence order, oldest first. `{ field: SEQUENCE, direction: DESC }` for the newest first; ' +
            '`prefixEvents(first: 1, orderBy: { field: SEQUENCE, direction: DESC })` gives the cursor to subscribe after.',
        }),
      },
      resolve: async (_root, args, ctx) => {
        requireReader(ctx.viewer);
        const request = pageRequest(EVENT_CURSOR_KIND, args, undefined, args.orderBy?.direction);
        const filter = await resolveEventFilter(ctx, args.filter);
        return listEvents(ctx.deps.db, filter, ctx.loaders.scope, request);
      },
    },
    PrefixEventConnectionRef,
  ),
);

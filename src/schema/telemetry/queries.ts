import { pageRequest } from '../../services/pagination.js';
import { requireReader } from '../../services/viewer.js';
import { EVENT_CURSOR_KIND, listEvents } from '../../telemetry/event-log.js';
import { builder } from '../builder.js';
import { PrefixEventFilterInput, resolveEventFilter } from './filters.js';
import { PrefixEventConnectionRef, PrefixEventRef } from './types.js';

builder.queryField('prefixEvents', (t) =>
  t.connection(
    {
      type: PrefixEventRef,
      nullable: true,
      description:
        'The event log across the prefixes the caller may see, in sequence order (oldest first; `last: n` gives the newest n). ' +
        'Events are kept EVENT_RETENTION_DAYS (default 30). Without a token: null with UNAUTHENTICATED; a COLLECTOR: ' +
        'null with FORBIDDEN.',
      args: {
        filter: t.arg({ type: PrefixEventFilterInput, description: 'Narrows the log; omit for every visible event.' }),
      },
      resolve: async (_root, args, ctx) => {
        requireReader(ctx.viewer);
        const request = pageRequest(EVENT_CURSOR_KIND, args);
        const filter = await resolveEventFilter(ctx, args.filter);
        return listEvents(ctx.deps.db, filter, ctx.loaders.scope, request);
      },
    },
    PrefixEventConnectionRef,
  ),
);

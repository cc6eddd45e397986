import { listFeeds } from '../../services/feeds.js';
import { builder } from '../builder.js';
import { FeedRef } from './types.js';

builder.queryField('feeds', (t) =>
  t.field({
    type: [FeedRef],
    nullable: true,
    description:
      'OPERATOR only: every source of BGP data and how fresh it is, by kind then name. Others get null with an error.',
    resolve: (_root, _args, ctx) => listFeeds(ctx.telemetry.feeds, ctx.viewer),
  }),
);

import { AuthenticationError, ForbiddenError } from '../errors.js';
import type { FeedRegistry, FeedView } from '../feeds/registry.js';
import type { Viewer } from './viewer.js';

/** OPERATOR only: every feed, with `connected` and `stale` as of now. */
export function listFeeds(feeds: FeedRegistry, viewer: Viewer): FeedView[] {
  if (viewer.role === 'ANONYMOUS') {
    throw new AuthenticationError('Authentication required: send Authorization: Bearer <token>');
  }
  if (viewer.role !== 'OPERATOR') throw new ForbiddenError('Only an OPERATOR can list feeds');
  return feeds.list();
}

import type { FEED_KINDS } from '../../db/schema.js';
import type { FeedView } from '../../feeds/registry.js';
import { builder } from '../builder.js';

export const FeedKindEnum = builder.enumType('FeedKind', {
  description: 'How a feed reaches peerwatch.',
  values: {
    RIS_LIVE: { value: 'RIS_LIVE', description: 'The built-in RIPE RIS Live WebSocket connection (RIS_LIVE_URL).' },
    EXABGP: {
      value: 'EXABGP',
      description:
        'An ExaBGP bridge posting to /ingest/ris with x-peerwatch-feed-kind: EXABGP, named by its host name.',
    },
    HTTP: {
      value: 'HTTP',
      description: 'A collector posting to /ingest/ris or ingestRouteUpdates: one feed per collector `host`.',
    },
  } satisfies Record<(typeof FEED_KINDS)[number], { value: string; description: string }>,
});

const at = (ms: number | null) => (ms == null ? null : new Date(ms));

export const FeedRef = builder.objectRef<FeedView>('Feed').implement({
  description:
    'A source of BGP updates: the built-in RIS Live connection, an ExaBGP bridge, or a collector posting over HTTP ' +
    '(one per collector `host`).',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'RIS_LIVE: the endpoint host. EXABGP: the bridge host name. HTTP: the collector `host`.',
    }),
    kind: t.expose('kind', { type: FeedKindEnum, description: 'How the feed reaches peerwatch.' }),
    connected: t.boolean({
      nullable: true,
      description:
        'Connection-based feeds: connected now. RIS_LIVE: the WebSocket is open (false while reconnecting, and once ' +
        'stale). EXABGP: the bridge has posted (updates or its empty heartbeat) within FEED_STALE_SECONDS; the bridge ' +
        'holds the BGP sessions, peerwatch only sees its posts. null for HTTP feeds, which push.',
      resolve: (f) => f.connected,
    }),
    lastMessageAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the last BGP message (UPDATE or peer state change) arrived.',
      resolve: (f) => at(f.lastMessageAt),
    }),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Last sign of life: a BGP message, an ExaBGP heartbeat or a RIS Live pong.',
      resolve: (f) => at(f.lastSeenAt),
    }),
    messagesReceived: t.float({
      description:
        'Well-formed BGP messages received (UPDATEs and peer state changes); rejected lines are not counted.',
      resolve: (f) => f.messagesReceived,
    }),
    reconnects: t.int({
      description: 'Times the connection was re-established. RIS Live cannot replay what was sent while disconnected.',
      resolve: (f) => f.reconnects,
    }),
    stale: t.boolean({
      description:
        'No sign of life for longer than FEED_STALE_SECONDS. Also logged once and listed on /health (which stays 200).',
      resolve: (f) => f.stale,
    }),
    lastError: t.string({
      nullable: true,
      description: 'The last error: a ris_error message from RIS Live, or why the connection failed or closed.',
      resolve: (f) => f.lastError,
    }),
    lastErrorAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When lastError happened.',
      resolve: (f) => at(f.lastErrorAt),
    }),
    possibleGapSince: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'Start of the last interval in which messages may have been missed: the RIS Live connection was down (or ' +
        'peerwatch was not running) and RIS Live keeps no replay. Routes that changed then are out of date until ' +
        'they change again. null: no gap seen.',
      resolve: (f) => at(f.gapStartedAt),
    }),
    possibleGapUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'End of that interval: when the connection was re-established and everything re-subscribed.',
      resolve: (f) => at(f.gapEndedAt),
    }),
  }),
});

import type { DB } from '../db/client.js';
import type { BgpSessionState } from '../db/schema.js';
import { originOf } from '../domain/bgp.js';
import { type Cidr, normaliseAddress, tryParseCidr } from '../domain/cidr.js';
import {
  type AnalysisQueries,
  type AnalysisSettings,
  analyzePrefix,
  emitEvent,
  type SessionInfo,
} from './analytics.js';
import { type RouteUpdate, rawMessageOf } from './route-input.js';
import type { Outbox, WatchedPrefix, WatchQueries } from './watch.js';

/**
 * Applies a batch of normalised BGP updates to the route state (inside the caller's transaction):
 * per-session ANNOUNCEMENT/WITHDRAWAL events as they happen, then one aggregate analysis per touched
 * registered prefix at the batch's end state.
 *
 * Route state is kept for routes from partner sessions (always: validation needs them even before a prefix
 * is registered) and for routes equal to or inside a registered prefix. Other internet routes are dropped.
 */

export interface RouteBatchResult {
  /** Registered prefixes touched, with the latest update time that touched each. */
  touched: Map<number, { watched: WatchedPrefix; asOf: number }>;
  stored: number;
  /** Updates that concerned neither a partner session nor a registered prefix (dropped). */
  ignored: number;
}

/** Rows per multi-row history insert (6 parameters each, well under SQLite's parameter limit). */
const HISTORY_CHUNK = 100;

export function routeStatements(db: DB) {
  const client = db.$client;
  const current = client.prepare(
    'select announced, updated_at as updatedAt from route_states where peer = ? and prefix = ?',
  );
  const upsert = client.prepare(`
    insert into route_states (peer, prefix, family, range_start, range_end, peer_asn, host, session_id, announced,
                              as_path, origin_asn, communities, last_announced_at, updated_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict (peer, prefix) do update set
      peer_asn = excluded.peer_asn, host = excluded.host, session_id = excluded.session_id, announced = excluded.announced,
      as_path = excluded.as_path, origin_asn = excluded.origin_asn, communities = excluded.communities,
      last_announced_at = excluded.last_announced_at, updated_at = excluded.updated_at`);
  const withdraw = client.prepare(
    'update route_states set announced = 0, updated_at = ? where peer = ? and prefix = ?',
  );
  const historySql = (rows: number) =>
    `insert into route_updates (received_at, timestamp, host, peer, peer_asn, message) values ${Array(rows)
      .fill('(?, ?, ?, ?, ?, ?)')
      .join(', ')}`;
  const historyOne = client.prepare(historySql(1));
  // History rows go in HISTORY_CHUNK at a time: one statement per chunk instead of one per update.
  const historyChunk = client.prepare(historySql(HISTORY_CHUNK));
  const sessions = client.prepare(`
    select s.id, s.router_name as routerName, l.name as locationName, s.partner_id as partnerId,
           s.peering_location_id as peeringLocationId, s.peer_address as peerAddress,
           s.state, s.state_changed_at as stateChangedAt
    from peering_sessions s join peering_locations l on l.id = s.peering_location_id`);
  const announcedBy = client.prepare(
    'select prefix from route_states where peer = ? and announced = 1 and updated_at <= ? order by prefix',
  );
  const setSessionState = client.prepare('update peering_sessions set state = ?, state_changed_at = ? where id = ?');
  return {
    current: (peer: string, prefix: string) =>
      current.get(peer, prefix) as { announced: number; updatedAt: number } | undefined,
    /**
     * An announcement's row; `announced` 0 when the batch withdrew it again (then `updatedAt` is the withdrawal's
     * time). Positional parameters: better-sqlite3 binds them faster than named ones read from an object.
     */
    upsert: (row: AnnouncedRow) =>
      upsert.run(
        row.peer,
        row.prefix,
        row.family,
        row.rangeStart,
        row.rangeEnd,
        row.peerAsn,
        row.host,
        row.sessionId,
        row.announced,
        row.asPath,
        row.originAsn,
        row.communities,
        row.lastAnnouncedAt,
        row.updatedAt,
      ),
    withdraw: (ts: number, peer: string, prefix: string) => withdraw.run(ts, peer, prefix),
    /** One route_updates row per update, in order (their ids follow the order of `updates`). */
    history: (receivedAt: number, updates: RouteUpdate[]) => {
      const params: unknown[] = [];
      let i = 0;
      for (; i + HISTORY_CHUNK <= updates.length; i += HISTORY_CHUNK) {
        params.length = 0;
        for (let j = i; j < i + HISTORY_CHUNK; j++) {
          const u = updates[j]!;
          params.push(receivedAt, u.timestamp, u.host, u.peer, u.peerAsn, rawMessageOf(u));
        }
        historyChunk.run(params);
      }
      for (; i < updates.length; i++) {
        const u = updates[i]!;
        historyOne.run(receivedAt, u.timestamp, u.host, u.peer, u.peerAsn, rawMessageOf(u));
      }
    },
    /** Keyed by the normalised address, as update peers are (a session stored before normalisation still matches). */
    sessionsByPeer: () =>
      new Map((sessions.all() as SessionWithState[]).map((s) => [normaliseAddress(s.peerAddress) ?? s.peerAddress, s])),
    /** Routes the peer announced at or before `ts` and has not withdrawn. */
    announcedBy: (peer: string, ts: number): Cidr[] =>
      (announcedBy.all(peer, ts) as { prefix: string }[])
        .map((r) => tryParseCidr(r.prefix))
        .filter((c): c is Cidr => c != null),
    setSessionState: (id: number, state: BgpSessionState, at: number) => setSessionState.run(state, at, id),
  };
}

export type RouteStatements = ReturnType<typeof routeStatements>;

/** A route_states row as an announcement writes it. */
interface AnnouncedRow {
  peer: string;
  prefix: string;
  family: number;
  rangeStart: string;
  rangeEnd: string;
  peerAsn: number;
  host: string;
  sessionId: number | null;
  announced: 0 | 1;
  asPath: string;
  originAsn: number | null;
  communities: string;
  lastAnnouncedAt: number;
  updatedAt: number;
}

/** A route state the batch changed and has not written yet: a whole row, or a withdrawal of a stored route. */
type PendingWrite = { row: AnnouncedRow } | { withdrawnAt: number; peer: string; prefix: string };

/**
 * One route (peer and prefix) as of the batch: `announced` 1 or 0 as stored or last written by the batch, -1 for a
 * route that has no row; its write not made yet, if any.
 */
interface RouteSlot {
  announced: number;
  updatedAt: number;
  write: PendingWrite | null;
}

type SessionWithState = SessionInfo & { state: BgpSessionState; stateChangedAt: number | null };

/** Records that the batch touched a registered prefix, at the latest update time that touched it. */
function touch(touched: RouteBatchResult['touched'], watched: WatchedPrefix, at: number): void {
  const seen = touched.get(watched.id);
  if (!seen) touched.set(watched.id, { watched, asOf: at });
  else if (at > seen.asOf) seen.asOf = at;
}

/** A per-session ANNOUNCEMENT/WITHDRAWAL event for a registered prefix on a session of its partner at its locations. */
function sessionEvent(
  db: DB,
  outbox: Outbox,
  session: SessionWithState | null,
  update: RouteUpdate,
  watched: WatchedPrefix,
  cidr: Cidr,
  announced: boolean,
): void {
  if (!session || cidr.text !== watched.prefix || session.partnerId !== watched.partnerId) return;
  const role =
    session.peeringLocationId === watched.primaryLocationId
      ? 'PRIMARY'
      : session.peeringLocationId === watched.backupLocationId
        ? 'BACKUP'
        : null;
  if (!role) return;
  const where = `${session.routerName} (${session.locationName})`;
  emitEvent(db, outbox, watched, update.timestamp, {
    type: announced
      ? role === 'PRIMARY'
        ? 'ANNOUNCEMENT'
        : 'BACKUP_ROUTE_ANNOUNCEMENT'
      : role === 'PRIMARY'
        ? 'WITHDRAWAL'
        : 'BACKUP_ROUTE_WITHDRAWAL',
    summary: `${role === 'BACKUP' ? 'Backup route ' : ''}${announced ? 'announcement' : 'withdrawal'} of ${watched.prefix} on ${where}`,
    description: announced
      ? `Prefix ${role === 'BACKUP' ? 'backup route ' : ''}announcement was received on session ${where} with AS path ${update.path.join(' ')}.`
      : `Prefix ${role === 'BACKUP' ? 'backup route ' : ''}${
          update.peerState === 'DOWN'
            ? 'was withdrawn: the BGP session went down'
            : update.peerState === 'UP'
              ? 'was withdrawn: the BGP session was re-established and the route was not announced again yet'
              : 'withdrawal was received'
        } on session ${where}. Traffic uses the remaining sessions${role === 'PRIMARY' ? ' or the backup location' : ''}.`,
    observedOriginAsn: announced ? originOf(update.path) : null,
    asPath: announced ? update.path : null,
  });
}

export function applyRouteBatch(
  db: DB,
  stmts: RouteStatements,
  watch: WatchQueries,
  analysis: AnalysisQueries,
  settings: AnalysisSettings,
  updates: RouteUpdate[],
  now: number,
  outbox: Outbox,
): RouteBatchResult {
  const sessionsByPeer = stmts.sessionsByPeer();
  const touched = new Map<number, { watched: WatchedPrefix; asOf: number }>();
  // One object per registered prefix for the whole batch, so the analysis sees what the batch changed. The covering
  // prefix is found by a binary search over the registered ranges each time: most observed prefixes are covered by
  // nothing and seen once, so remembering them by text would cost more than the search.
  const watchedById = new Map<number, WatchedPrefix | null>();
  const coveringId = watch.coveringIndex();
  const lookup = (cidr: Cidr): WatchedPrefix | null => {
    const id = coveringId(cidr);
    if (id == null) return null;
    let watched = watchedById.get(id);
    if (watched === undefined) {
      watched = watch.byId(id);
      watchedById.set(id, watched);
    }
    return watched;
  };
  let stored = 0;
  let ignored = 0;
  // Route state as of this batch, by peer and then prefix: read once from the database, then kept up to date with
  // what the batch writes, so a route the batch changes again is not read back. Two lookups by strings whose hashes
  // are already known, rather than one by a `${peer} ${prefix}` key built, flattened and hashed for every route.
  const routesByPeer = new Map<string, Map<string, RouteSlot>>();
  const routesOf = (peer: string) => {
    let routes = routesByPeer.get(peer);
    if (!routes) {
      routes = new Map();
      routesByPeer.set(peer, routes);
    }
    return routes;
  };
  const slotOf = (routes: Map<string, RouteSlot>, peer: string, prefix: string) => {
    let slot = routes.get(prefix);
    if (!slot) {
      const row = stmts.current(peer, prefix);
      slot = { announced: row ? row.announced : -1, updatedAt: row ? row.updatedAt : 0, write: null };
      routes.set(prefix, slot);
    }
    return slot;
  };
  // Writes of route state are kept per (peer, prefix) until the batch's reads need them (a peer's routes on a peer
  // state change, the analysis at the end), so a route announced and withdrawn again in one batch is written once.
  // `pending` holds the routes with a write, in the order of their first write since the last flush.
  const pending: RouteSlot[] = [];
  const setWrite = (slot: RouteSlot, write: PendingWrite) => {
    if (!slot.write) pending.push(slot);
    slot.write = write;
  };
  const flush = () => {
    for (const slot of pending) {
      const write = slot.write!;
      if ('row' in write) stmts.upsert(write.row);
      else stmts.withdraw(write.withdrawnAt, write.peer, write.prefix);
      slot.write = null;
    }
    pending.length = 0;
  };
  const relevantUpdates: RouteUpdate[] = [];

  for (const update of updates) {
    const session = sessionsByPeer.get(update.peer) ?? null;
    let relevant = session != null;
    // A peer state change: DOWN withdraws every route learned from the peer; UP begins a new session, whose table
    // starts empty, so routes left over from before (a DOWN that was never received) are withdrawn too. Both go
    // through the withdrawal path below, so they raise the same events as withdrawals.
    let sessionDown: Cidr[] = [];
    if (update.peerState) {
      flush();
      sessionDown = stmts.announcedBy(update.peer, update.timestamp);
      const state: BgpSessionState = update.peerState === 'DOWN' ? 'DOWN' : 'ESTABLISHED';
      const newer = session?.stateChangedAt == null || update.timestamp >= session.stateChangedAt;
      if (session && newer && session.state !== state) {
        stmts.setSessionState(session.id, state, update.timestamp);
        session.state = state;
        session.stateChangedAt = update.timestamp;
      }
    }
    const routes = routesOf(update.peer);
    for (const cidr of update.announce) {
      const watched = lookup(cidr);
      if (!watched && !session) continue;
      const slot = slotOf(routes, update.peer, cidr.text);
      if (slot.updatedAt > update.timestamp && slot.announced !== -1) continue; // out of order: keep the newer state
      const wasAnnounced = slot.announced === 1;
      setWrite(slot, {
        row: {
          peer: update.peer,
          prefix: cidr.text,
          family: cidr.family,
          rangeStart: cidr.start,
          rangeEnd: cidr.end,
          peerAsn: update.peerAsn,
          host: update.host,
          sessionId: session?.id ?? null,
          announced: 1,
          asPath: JSON.stringify(update.path),
          originAsn: originOf(update.path),
          communities: JSON.stringify(update.communities),
          lastAnnouncedAt: update.timestamp,
          updatedAt: update.timestamp,
        },
      });
      slot.announced = 1;
      slot.updatedAt = update.timestamp;
      stored++;
      if (watched) {
        relevant = true;
        if (!wasAnnounced) sessionEvent(db, outbox, session, update, watched, cidr, true);
        touch(touched, watched, update.timestamp);
      }
    }
    for (const cidr of sessionDown.length ? [...update.withdraw, ...sessionDown] : update.withdraw) {
      const slot = slotOf(routes, update.peer, cidr.text);
      if (slot.announced === -1 || slot.updatedAt > update.timestamp) continue;
      const wasAnnounced = slot.announced === 1;
      const write = slot.write;
      if (write && 'row' in write) {
        write.row.announced = 0;
        write.row.updatedAt = update.timestamp;
      } else setWrite(slot, { withdrawnAt: update.timestamp, peer: update.peer, prefix: cidr.text });
      slot.announced = 0;
      slot.updatedAt = update.timestamp;
      stored++;
      const watched = lookup(cidr);
      if (watched) {
        relevant = true;
        if (wasAnnounced) sessionEvent(db, outbox, session, update, watched, cidr, false);
        touch(touched, watched, update.timestamp);
      }
    }
    if (relevant) relevantUpdates.push(update);
    else ignored++;
  }
  flush();
  stmts.history(now, relevantUpdates);

  // Prefixes of one partner at the same locations share their sessions: read them once per batch.
  const sessionsByLocations = new Map<string, ReturnType<AnalysisQueries['sessionsFor']>>();
  const batchAnalysis: AnalysisQueries = {
    ...analysis,
    sessionsFor: (w) => {
      const key = `${w.partnerId} ${w.primaryLocationId} ${w.backupLocationId}`;
      let sessions = sessionsByLocations.get(key);
      if (!sessions) {
        sessions = analysis.sessionsFor(w);
        sessionsByLocations.set(key, sessions);
      }
      return sessions;
    },
  };
  for (const { watched, asOf } of touched.values()) {
    analyzePrefix(db, batchAnalysis, settings, watched, asOf, now, outbox);
  }
  return { touched, stored, ignored };
}

import type { DB } from '../db/client.js';
import type { EventLevel } from '../db/schema.js';
import { originOf, upstreamOfOrigin } from '../domain/bgp.js';
import { type Cidr, tryParseCidr } from '../domain/cidr.js';
import { EVENT_TYPES, type PrefixEventType, validationChangeLevel, validationChangeText } from '../domain/events.js';
import { evaluateValidation, type RequiredSession, type SessionRoute } from '../domain/validation.js';
import type { Env } from '../env.js';
import { appendEvent, levelRank } from './event-log.js';
import type { Outbox, WatchedPrefix } from './watch.js';

/**
 * Aggregate analysis of one registered prefix against the current route state: validation, best paths,
 * origin hijacks, more-specifics, route leaks and visibility. Conditions are kept in prefix_watch_state so that
 * an ongoing condition raises one event and clears when it is gone. Runs inside the caller's transaction.
 */

/** A route of the analysed prefix, with the columns the analysis reads. */
export interface RouteRow {
  peer: string;
  prefix: string;
  sessionId: number | null;
  announced: number;
  asPath: number[];
  originAsn: number | null;
  communities: [number, number][];
  /** When the route last changed (its withdrawal time for a withdrawn route). */
  updatedAt: number;
}

export interface SessionInfo extends RequiredSession {
  partnerId: number;
  peeringLocationId: number;
  peerAddress: string;
}

export type AnalysisSettings = Pick<Env, 'HIJACK_MIN_PEERS' | 'VISIBILITY_THRESHOLD' | 'VALIDATION_TIMEOUT_SECONDS'>;

export interface EventDraft {
  type: PrefixEventType;
  level?: EventLevel;
  summary: string;
  description: string;
  observedPrefix?: Cidr;
  observedOriginAsn?: number | null;
  asPath?: number[] | null;
  peersSeen?: number | null;
}

const VISIBILITY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Appends one event: `occurredAt` is when it happened (BGP time, or the end of a latency bucket), its recordedAt is
 * the outbox's transaction time.
 */
export function emitEvent(db: DB, outbox: Outbox, watched: WatchedPrefix, occurredAt: number, draft: EventDraft): void {
  const meta = EVENT_TYPES[draft.type];
  // Without an observed prefix the event is about the registered one: its columns are the watched prefix's own.
  const observed = draft.observedPrefix;
  const level = draft.level ?? meta.level;
  // The record as published, built once: appendEvent writes it and sets its seq.
  const record = appendEvent(db, {
    seq: 0,
    prefixId: watched.id,
    peeringServiceId: watched.peeringServiceId,
    customerId: watched.customerId,
    partnerId: watched.partnerId,
    occurredAt,
    recordedAt: outbox.recordedAt,
    type: draft.type,
    azureEventType: meta.azure,
    level,
    levelRank: levelRank(level),
    summary: draft.summary,
    description: draft.description,
    observedPrefix: observed ? observed.text : watched.prefix,
    observedFamily: observed ? observed.family : watched.family,
    observedRangeStart: observed ? observed.start : watched.rangeStart,
    observedRangeEnd: observed ? observed.end : watched.rangeEnd,
    observedOriginAsn: draft.observedOriginAsn ?? null,
    expectedOriginAsns: watched.expectedOriginAsns,
    asPath: draft.asPath ?? null,
    peersSeen: draft.peersSeen ?? null,
  });
  outbox.events.push(record);
}

export function analysisQueries(db: DB) {
  const client = db.$client;
  // Rows as arrays (raw mode), the objects built below: better-sqlite3 builds a row object property by property,
  // which cost about as much again as the read itself; only the columns the analysis reads.
  const routesWithin = client
    .prepare(`
    select peer, prefix, session_id, announced, as_path, origin_asn, communities, updated_at
    from route_states where family = ? and range_start between ? and ? and range_end <= ?`)
    .raw(true);
  const sessionsAt = client.prepare(`
    select s.id, s.router_name as routerName, l.name as locationName, s.partner_id as partnerId,
           s.peering_location_id as peeringLocationId, s.peer_address as peerAddress
    from peering_sessions s join peering_locations l on l.id = s.peering_location_id
    where s.partner_id = ? and s.peering_location_id in (?, ?) order by s.id`);
  const watchState = client.prepare('select key, data from prefix_watch_state where prefix_id = ?');
  const openState = client.prepare(
    `insert into prefix_watch_state (prefix_id, key, data, opened_at) values (?, ?, ?, ?)
     on conflict (prefix_id, key) do update set data = excluded.data`,
  );
  const closeState = client.prepare('delete from prefix_watch_state where prefix_id = ? and key = ?');
  const updateValidation = client.prepare(
    `update prefixes set validation_state = ?, learned_type = ?, error_message = ?, validated_at = coalesce(?, validated_at),
       expected_origin_asns = ? where id = ?`,
  );
  return {
    routesWithin: (w: WatchedPrefix): RouteRow[] => {
      // A route inside the prefix starts within it: both bounds on range_start keep the index scan to the prefix's
      // own routes (with a lower bound only, it ran to the end of the index).
      const rows = routesWithin.all(w.family, w.rangeStart, w.rangeEnd, w.rangeEnd) as [
        string,
        string,
        number | null,
        number,
        string,
        number | null,
        string,
        number,
      ][];
      // Many peers carry the same path and communities: each distinct text is parsed once (the analysis only reads
      // them).
      const parsed = new Map<string, unknown>();
      const json = (text: string) => {
        let value = parsed.get(text);
        if (value === undefined) {
          value = JSON.parse(text);
          parsed.set(text, value);
        }
        return value;
      };
      const routes: RouteRow[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        routes[i] = {
          peer: r[0],
          prefix: r[1],
          sessionId: r[2],
          announced: r[3],
          asPath: json(r[4]) as number[],
          originAsn: r[5],
          communities: json(r[6]) as [number, number][],
          updatedAt: r[7],
        };
      }
      return routes;
    },
    sessionsFor: (w: WatchedPrefix): (SessionInfo & { role: 'PRIMARY' | 'BACKUP' })[] =>
      (sessionsAt.all(w.partnerId, w.primaryLocationId, w.backupLocationId ?? -1) as SessionInfo[]).map((s) => ({
        ...s,
        role: s.peeringLocationId === w.primaryLocationId ? 'PRIMARY' : 'BACKUP',
      })),
    watchState: (prefixId: number) =>
      new Map(
        (watchState.all(prefixId) as { key: string; data: string | null }[]).map((r) => [
          r.key,
          r.data == null ? null : JSON.parse(r.data),
        ]),
      ),
    open: (prefixId: number, key: string, data: unknown, at: number) =>
      openState.run(prefixId, key, JSON.stringify(data ?? null), at),
    close: (prefixId: number, key: string) => closeState.run(prefixId, key),
    updateValidation: (
      id: number,
      v: {
        state: string;
        learnedType: string;
        errorMessage: string | null;
        validatedAt: number | null;
        origins: number[];
      },
    ) => updateValidation.run(v.state, v.learnedType, v.errorMessage, v.validatedAt, JSON.stringify(v.origins), id),
  };
}

export type AnalysisQueries = ReturnType<typeof analysisQueries>;

const asnList = (asns: number[]) => (asns.length ? asns.map((a) => `AS${a}`).join(', ') : 'none recorded');

/** Distinct peers per key, over announced routes matching `pick`. */
function peersBy<K>(
  routes: RouteRow[],
  pick: (r: RouteRow) => K | null,
): Map<K, { peers: Set<string>; sample: RouteRow }> {
  const out = new Map<K, { peers: Set<string>; sample: RouteRow }>();
  for (const route of routes) {
    const key = pick(route);
    if (key == null) continue;
    const entry = out.get(key) ?? { peers: new Set<string>(), sample: route };
    entry.peers.add(route.peer);
    out.set(key, entry);
  }
  return out;
}

export function analyzePrefix(
  db: DB,
  q: AnalysisQueries,
  settings: AnalysisSettings,
  watched: WatchedPrefix,
  asOf: number,
  now: number,
  outbox: Outbox,
): void {
  const routes = q.routesWithin(watched);
  const sessions = q.sessionsFor(watched);
  const state = q.watchState(watched.id);
  const emit = (draft: EventDraft) => emitEvent(db, outbox, watched, asOf, draft);
  const exact = routes.filter((r) => r.prefix === watched.prefix);
  const announcedExact = exact.filter((r) => r.announced);
  const sessionById = new Map(sessions.map((s) => [s.id, s]));

  // --- validation (Azure's rules, over the partner's sessions at the primary and backup locations)
  const sessionRoutes = new Map<number, SessionRoute>();
  for (const r of announcedExact) {
    if (r.sessionId != null && sessionById.has(r.sessionId)) {
      sessionRoutes.set(r.sessionId, { asPath: r.asPath, communities: r.communities });
    }
  }
  const outcome = evaluateValidation({
    current: watched.validationState,
    expectedOriginAsns: watched.expectedOriginAsns,
    sessions,
    routes: sessionRoutes,
    timedOut: now - watched.createdAt >= settings.VALIDATION_TIMEOUT_SECONDS * 1000,
  });
  if (outcome.learnedOriginAsns?.length) watched.expectedOriginAsns = outcome.learnedOriginAsns;
  const stateChanged = outcome.state !== watched.validationState;
  if (stateChanged || outcome.errorMessage !== watched.errorMessage || outcome.learnedType !== watched.learnedType) {
    q.updateValidation(watched.id, {
      state: outcome.state,
      learnedType: outcome.learnedType,
      errorMessage: outcome.errorMessage,
      validatedAt: stateChanged ? now : null,
      origins: watched.expectedOriginAsns,
    });
    if (stateChanged) {
      const from = watched.validationState;
      watched.validationState = outcome.state;
      emit({
        type: 'VALIDATION_STATE_CHANGED',
        level: validationChangeLevel(outcome.state),
        ...validationChangeText(watched.prefix, from, outcome, watched.expectedOriginAsns),
      });
      outbox.validationChanges.push({
        prefixId: watched.id,
        peeringServiceId: watched.peeringServiceId,
        customerId: watched.customerId,
        partnerId: watched.partnerId,
        validation: {
          validationState: outcome.state,
          learnedType: outcome.learnedType,
          errorMessage: outcome.errorMessage,
          validatedAt: now,
          expectedOriginAsns: watched.expectedOriginAsns,
        },
      });
    }
    watched.errorMessage = outcome.errorMessage;
    watched.learnedType = outcome.learnedType;
  }

  const minPeers = settings.HIJACK_MIN_PEERS;
  const expected = watched.expectedOriginAsns;
  const isBackupSession = (r: RouteRow) => r.sessionId != null && sessionById.get(r.sessionId)?.role === 'BACKUP';
  /** Keys of conditions that hold now; anything else open in `state` is cleared below. */
  const holding = new Set<string>();
  /**
   * A condition seen by `peers` distinct peers: raised once at HIJACK_MIN_PEERS, then held while any peer still
   * sees it (hysteresis: no re-raise when it flaps around the threshold).
   */
  const raise = (key: string, peers: number, draft: () => EventDraft) => {
    if (state.has(key)) {
      if (peers >= 1) holding.add(key);
      return;
    }
    if (peers < minPeers) return;
    holding.add(key);
    q.open(watched.id, key, null, asOf);
    emit(draft());
  };

  // --- best paths at the primary and backup locations
  for (const role of ['PRIMARY', 'BACKUP'] as const) {
    const key = role === 'PRIMARY' ? 'path:active' : 'path:backup';
    const candidates = announcedExact
      .filter((r) => r.sessionId != null && sessionById.get(r.sessionId)?.role === role)
      .sort((a, b) => a.asPath.length - b.asPath.length || a.sessionId! - b.sessionId!);
    const best = candidates[0];
    if (!best) continue;
    const signature = `${best.sessionId}:${best.asPath.join(' ')}`;
    holding.add(key);
    if (state.get(key) === signature) continue;
    q.open(watched.id, key, signature, asOf);
    const session = sessionById.get(best.sessionId!)!;
    emit({
      type: role === 'PRIMARY' ? 'ACTIVE_PATH' : 'BACKUP_PATH',
      summary: `${role === 'PRIMARY' ? 'Active' : 'Backup'} route via ${session.routerName} (${session.locationName}): ${best.asPath.join(' ')}`,
      description: `Current prefix ${role === 'PRIMARY' ? 'active' : 'backup'} route for ${watched.prefix}: received on ${session.routerName} at ${session.locationName} with AS path ${best.asPath.join(' ')}.`,
      observedOriginAsn: originOf(best.asPath),
      asPath: best.asPath,
      peersSeen: candidates.length,
    });
  }

  if (expected.length) {
    // --- exact prefix from an unexpected origin (hijack), seen by enough distinct peers
    const active = announcedExact.filter((r) => !isBackupSession(r));
    for (const [origin, { peers, sample }] of peersBy(active, (r) =>
      r.originAsn != null && !expected.includes(r.originAsn) ? r.originAsn : null,
    )) {
      const key = `origin:${origin}`;
      raise(key, peers.size, () => ({
        type: 'ORIGIN_AS_CHANGE',
        summary: `${watched.prefix} originated by AS${origin} instead of ${asnList(expected)} (${peers.size} peers)`,
        description: `Exact prefix ${watched.prefix} is announced with origin AS${origin}; expected ${asnList(expected)}. Seen by ${peers.size} distinct peers, e.g. path ${sample.asPath.join(' ')}. This is a possible hijack: confirm with the partner and the origin's operator.`,
        observedOriginAsn: origin,
        asPath: sample.asPath,
        peersSeen: peers.size,
      }));
    }
    // --- the partner's backup sessions with an unexpected origin (authoritative: no peer threshold)
    for (const [origin, { peers, sample }] of peersBy(announcedExact.filter(isBackupSession), (r) =>
      r.originAsn != null && !expected.includes(r.originAsn) ? r.originAsn : null,
    )) {
      const key = `backup-origin:${origin}`;
      holding.add(key);
      if (state.has(key)) continue;
      q.open(watched.id, key, null, asOf);
      emit({
        type: 'BACKUP_ROUTE_ORIGIN_AS_CHANGE',
        summary: `Backup route for ${watched.prefix} originated by AS${origin} instead of ${asnList(expected)}`,
        description: `The partner's backup session(s) receive ${watched.prefix} with origin AS${origin} (path ${sample.asPath.join(' ')}); expected ${asnList(expected)}.`,
        observedOriginAsn: origin,
        asPath: sample.asPath,
        peersSeen: peers.size,
      });
    }
    // --- more-specifics: from an unexpected origin (hijack) or from the expected one (new more-specific)
    const moreSpecific = routes.filter((r) => r.announced && r.prefix !== watched.prefix);
    for (const [k, { peers, sample }] of peersBy(moreSpecific, (r) =>
      r.originAsn == null ? null : `${r.prefix}|${r.originAsn}`,
    )) {
      const origin = sample.originAsn!;
      const hijack = !expected.includes(origin);
      const key = `${hijack ? 'more-specific-hijack' : 'more-specific'}:${k}`;
      raise(key, peers.size, () => ({
        type: hijack ? 'MORE_SPECIFIC_HIJACK' : 'NEW_MORE_SPECIFIC',
        summary: hijack
          ? `More-specific ${sample.prefix} of ${watched.prefix} announced by AS${origin} (${peers.size} peers)`
          : `New more-specific ${sample.prefix} of ${watched.prefix} from AS${origin}`,
        description: hijack
          ? `${sample.prefix}, inside your ${watched.prefix}, is announced with origin AS${origin}, which is not an expected origin (${asnList(expected)}). More-specific routes win: traffic to it is diverted. Seen by ${peers.size} peers, e.g. path ${sample.asPath.join(' ')}.`
          : `${sample.prefix}, inside ${watched.prefix}, is announced by the expected origin AS${origin} (${peers.size} peers, e.g. path ${sample.asPath.join(' ')}). If it is not intended, it may bypass the Peering Service path.`,
        observedPrefix: tryParseCidr(sample.prefix),
        observedOriginAsn: origin,
        asPath: sample.asPath,
        peersSeen: peers.size,
      }));
    }
  }

  // --- route leak: an AS next to the origin that is neither the partner nor an expected upstream
  if (watched.expectedUpstreamAsns.length) {
    const allowed = new Set([watched.partnerAsn, ...watched.expectedUpstreamAsns]);
    for (const [neighbour, { peers, sample }] of peersBy(
      routes.filter((r) => r.announced),
      (r) => {
        const up = upstreamOfOrigin(r.asPath);
        return up != null && !allowed.has(up) ? up : null;
      },
    )) {
      const key = `leak:${neighbour}`;
      raise(key, peers.size, () => ({
        type: 'ROUTE_LEAK',
        summary: `${sample.prefix} propagated through unexpected upstream AS${neighbour} (${peers.size} peers)`,
        description: `Routes for ${sample.prefix} have AS${neighbour} next to the origin (path ${sample.asPath.join(' ')}); the expected upstreams are the partner AS${watched.partnerAsn} and ${asnList(watched.expectedUpstreamAsns)}. Possible route leak.`,
        observedPrefix: tryParseCidr(sample.prefix),
        observedOriginAsn: sample.originAsn,
        asPath: sample.asPath,
        peersSeen: peers.size,
      }));
    }
  }

  // --- visibility among internet vantage points (non-session peers) that saw the exact prefix in the last 24 h:
  // those that still see it (however long ago they announced it: a stable route gets no updates) and those
  // whose withdrawal is less than 24 h old.
  const vantage = exact.filter(
    (r) => r.sessionId == null && (r.announced || r.updatedAt >= asOf - VISIBILITY_WINDOW_MS),
  );
  if (state.has('visibility-loss')) holding.add('visibility-loss');
  if (vantage.length) {
    const visible = vantage.filter((r) => r.announced).length;
    const ratio = visible / vantage.length;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    if (ratio < settings.VISIBILITY_THRESHOLD && !state.has('visibility-loss')) {
      q.open(watched.id, 'visibility-loss', { ratio }, asOf);
      holding.add('visibility-loss');
      emit({
        type: 'VISIBILITY_LOSS',
        summary: `${watched.prefix} visible from ${visible} of ${vantage.length} vantage points (${pct(ratio)})`,
        description: `Only ${visible} of the ${vantage.length} vantage points that saw ${watched.prefix} in the last 24 h still see it (${pct(ratio)}, threshold ${pct(settings.VISIBILITY_THRESHOLD)}). The prefix is being withdrawn or filtered.`,
        peersSeen: visible,
      });
    } else if (ratio >= settings.VISIBILITY_THRESHOLD && state.has('visibility-loss')) {
      holding.delete('visibility-loss');
      emit({
        type: 'VISIBILITY_RESTORED',
        summary: `${watched.prefix} visible again from ${visible} of ${vantage.length} vantage points (${pct(ratio)})`,
        description: `Visibility of ${watched.prefix} recovered to ${pct(ratio)} of the vantage points that saw it in the last 24 h.`,
        peersSeen: visible,
      });
    }
  }

  for (const key of state.keys()) {
    if (!holding.has(key) && !key.startsWith('latency')) q.close(watched.id, key);
  }
}

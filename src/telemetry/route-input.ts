import { isAsn, isLargeCommunity, isStandardCommunity } from '../domain/bgp.js';
import { type Cidr, normaliseAddress, parseCidr } from '../domain/cidr.js';

/**
 * Route updates as collectors send them: the GraphQL RouteUpdateInput (camelCase) or a RIS Live
 * `ris_message` (snake_case, as NDJSON). Both normalise to RouteUpdate; problems are reported per item.
 */

export const MAX_BATCH = 10_000;
const MAX_PREFIXES_PER_UPDATE = 5_000;

export interface RouteUpdate {
  /** ms since the epoch. */
  timestamp: number;
  host: string;
  peer: string;
  peerAsn: number;
  path: number[];
  communities: [number, number][];
  announce: Cidr[];
  withdraw: Cidr[];
  /** The message as received, for the raw history (unset when rawText holds it). */
  raw: unknown;
  /** Its JSON text when it arrived as text (an NDJSON line, a RIS Live frame): stored as is, not serialised again. */
  rawText?: string;
  /**
   * Or the bytes of that text in the request body chunk it came in (`rawChunk`, from `rawStart` to `rawEnd`), decoded
   * again only if the update is kept: most NDJSON lines are internet noise, and a batch held its 10,000 line texts
   * on the JavaScript heap (copied by every young-generation collection) where the chunks are outside it.
   */
  rawChunk?: Buffer;
  rawStart?: number;
  rawEnd?: number;
  /**
   * Set for a peer state change (RIS_PEER_STATE, ExaBGP neighbor state), which carries no routes: DOWN withdraws
   * every route learned from the peer; UP starts a new session, so the peer's table starts empty.
   */
  peerState?: PeerState;
}

export type PeerState = 'UP' | 'DOWN';

/** RIS_PEER_STATE `state` values: `down` is down; `connected`, `up` and `established` are up; others are ignored. */
export function peerStateOf(value: unknown): PeerState | null {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'down') return 'DOWN';
  if (text === 'connected' || text === 'up' || text === 'established') return 'UP';
  return null;
}

export interface RouteUpdateInput {
  timestamp: number;
  host: string;
  peer: string;
  peerAsn: number;
  path?: (number | number[])[] | null;
  community?: number[][] | null;
  announcements?: { nextHop: string; prefixes: string[] }[] | null;
  withdrawals?: string[] | null;
  /** A peer state change (NDJSON and RIS Live only): see RouteUpdate.peerState. */
  peerState?: PeerState;
}

export type Checked = { ok: true; update: RouteUpdate } | { ok: false; field: string[]; message: string };

/** The empty list of an update without paths, communities, announcements or withdrawals: one, shared, frozen. */
const NONE = Object.freeze([]) as unknown as never[];

const bad = (field: string[], message: string): Checked => ({ ok: false, field, message });

/**
 * Parses a list of CIDR texts onto `into`; the first one that is not a CIDR gives the rejection, at `at` and its
 * index (`what` names the item when it is not even a string).
 */
function parsePrefixesInto(texts: readonly unknown[], into: Cidr[], at: string[], what: string): Checked | null {
  for (let j = 0; j < texts.length; j++) {
    const text = texts[j];
    const parsed = typeof text === 'string' ? parseCidr(text) : null;
    if (!parsed?.ok) return bad([...at, String(j)], parsed?.message ?? `${what} must be a CIDR string`);
    into.push(parsed.cidr);
  }
  return null;
}
const isPathAsn = (h: unknown) => isAsn(h) && h !== 0;

export function checkRouteUpdate(input: RouteUpdateInput, raw: unknown = input): Checked {
  return checkUpdate(input, raw, undefined, nextHopOfInput);
}

/** Reads an announcement's next hop: `nextHop` of a RouteUpdateInput, or of a RIS `announcements` item as sent. */
type NextHopOf = (announcement: object) => unknown;
const nextHopOfInput: NextHopOf = (a) => (a as { nextHop?: unknown }).nextHop;
// As fromRisMessage maps it: RIS Live's `next_hop`, or `nextHop`, as a string.
const nextHopOfRis: NextHopOf = (a) =>
  String((a as { next_hop?: unknown }).next_hop ?? (a as { nextHop?: unknown }).nextHop ?? '');

/**
 * checkRouteUpdate, for RouteUpdateInputs whose announcements may be RIS items read by `nextHopOf`; `rawText` is
 * the text the update arrived as (see RouteUpdate.rawText).
 */
function checkUpdate(
  input: RouteUpdateInput,
  raw: unknown,
  rawText: string | undefined,
  nextHopOf: NextHopOf,
): Checked {
  if (!Number.isFinite(input.timestamp) || input.timestamp <= 0)
    return bad(['timestamp'], 'timestamp must be seconds since the epoch');
  if (typeof input.host !== 'string' || input.host.length < 1 || input.host.length > 64) {
    return bad(['host'], 'host must be 1-64 characters');
  }
  const peer = typeof input.peer === 'string' ? normaliseAddress(input.peer) : null;
  if (!peer) return bad(['peer'], `peer "${String(input.peer)}" is not an IP address`);
  if (!isAsn(input.peerAsn) || input.peerAsn === 0) {
    return bad(['peerAsn'], `peerAsn must be an ASN, an integer 1-4294967295 (got ${String(input.peerAsn)})`);
  }

  // AS_SETs (nested arrays in RIS Live) are flattened in order; they are deprecated (RFC 9774) and rare. A path
  // without one is kept as it came, and so is a valid community list (nothing writes to an update's lists).
  if (input.path != null && !Array.isArray(input.path)) return bad(['path'], 'path must be a list of ASNs');
  const hops = input.path ?? NONE;
  let flat = true;
  for (let i = 0; i < hops.length; i++) {
    const hop = hops[i];
    if (Array.isArray(hop) ? !hop.every(isPathAsn) : !isPathAsn(hop)) {
      return bad(['path', String(i)], `path holds ASNs, integers 1-4294967295 (got ${JSON.stringify(hop)})`);
    }
    if (Array.isArray(hop)) flat = false;
  }
  let path = hops as number[];
  if (!flat) {
    path = [];
    for (const hop of hops) {
      if (Array.isArray(hop)) path.push(...hop);
      else path.push(hop);
    }
  }
  if (path.length > 255) return bad(['path'], 'path is longer than 255 ASNs');

  if (input.community != null && !Array.isArray(input.community)) {
    return bad(['community'], 'community must be a list of [asn, value] pairs');
  }
  const communityList = input.community ?? NONE;
  // Index loops here and below: `.entries()` allocates an iterator and a pair per item, on every line ingested.
  for (let i = 0; i < communityList.length; i++) {
    const c = communityList[i];
    if (!isStandardCommunity(c)) {
      return bad(
        ['community', String(i)],
        isLargeCommunity(c)
          ? 'large communities (RFC 8092) are not accepted; send standard communities only'
          : 'a community is an [asn, value] pair of 16-bit integers, 0..65535 each (RFC 1997)',
      );
    }
  }
  const communities = communityList as [number, number][];

  let count = 0;
  if (input.announcements != null && !Array.isArray(input.announcements)) {
    return bad(['announcements'], 'announcements must be a list');
  }
  const announcements = input.announcements ?? NONE;
  const announce: Cidr[] = announcements.length ? [] : NONE;
  for (let i = 0; i < announcements.length; i++) {
    const a = announcements[i];
    const nextHop = a ? nextHopOf(a) : undefined;
    if (!a || typeof nextHop !== 'string' || !normaliseAddress(nextHop)) {
      return bad(['announcements', String(i), 'nextHop'], 'nextHop must be an IP address');
    }
    if (!Array.isArray(a.prefixes)) return bad(['announcements', String(i), 'prefixes'], 'prefixes must be a list');
    const failed = parsePrefixesInto(a.prefixes, announce, ['announcements', String(i), 'prefixes'], 'prefix');
    if (failed) return failed;
    count += a.prefixes.length;
  }
  if (announce.length && path.length === 0) return bad(['path'], 'an announcement needs a non-empty AS path');

  if (input.withdrawals != null && !Array.isArray(input.withdrawals)) {
    return bad(['withdrawals'], 'withdrawals must be a list of CIDR strings');
  }
  const withdrawals = input.withdrawals ?? NONE;
  const withdraw: Cidr[] = withdrawals.length ? [] : NONE;
  const failed = parsePrefixesInto(withdrawals, withdraw, ['withdrawals'], 'withdrawal');
  if (failed) return failed;
  count += withdrawals.length;
  if (count > MAX_PREFIXES_PER_UPDATE)
    return bad(['announcements'], `at most ${MAX_PREFIXES_PER_UPDATE} prefixes per update`);
  return {
    ok: true,
    update: {
      timestamp: Math.round(input.timestamp * 1000),
      host: input.host,
      peer,
      peerAsn: input.peerAsn,
      path,
      communities,
      announce,
      withdraw,
      raw,
      // Every update has the same properties (one object shape for the code that reads them), set or undefined.
      rawText,
      rawChunk: undefined,
      rawStart: undefined,
      rawEnd: undefined,
      peerState: input.peerState || undefined,
    },
  };
}

/**
 * Maps one parsed NDJSON value (a RIS Live `{type: "ris_message", data}` envelope, or its bare `data`) to
 * RouteUpdateInput. Returns null for messages that are neither UPDATEs nor RIS_PEER_STATE changes with a known
 * state (OPEN, KEEPALIVE, NOTIFICATION...).
 */
/** A peer ASN sent as a string of digits (RIS Live does) is read as a number; anything else is checked as sent. */
const peerAsnOf = (v: unknown) => (typeof v === 'string' && isDigits(v) ? Number(v) : (v as number));
function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
const announcementOf = (a: { next_hop?: unknown; nextHop?: unknown; prefixes?: unknown }) => ({
  nextHop: String(a?.next_hop ?? a?.nextHop ?? ''),
  prefixes: a?.prefixes as string[],
});

/** The communities without the large ones (a copy only when there is one to drop). */
function withoutLarge(communities: unknown[]): unknown[] {
  for (let i = 0; i < communities.length; i++) {
    if (isLargeCommunity(communities[i])) return communities.filter((c) => !isLargeCommunity(c));
  }
  return communities;
}

export function fromRisMessage(value: unknown): RouteUpdateInput | null | { error: string } {
  return readRisMessage(value, true);
}

/**
 * fromRisMessage; with `mapAnnouncements` false the `announcements` items are kept as sent (RIS `next_hop`), for
 * checkUpdate with nextHopOfRis, rather than copied.
 */
function readRisMessage(value: unknown, mapAnnouncements: boolean): RouteUpdateInput | null | { error: string } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'each line must be a JSON object' };
  const envelope = value as { type?: unknown; data?: unknown };
  if (envelope.type !== undefined && envelope.type !== 'ris_message' && envelope.data !== undefined) return null;
  const data = (envelope.type === 'ris_message' ? envelope.data : value) as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') return { error: 'ris_message without data' };
  const peerAsnValue = data.peer_asn ?? data.peerAsn;
  if (data.type === 'RIS_PEER_STATE') {
    const peerState = peerStateOf(data.state);
    if (!peerState) return null;
    return {
      timestamp: Number(data.timestamp),
      host: String(data.host ?? ''),
      peer: String(data.peer ?? ''),
      peerAsn: peerAsnOf(peerAsnValue),
      peerState,
    };
  }
  if (data.type !== undefined && data.type !== 'UPDATE') return null;
  const announcements = Array.isArray(data.announcements)
    ? mapAnnouncements
      ? data.announcements.map(announcementOf)
      : (data.announcements as RouteUpdateInput['announcements'])
    : null;
  // Large communities (RFC 8092, three numbers) are not modelled: listed next to standard ones, they are skipped
  // rather than failing the line.
  const community = Array.isArray(data.community) ? withoutLarge(data.community) : data.community;
  return {
    timestamp: Number(data.timestamp),
    host: String(data.host ?? ''),
    peer: String(data.peer ?? ''),
    peerAsn: peerAsnOf(peerAsnValue),
    path: (data.path as (number | number[])[] | undefined) ?? null,
    community: (community as number[][] | undefined) ?? null,
    announcements,
    withdrawals: (data.withdrawals as string[] | undefined) ?? null,
  };
}

/** The JSON text of the message as received, for the raw history. */
export function rawMessageOf(u: RouteUpdate): string {
  if (u.rawText !== undefined) return u.rawText;
  if (u.rawChunk) return u.rawChunk.toString('utf8', u.rawStart, u.rawEnd);
  return JSON.stringify(u.raw);
}

export type RisParse =
  | { kind: 'update'; update: RouteUpdate }
  | { kind: 'ignored' }
  | { kind: 'rejected'; message: string; field?: string[] };

/**
 * One parsed JSON value from NDJSON or a RIS Live socket, checked: an update (or peer state change) to apply, a
 * message to ignore, or a rejection with its reason. `POST /ingest/ris` and the RIS Live client share it. `text`,
 * the JSON text the value was parsed from, becomes the update's raw history as is; the update then keeps no
 * reference to the parsed value, which can be collected at once rather than live as long as the batch (most lines
 * are internet noise that nothing keeps).
 */
export function parseRisValue(value: unknown, text?: string): RisParse {
  const input = readRisMessage(value, false);
  if (input === null) return { kind: 'ignored' };
  if ('error' in input) return { kind: 'rejected', message: input.error };
  const checked = checkUpdate(input, text === undefined ? value : undefined, text, nextHopOfRis);
  if (!checked.ok) return { kind: 'rejected', message: checked.message, field: checked.field };
  return { kind: 'update', update: checked.update };
}

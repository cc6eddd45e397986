/**
 * ExaBGP 4 JSON API messages (`encoder json`, JSON format "4.0.1") -> RIS Live `ris_message` data objects, the
 * shape POST /ingest/ris accepts. Pure: no I/O, no clock, no environment.
 *
 * What ExaBGP 4.2 writes to a process (exabgp/reactor/api/response/json.py, one JSON object per line):
 *   { "exabgp": "4.0.1", "time": 1796009712.52, "host": "...", "pid": 1, "ppid": 1, "counter": 3, "type": "update",
 *     "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 8075, "peer": 64501 },
 *       "direction": "receive",
 *       "message": { "update": {
 *         "attribute": { "origin": "igp", "as-path": [ 64501, 64500 ], "as-set": [ .. ], "community": [ [ 8075, 8007 ] ] },
 *         "announce": { "ipv4 unicast": { "<next-hop>": [ { "nlri": "81.20.4.0/24" } ] } },
 *         "withdraw": { "ipv4 unicast": [ { "nlri": "81.20.4.0/24" } ] } } } } }
 *   { ..., "type": "state", "neighbor": { "address": {..}, "asn": {..}, "state": "connected" | "up" | "down", "reason"?: ".." } }
 * End-of-RIB arrives as an update whose message is `{ "eor": {..} }`; `exabgp_api_compact=true` writes NLRIs as bare
 * strings; add-path adds "path-information" next to "nlri". Everything else (keepalive, open, notification,
 * negotiated, fsm, signal, other address families) concerns nothing peerwatch watches and is skipped.
 */

export type RisUpdate = {
  type: 'UPDATE';
  /** Seconds since the epoch, as ExaBGP stamped the message. */
  timestamp: number;
  peer: string;
  peer_asn: number;
  host: string;
  path: (number | number[])[];
  community: [number, number][];
  announcements: { next_hop: string; prefixes: string[] }[];
  withdrawals: string[];
};

export type RisPeerState = {
  type: 'RIS_PEER_STATE';
  timestamp: number;
  peer: string;
  peer_asn: number;
  host: string;
  state: 'connected' | 'down';
};

export type RisData = RisUpdate | RisPeerState;

/** Unicast families carried over; ExaBGP names them "<afi> <safi>". */
const FAMILIES = new Set(['ipv4 unicast', 'ipv6 unicast']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAsnNumber = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4_294_967_295;

/** An NLRI as ExaBGP writes it: `{ "nlri": "p/l", "path-information"?: .. }`, or a bare "p/l" in compact mode. */
function nlriText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.nlri === 'string') return value.nlri;
  return null;
}

/**
 * ExaBGP prints the next hop with str(); "null" when the NLRI had none. An MP_REACH with a global and a link-local
 * IPv6 next hop is not split by ExaBGP 4.2, but a separator is tolerated here: the first address is kept.
 */
function nextHopText(key: string, peer: string): string {
  const first = key.split(/[\s,]+/)[0] ?? '';
  return first === '' || first === 'null' ? peer : first;
}

function neighborOf(message: Json): { peer: string; peerAsn: number } | null {
  const neighbor = message.neighbor;
  if (!isObject(neighbor) || !isObject(neighbor.address) || !isObject(neighbor.asn)) return null;
  const peer = neighbor.address.peer;
  const peerAsn = neighbor.asn.peer;
  if (typeof peer !== 'string' || !isAsnNumber(peerAsn)) return null;
  return { peer, peerAsn };
}

/**
 * Converts one parsed ExaBGP JSON message. Returns null for messages that carry nothing to forward (keepalives,
 * End-of-RIB, sent updates, other families, the TCP-only "connected" state).
 *
 * States: ExaBGP's "up" (session Established) becomes RIS Live's "connected" and "down" stays "down". ExaBGP's own
 * "connected" only means the TCP connection opened, before OPEN: it is not forwarded.
 *
 * AS path: "as-path" is the AS_SEQUENCE; an AS_SET (deprecated, RFC 9774) comes as a separate "as-set" list and is
 * appended as one nested list, as RIS Live writes it (`[.., [a, b]]`); the server flattens it. Confederation
 * segments are internal to the neighbor's confederation and are left out, as RIS Live does. ASNs are plain JSON
 * numbers, exact up to 4294967295.
 */
export function fromExabgp(message: unknown, host: string): RisData | null {
  if (!isObject(message)) return null;
  const timestamp = typeof message.time === 'number' && Number.isFinite(message.time) ? message.time : null;
  if (timestamp === null) return null;

  if (message.type === 'state') {
    const who = neighborOf(message);
    const state = isObject(message.neighbor) ? message.neighbor.state : undefined;
    if (!who || (state !== 'up' && state !== 'down')) return null;
    return {
      type: 'RIS_PEER_STATE',
      timestamp,
      peer: who.peer,
      peer_asn: who.peerAsn,
      host,
      state: state === 'up' ? 'connected' : 'down',
    };
  }

  if (message.type !== 'update') return null;
  const who = neighborOf(message);
  const neighbor = message.neighbor as Json;
  // Only what the neighbor sent us; "send" appears when the process also asked for sent updates.
  if (!who || (neighbor.direction !== undefined && neighbor.direction !== 'receive')) return null;
  const body = isObject(neighbor.message) ? neighbor.message.update : undefined;
  if (!isObject(body)) return null; // End-of-RIB ({ "eor": .. }) and anything else

  const announcements: RisUpdate['announcements'] = [];
  if (isObject(body.announce)) {
    for (const [family, byNextHop] of Object.entries(body.announce)) {
      if (!FAMILIES.has(family) || !isObject(byNextHop)) continue;
      for (const [nextHop, nlris] of Object.entries(byNextHop)) {
        if (!Array.isArray(nlris)) continue;
        const prefixes = nlris.map(nlriText).filter((p): p is string => p !== null);
        if (prefixes.length) announcements.push({ next_hop: nextHopText(nextHop, who.peer), prefixes });
      }
    }
  }
  const withdrawals: string[] = [];
  if (isObject(body.withdraw)) {
    for (const [family, nlris] of Object.entries(body.withdraw)) {
      if (!FAMILIES.has(family) || !Array.isArray(nlris)) continue;
      for (const nlri of nlris) {
        const prefix = nlriText(nlri);
        if (prefix !== null) withdrawals.push(prefix);
      }
    }
  }
  if (!announcements.length && !withdrawals.length) return null;

  const attribute = isObject(body.attribute) ? body.attribute : {};
  const path: (number | number[])[] = Array.isArray(attribute['as-path']) ? [...attribute['as-path']] : [];
  if (Array.isArray(attribute['as-set']) && attribute['as-set'].length) path.push([...attribute['as-set']]);
  const community = Array.isArray(attribute.community) ? (attribute.community as [number, number][]) : [];

  return {
    type: 'UPDATE',
    timestamp,
    peer: who.peer,
    peer_asn: who.peerAsn,
    host,
    path,
    community,
    announcements,
    withdrawals,
  };
}

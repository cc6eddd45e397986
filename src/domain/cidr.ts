import ipaddr from 'ipaddr.js';

/**
 * CIDR arithmetic on top of ipaddr.js. Pure functions, no I/O.
 * Ranges are represented as fixed-width lowercase hex strings (8 chars for IPv4, 32 for IPv6) so that
 * lexicographic order equals numeric order, both here and in SQL.
 */

export type Family = 4 | 6;

export interface Cidr {
  /** Normalised text form: network address + length, e.g. 203.0.113.0/24 or 2001:db8::/32. */
  text: string;
  family: Family;
  length: number;
  /** First address, fixed-width hex. */
  start: string;
  /** Last address, fixed-width hex. */
  end: string;
}

export type CidrProblem = 'MALFORMED' | 'HOST_BITS_SET' | 'BAD_LENGTH';

export type ParseResult = { ok: true; cidr: Cidr } | { ok: false; problem: CidrProblem; message: string };

const bitsOf = (family: Family) => (family === 4 ? 32 : 128);

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function bytesToHex(bytes: number[]): string {
  let hex = '';
  for (const b of bytes) hex += HEX[b];
  return hex;
}

function maskBytes(bytes: number[], length: number, fill: 0 | 1): number[] {
  const masked = new Array<number>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    const hostMask = 0xff >> keep;
    masked[i] = fill === 0 ? bytes[i]! & ~hostMask & 0xff : bytes[i]! | hostMask;
  }
  return masked;
}

function addressText(bytes: number[]): string {
  const addr = ipaddr.fromByteArray(bytes);
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

/**
 * A four-part decimal IPv4 address as a 32-bit number, or null: ipaddr.js's four-part decimal form (no octal,
 * hexadecimal or shortened forms, no leading zeros), each part at most 255. Read in one pass over the text, without
 * the regular expression, split and array that the same check costs otherwise (every announced prefix goes through
 * it).
 */
function ipv4Number(text: string): number | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      // '.' (or the end): a part is complete.
      if (digits === 0 || part > 255 || ++parts > 4) return null;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && part === 0) return null; // a leading zero
      part = part * 10 + (c - 0x30);
      if (++digits > 3) return null;
    } else return null;
  }
  return parts === 4 ? value : null;
}

const ipv4Octets = (value: number) => [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  // ':' first: asking ipaddr.js whether an IPv6 text is a four-part IPv4 address throws and catches inside it.
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) && !text.includes('%') ? ipaddr.IPv6.parse(text) : null;
  // Checked here, then built from its octets (isValidFourPartDecimal followed by parse would parse twice, and reject
  // an octet over 255 by throwing and catching).
  const value = ipv4Number(text);
  return value == null ? null : new ipaddr.IPv4(ipv4Octets(value));
}

/**
 * A 32-bit number as 8 lowercase hex digits, byte by byte from a table: `toString(16)` and `padStart` cost about four
 * times as much, twice for every IPv4 prefix ingested.
 */
const hex8 = (value: number) =>
  HEX[value >>> 24]! + HEX[(value >>> 16) & 255]! + HEX[(value >>> 8) & 255]! + HEX[value & 255]!;

/** 1-3 ASCII digits, as /^\d{1,3}$/ tests, without a regular expression. */
function isLengthText(lengthText: string): boolean {
  if (lengthText.length < 1 || lengthText.length > 3) return false;
  for (let i = 0; i < lengthText.length; i++) {
    const c = lengthText.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * parseCidr for an IPv4 text (no ':'): 32-bit arithmetic on the address as a number, with no ipaddr.js object or
 * byte arrays; same results and messages as the general path.
 */
function parseIpv4Cidr(input: string, text: string, addressText: string, lengthText: string): ParseResult {
  const value = ipv4Number(addressText);
  if (value == null || !isLengthText(lengthText)) {
    return { ok: false, problem: 'MALFORMED', message: `"${input}" is not a valid IPv4 or IPv6 CIDR prefix` };
  }
  const length = Number(lengthText);
  if (length > 32)
    return { ok: false, problem: 'BAD_LENGTH', message: `prefix length /${length} is too long for IPv4` };
  // (A shift by 32 is a shift by 0 in JavaScript: /32 has no host bits.)
  const hostMask = length === 32 ? 0 : 0xffffffff >>> length;
  const network = (value & ~hostMask) >>> 0;
  if (network !== value) {
    return {
      ok: false,
      problem: 'HOST_BITS_SET',
      message: `"${input}" has host bits set; the network is ${ipv4Octets(network).join('.')}/${length}`,
    };
  }
  // No host bits: the text is the network address, already in its normal form (four decimal octets without leading
  // zeros, as ipaddr.js's toString would write them back).
  return {
    ok: true,
    cidr: {
      // The text itself when its length is written without a leading zero (as it nearly always is): no new string.
      text: lengthText.length === 1 || lengthText.charCodeAt(0) !== 0x30 ? text : `${addressText}/${length}`,
      family: 4,
      length,
      start: hex8(network),
      end: hex8((network | hostMask) >>> 0),
    },
  };
}

function build(bytes: number[], length: number): Cidr {
  const family: Family = bytes.length === 4 ? 4 : 6;
  const network = maskBytes(bytes, length, 0);
  return {
    text: `${addressText(network)}/${length}`,
    family,
    length,
    start: bytesToHex(network),
    end: bytesToHex(maskBytes(bytes, length, 1)),
  };
}

function sameBytes(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Parses a CIDR strictly: four-part decimal IPv4 or IPv6, explicit length, no host bits set. */
export function parseCidr(input: string): ParseResult {
  const text = input.trim();
  const slash = text.indexOf('/');
  if (slash < 0)
    return { ok: false, problem: 'MALFORMED', message: `"${input}" is not a CIDR prefix (missing /length)` };
  const addressText = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  if (!addressText.includes(':')) return parseIpv4Cidr(input, text, addressText, lengthText);
  const addr = parseAddress(addressText);
  if (!addr || !/^\d{1,3}$/.test(lengthText)) {
    return { ok: false, problem: 'MALFORMED', message: `"${input}" is not a valid IPv4 or IPv6 CIDR prefix` };
  }
  const bytes = addr.toByteArray();
  const family: Family = bytes.length === 4 ? 4 : 6;
  const length = Number(lengthText);
  if (length > bitsOf(family)) {
    return { ok: false, problem: 'BAD_LENGTH', message: `prefix length /${length} is too long for IPv${family}` };
  }
  const network = maskBytes(bytes, length, 0);
  if (!sameBytes(network, bytes)) {
    return {
      ok: false,
      problem: 'HOST_BITS_SET',
      message: `"${input}" has host bits set; the network is ${build(bytes, length).text}`,
    };
  }
  // No host bits: the parsed address is the network address (IPv6 here: IPv4 took parseIpv4Cidr).
  const start = bytesToHex(network);
  return {
    ok: true,
    cidr: {
      text: `${(addr as ipaddr.IPv6).toRFC5952String()}/${length}`,
      family,
      length,
      start,
      end: bytesToHex(maskBytes(bytes, length, 1)),
    },
  };
}

/** Parses a plain address or a CIDR (host bits allowed) and returns the covering prefix of the given lengths. */
export function truncateTo(input: string, lengthV4: number, lengthV6: number): Cidr | null {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return null;
  const bytes = addr.toByteArray();
  const family: Family = bytes.length === 4 ? 4 : 6;
  let length = family === 4 ? lengthV4 : lengthV6;
  if (slash >= 0) {
    const given = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(given) || Number(given) > bitsOf(family)) return null;
    length = Math.min(length, Number(given));
  }
  return build(bytes, length);
}

/**
 * Normalises a single address (IPv4 four-part decimal or IPv6) or returns null. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2) denotes the IPv4 host itself and is returned as IPv4, so that
 * ::ffff:192.0.2.83 and 192.0.2.83 are one peer.
 */
export function normaliseAddress(input: string): string | null {
  let normalised = normalisedAddresses.get(input);
  if (normalised === undefined) {
    normalised = computeNormalisedAddress(input);
    if (normalisedAddresses.size >= NORMALISED_ADDRESSES_KEPT) normalisedAddresses.clear();
    normalisedAddresses.set(input, normalised);
  }
  return normalised;
}

/**
 * Results of normaliseAddress by input text. Update peers and next hops repeat all the time (a collector has a few
 * hundred peers), and parsing an IPv6 address through ipaddr.js costs several microseconds; bounded, so arbitrary
 * input cannot grow it.
 */
const normalisedAddresses = new Map<string, string | null>();
const NORMALISED_ADDRESSES_KEPT = 10_000;

function computeNormalisedAddress(input: string): string | null {
  const addr = parseAddress(input.trim());
  if (!addr) return null;
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address().toString();
  }
  return addressText(addr.toByteArray());
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.length <= inner.length &&
    outer.start <= inner.start &&
    inner.end <= outer.end
  );
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/**
 * Special-use space a customer may not register: RFC 1918, RFC 6598 (CGN), loopback, link-local,
 * multicast, "this network"/unspecified, reserved (240/4), and for IPv6 unspecified, loopback, ULA,
 * link-local, multicast and IPv4-mapped. The documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32) are deliberately accepted so that demos and tests never name a real network.
 */
const SPECIAL_USE: ReadonlyArray<{ cidr: Cidr; label: string }> = (
  [
    ['0.0.0.0/8', 'unspecified ("this network", RFC 1122)'],
    ['10.0.0.0/8', 'private-use (RFC 1918)'],
    ['100.64.0.0/10', 'shared address space (RFC 6598)'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link-local'],
    ['172.16.0.0/12', 'private-use (RFC 1918)'],
    ['192.168.0.0/16', 'private-use (RFC 1918)'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved (RFC 1112) and broadcast'],
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['::ffff:0:0/96', 'IPv4-mapped'],
    ['fc00::/7', 'unique local (RFC 4193)'],
    ['fe80::/10', 'link-local'],
    ['ff00::/8', 'multicast'],
  ] as const
).map(([text, label]) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad special-use range ${text}`);
  return { cidr: parsed.cidr, label };
});

/** Returns a description of the special-use range the prefix overlaps, or null when it is public space. */
export function specialUseOverlap(cidr: Cidr): string | null {
  const hit = SPECIAL_USE.find((range) => overlaps(range.cidr, cidr));
  return hit ? `${hit.cidr.text} (${hit.label})` : null;
}

/** The parsed CIDR, or undefined when the text is not a valid one. */
export function tryParseCidr(text: string): Cidr | undefined {
  const parsed = parseCidr(text);
  return parsed.ok ? parsed.cidr : undefined;
}

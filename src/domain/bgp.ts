/** BGP attribute rules. Pure functions, no I/O. */

/** The Peering Service community every partner route must carry. */
export const PEERING_SERVICE_COMMUNITY: readonly [number, number] = [8075, 8007];
export const MAX_AS_PATH_LENGTH = 3;

/** The highest ASN: ASNs are 4 octets (RFC 6793), 0..4294967295. */
export const MAX_ASN = 4_294_967_295;

/** An integer in the ASN range 0..4294967295 (RFC 6793). Whether 0 or a reserved value is acceptable is up to the caller. */
export function isAsn(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ASN;
}

export type Community = readonly [number, number];

/** A standard community (RFC 1997) written as [asn, value]: its two 16-bit halves, each 0..65535. */
export function isStandardCommunity(value: unknown): value is [number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((half) => typeof half === 'number' && Number.isInteger(half) && half >= 0 && half <= 0xffff)
  );
}

/** A large community (RFC 8092) written as [globalAdministrator, localData1, localData2]: three 4-byte integers. */
export function isLargeCommunity(value: unknown): value is [number, number, number] {
  return Array.isArray(value) && value.length === 3 && value.every(isAsn);
}

/**
 * Private-use ASNs (RFC 6996): 64512-65534 and the 4-byte range 4200000000-4294967294. Compared as plain
 * numbers: every ASN fits exactly in a double, and no 32-bit integer arithmetic is applied to them anywhere.
 */
export function isPrivateAsn(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4_200_000_000 && asn <= 4_294_967_294);
}

export function hasCommunity(
  communities: readonly Community[],
  wanted: Community = PEERING_SERVICE_COMMUNITY,
): boolean {
  return communities.some(([asn, value]) => asn === wanted[0] && value === wanted[1]);
}

/** True when an ASN appears twice in a row (AS-path prepending). */
export function hasPrepending(path: readonly number[]): boolean {
  return path.some((asn, i) => i > 0 && path[i - 1] === asn);
}

/** The path with consecutive repeats collapsed. */
export function collapsePrepends(path: readonly number[]): number[] {
  return path.filter((asn, i) => i === 0 || path[i - 1] !== asn);
}

export function originOf(path: readonly number[]): number | null {
  return path.length ? path[path.length - 1]! : null;
}

/** The AS adjacent to the origin (its upstream), ignoring prepends; null for a one-AS path. */
export function upstreamOfOrigin(path: readonly number[]): number | null {
  const collapsed = collapsePrepends(path);
  return collapsed.length >= 2 ? collapsed[collapsed.length - 2]! : null;
}

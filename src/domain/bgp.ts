/** BGP attribute rules. Pure functions, no I/O. */

/** The Peering Service community every partner route must carry. */
export const PEERING_SERVICE_COMMUNITY: readonly [number, number] = [8075, 8007];
export const MAX_AS_PATH_LENGTH = 3;

export type Community = readonly [number, number];

/** Private-use ASNs: 64512-65534 (RFC 6996) and 4200000000-4294967294. */
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

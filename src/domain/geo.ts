/** Great-circle distance (haversine) on a spherical Earth, in statute miles. */
const EARTH_RADIUS_MILES = 3958.7613;

export interface LatLon {
  lat: number;
  lon: number;
}

export function distanceMiles(a: LatLon, b: LatLon): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Azure's rule: a provider is available when it peers within 1000 miles of the customer's location. */
export const AVAILABILITY_RADIUS_MILES = 1000;

export function isWithinAvailabilityRadius(customer: LatLon, peeringLocations: LatLon[]): boolean {
  return peeringLocations.some((loc) => distanceMiles(customer, loc) <= AVAILABILITY_RADIUS_MILES);
}

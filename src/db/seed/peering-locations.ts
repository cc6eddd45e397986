/**
 * Microsoft edge metros where Peering Service partners peer with Microsoft (AS8075). Pure data.
 *
 * Sources:
 * - Metro names: the "ISPs by Metro" and "IXPs by Metro" tabs of Microsoft Learn's "Azure Peering Service
 *   locations and partners" (learn.microsoft.com/azure/peering-service/location-partners; MicrosoftDocs/azure-docs
 *   articles/peering-service/location-partners.md, ms.date 04/10/2025); spellings as published there
 *   (e.g. "Marseilles", "Hong Kong SAR", "San Jose").
 * - Lisbon and Lagos: the peeringServiceProviders list of the Microsoft.Peering REST API (sample output in Azure
 *   PowerShell's Get-AzPeeringServiceProvider help: MainOne {Lisbon, Lagos}); MainOne is absent from the metro
 *   tabs. Auckland (CCL in that list) is already in the ISPs tab.
 * - Country and coordinates: general geographic knowledge; lat/lon is the city centre, rounded to
 *   4 decimals. Countries are spelled exactly as in customer-locations.ts.
 */
import type { SeedPeeringLocation } from './types.js';

export const peeringLocations: SeedPeeringLocation[] = [
  // location-partners page, "ISPs by Metro" tab
  { name: 'Auckland', country: 'New Zealand', lat: -36.8485, lon: 174.7633 },
  { name: 'Amsterdam', country: 'Netherlands', lat: 52.3676, lon: 4.9041 },
  { name: 'Ashburn', country: 'United States', lat: 39.0438, lon: -77.4874 },
  { name: 'Brussels', country: 'Belgium', lat: 50.8503, lon: 4.3517 },
  { name: 'Budapest', country: 'Hungary', lat: 47.4979, lon: 19.0402 },
  { name: 'Bucharest', country: 'Romania', lat: 44.4268, lon: 26.1025 },
  { name: 'Cape Town', country: 'South Africa', lat: -33.9249, lon: 18.4241 },
  { name: 'Dublin', country: 'Ireland', lat: 53.3498, lon: -6.2603 },
  { name: 'Frankfurt', country: 'Germany', lat: 50.1109, lon: 8.6821 },
  { name: 'Geneva', country: 'Switzerland', lat: 46.2044, lon: 6.1432 },
  { name: 'Hong Kong SAR', country: 'Hong Kong SAR', lat: 22.3193, lon: 114.1694 },
  { name: 'Jakarta', country: 'Indonesia', lat: -6.2088, lon: 106.8456 },
  { name: 'Johannesburg', country: 'South Africa', lat: -26.2041, lon: 28.0473 },
  { name: 'Los Angeles', country: 'United States', lat: 34.0522, lon: -118.2437 },
  { name: 'London', country: 'United Kingdom', lat: 51.5074, lon: -0.1278 },
  { name: 'Madrid', country: 'Spain', lat: 40.4168, lon: -3.7038 },
  { name: 'Manila', country: 'Philippines', lat: 14.5995, lon: 120.9842 },
  { name: 'Marseilles', country: 'France', lat: 43.2965, lon: 5.3698 },
  { name: 'Miami', country: 'United States', lat: 25.7617, lon: -80.1918 },
  { name: 'Milan', country: 'Italy', lat: 45.4642, lon: 9.19 },
  { name: 'Nairobi', country: 'Kenya', lat: -1.2921, lon: 36.8219 },
  { name: 'Osaka', country: 'Japan', lat: 34.6937, lon: 135.5023 },
  { name: 'Paris', country: 'France', lat: 48.8566, lon: 2.3522 },
  { name: 'Prague', country: 'Czech Republic', lat: 50.0755, lon: 14.4378 },
  { name: 'Singapore', country: 'Singapore', lat: 1.3521, lon: 103.8198 },
  { name: 'Seoul', country: 'South Korea', lat: 37.5665, lon: 126.978 },
  { name: 'Sofia', country: 'Bulgaria', lat: 42.6977, lon: 23.3219 },
  { name: 'Sydney', country: 'Australia', lat: -33.8688, lon: 151.2093 },
  { name: 'Tokyo', country: 'Japan', lat: 35.6762, lon: 139.6503 },
  { name: 'Vienna', country: 'Austria', lat: 48.2082, lon: 16.3738 },
  { name: 'Warsaw', country: 'Poland', lat: 52.2297, lon: 21.0122 },
  { name: 'Zurich', country: 'Switzerland', lat: 47.3769, lon: 8.5417 },
  // location-partners page, "IXPs by Metro" tab (metros not already listed above)
  { name: 'Atlanta', country: 'United States', lat: 33.749, lon: -84.388 },
  { name: 'Barcelona', country: 'Spain', lat: 41.3874, lon: 2.1686 },
  { name: 'Chicago', country: 'United States', lat: 41.8781, lon: -87.6298 },
  { name: 'Chennai', country: 'India', lat: 13.0827, lon: 80.2707 },
  { name: 'Dallas', country: 'United States', lat: 32.7767, lon: -96.797 },
  { name: 'Dubai', country: 'United Arab Emirates', lat: 25.2048, lon: 55.2708 },
  { name: 'Kuala Lumpur', country: 'Malaysia', lat: 3.139, lon: 101.6869 },
  { name: 'Manchester', country: 'United Kingdom', lat: 53.4808, lon: -2.2426 },
  { name: 'Mumbai', country: 'India', lat: 19.076, lon: 72.8777 },
  { name: 'New York', country: 'United States', lat: 40.7128, lon: -74.006 },
  { name: 'San Jose', country: 'United States', lat: 37.3382, lon: -121.8863 },
  { name: 'Santiago', country: 'Chile', lat: -33.4489, lon: -70.6693 },
  { name: 'Seattle', country: 'United States', lat: 47.6062, lon: -122.3321 },
  // peeringServiceProviders list (Get-AzPeeringServiceProvider sample): MainOne {Lisbon, Lagos}
  { name: 'Lisbon', country: 'Portugal', lat: 38.7223, lon: -9.1393 },
  { name: 'Lagos', country: 'Nigeria', lat: 6.5244, lon: 3.3792 },
];

import type { App } from '../src/app.js';
import type { DB } from '../src/db/client.js';
import { createCustomer } from '../src/services/identity.js';
import { createPeeringService } from '../src/services/peering-services.js';
import { registerPartnerPrefix } from '../src/services/prefixes.js';
import type { Viewer } from '../src/services/viewer.js';

/**
 * Bench fixtures built through the services (no HTTP): customers and Colt peering services in North Holland
 * (primary Amsterdam, backup Frankfurt) with registered prefixes of origin AS64500.
 */
export function benchFixture(app: App, db: DB) {
  const operator: Viewer = { role: 'OPERATOR', tokenId: null };
  const must = <T>(r: { ok: true; value: T } | { ok: false; errors: unknown }): T => {
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  };
  const partnerId = (db.$client.prepare("select id from partners where name = 'Colt'").get() as { id: number }).id;
  const loc = (name: string) =>
    (db.$client.prepare('select id from peering_locations where name = ?').get(name) as { id: number }).id;
  return {
    operator,
    must,
    partnerId,
    customer: (name: string) => must(createCustomer(app.deps, operator, { name })),
    service: (customerId: number, name: string, prefixes: string[]) =>
      must(
        createPeeringService(app.deps, operator, {
          name,
          customerId,
          partnerId,
          country: 'Netherlands',
          state: 'North Holland',
          primaryPeeringLocationId: loc('Amsterdam'),
          backupPeeringLocationId: loc('Frankfurt'),
          prefixes: prefixes.map((prefix, i) => ({
            name: `p${i}`,
            prefix,
            prefixKey: must(registerPartnerPrefix(app.deps, operator, { partnerId, prefix })).prefixKey,
            originAsns: [64500],
          })),
        }),
      ),
  };
}

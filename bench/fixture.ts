import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, buildApp } from '../src/app.js';
import type { Clock } from '../src/clock.js';
import { type DB, migrateDb, openDb } from '../src/db/client.js';
import { seedCatalogue } from '../src/db/seed/index.js';
import { type Env, testEnv } from '../src/env.js';
import { createLogger } from '../src/observability/logger.js';
import { createCustomer } from '../src/services/identity.js';
import { createPeeringService } from '../src/services/peering-services.js';
import { registerPartnerPrefix } from '../src/services/prefixes.js';
import type { Viewer } from '../src/services/viewer.js';

/**
 * peerwatch on a fresh file-backed database (WAL, as in production) in a new temporary directory, migrated and with
 * the catalogue seeded, logging nothing. The caller removes `dir` when done.
 */
export function benchApp(name: string, options: { env?: Partial<Env>; clock?: Clock; file?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `peerwatch-${name}-`));
  const db = openDb(join(dir, options.file ?? `${name}.db`));
  migrateDb(db);
  seedCatalogue(db);
  const app = buildApp({ env: testEnv(options.env), db, logger: createLogger('silent'), clock: options.clock });
  return { dir, db, app };
}

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

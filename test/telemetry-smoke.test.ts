import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { announce, events, ingest, prefixState, serviceWithPrefix, sessionsOf } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('verifies a prefix announced on every required session', async () => {
  const f = await serviceWithPrefix(t);
  const peers = [...sessionsOf('Colt', 'Amsterdam'), ...sessionsOf('Colt', 'Frankfurt')].map((s) => s.peerAddress);
  const result = await ingest(
    t,
    peers.map((p) => announce(p, [f.prefix])),
  );
  expect(result).toMatchObject({ accepted: 4, rejected: 0 });
  expect(await prefixState(t, f.prefixId)).toMatchObject({
    validationState: 'VERIFIED',
    learnedType: 'VIA_SERVICE_PROVIDER',
  });
  const types = (await events(t, f.prefixId)).map((e) => e.type);
  expect(types).toEqual(
    expect.arrayContaining([
      'ANNOUNCEMENT',
      'BACKUP_ROUTE_ANNOUNCEMENT',
      'ACTIVE_PATH',
      'BACKUP_PATH',
      'VALIDATION_STATE_CHANGED',
    ]),
  );
});

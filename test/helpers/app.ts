import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type App, buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { migrateDb, openDb } from '../../src/db/client.js';
import { seedCatalogue } from '../../src/db/seed/index.js';
import { type Env, testEnv } from '../../src/env.js';
import { createLogger } from '../../src/observability/logger.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export interface GqlResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestApp {
  app: App;
  clock: ManualClock;
  env: Env;
  /** SQL statements run through drizzle since the last reset. */
  sql: string[];
  /** POST a GraphQL operation in-process through yoga.fetch. `token` null means anonymous. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResponse<T>>;
  /** Like gql, but fails the test with the whole body when there are errors. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  /** Raw HTTP request in-process. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Starts listening on 127.0.0.1:0 (for WebSocket and SSE tests). */
  listen(): Promise<{ http: string; ws: string; base: string }>;
  /** A graphql-ws client for the listening server; disposed by close(). */
  wsClient(token?: string | null, options?: Partial<Parameters<typeof createClient>[0]>): Client;
  close(): Promise<void>;
}

/** A fresh app on a migrated, seeded :memory: database, with a manual clock and an operator token. */
export async function createTestApp(
  overrides: Partial<Env> = {},
  startAt = Date.parse('2026-11-28T00:00:00Z'),
): Promise<TestApp> {
  const sql: string[] = [];
  const env = testEnv({ OPERATOR_TOKEN, ...overrides });
  const db = openDb(':memory:', { onQuery: (q) => sql.push(q) });
  migrateDb(db);
  seedCatalogue(db);
  sql.length = 0;
  const clock = new ManualClock(startAt);
  const app = buildApp({ env, db, logger: createLogger('silent'), clock });
  const clients: Client[] = [];
  let urls: { http: string; ws: string; base: string } | null = null;

  const fetchIn = (path: string, init?: RequestInit) =>
    Promise.resolve(
      (app.yoga.fetch as (input: string, init?: RequestInit) => Response | Promise<Response>)(
        `http://localhost${path}`,
        init,
      ),
    );
  const gql = async <T>(query: string, variables?: Record<string, unknown>, token: string | null = OPERATOR_TOKEN) => {
    const body = JSON.stringify({ query, variables });
    const res = await fetchIn('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });
    return (await res.json()) as GqlResponse<T>;
  };
  return {
    app,
    clock,
    env,
    sql,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>, token: string | null = OPERATOR_TOKEN) {
      const res = await gql<T>(query, variables, token);
      if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res, null, 2)}`);
      return res.data;
    },
    fetch: fetchIn,
    async listen() {
      if (!urls) {
        const bound = await app.start(0, '127.0.0.1');
        urls = { http: bound.http, ws: bound.ws, base: `http://127.0.0.1:${bound.port}` };
      }
      return urls;
    },
    wsClient(token: string | null = OPERATOR_TOKEN, options = {}) {
      if (!urls) throw new Error('call listen() first');
      const client = createClient({
        url: urls.ws,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        ...options,
      });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      db.$client.close();
    },
  };
}

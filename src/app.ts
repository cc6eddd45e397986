import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useDisableIntrospection } from '@envelop/disable-introspection';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Clock, systemClock } from './clock.js';
import { type Context, createContext } from './context.js';
import type { DB } from './db/client.js';
import type { Env } from './env.js';
import { AuthenticationError, DomainError } from './errors.js';
import { RisLiveClient } from './feeds/ris-live.js';
import { handleRisIngest } from './http/ingest-ris.js';
import type { Logger } from './observability/logger.js';
import { type AppPubSub, createAppPubSub } from './pubsub.js';
import { LiveOperations } from './realtime/live-operations.js';
import { useLiveOperations, useSubscriptionCost } from './realtime/plugin.js';
import { Semaphore } from './realtime/semaphore.js';
import { TokenGuard } from './realtime/token-guard.js';
import { printedSchema, schema } from './schema/index.js';
import type { ServiceDeps } from './services/deps.js';
import { refusedTokens, viewerFromAuthorization } from './services/identity.js';
import { ANONYMOUS, type Viewer } from './services/viewer.js';
import { TelemetryEngine } from './telemetry/engine.js';

export interface AppOptions {
  env: Env;
  db: DB;
  logger: Logger;
  clock?: Clock;
  pubsub?: AppPubSub;
}

export interface App {
  yoga: YogaServerInstance<{ req: IncomingMessage; res: ServerResponse }, Context>;
  httpServer: Server;
  deps: ServiceDeps;
  telemetry: TelemetryEngine;
  /** The subscription streams open right now (graphql-ws and SSE), to end them from outside. */
  live: LiveOperations;
  /** The built-in RIS Live connection (RIS_LIVE_URL), started by start(); null when RIS_LIVE_URL is unset. */
  risLive: RisLiveClient | null;
  /** Listens and starts background telemetry work; resolves to the bound URLs. */
  start(port?: number, host?: string): Promise<{ http: string; ws: string; port: number }>;
  /** Stops accepting, disposes graphql-ws, closes sockets and the server; the caller closes the database. */
  stop(): Promise<void>;
}

type ServerCtx = { req: IncomingMessage; res: ServerResponse };

/** How often the tokens behind open sockets and streams are re-checked (expiry, revocation by another process). */
const TOKEN_RECHECK_MS = 1000;
/** graphql-ws close code for a refused credential (as for a bad token at connection_init). */
const CLOSE_FORBIDDEN = 4403;
/** Key of a socket's connection token among its watched tokens (operation ids are strings). */
const CONNECTION = Symbol('connection');

/** Turns domain errors into client-visible GraphQL errors with `extensions.code`; masks everything else. */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: {
        code: original.code,
        ...(original.httpStatus !== 200 ? { http: { status: original.httpStatus } } : {}),
      },
    });
  }
  return defaultMaskError(error, message, isDev);
}

/** Rejects HTTP bodies over the limit before they are read (413), and chunked bodies we cannot size (411). */
function bodyLimitPlugin(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const length = request.headers.get('content-length');
      const problem =
        length == null
          ? { status: 411, message: 'Content-Length is required' }
          : Number(length) > maxBytes
            ? { status: 413, message: `Request body exceeds ${maxBytes} bytes` }
            : null;
      if (problem) {
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({ errors: [{ message: problem.message, extensions: { code: 'BAD_REQUEST' } }] }),
            {
              status: problem.status,
              headers: { 'content-type': 'application/json' },
            },
          ),
        );
      }
    },
  };
}

export function buildApp(options: AppOptions): App {
  const { env, db, logger } = options;
  const clock = options.clock ?? systemClock;
  const pubsub =
    options.pubsub ??
    createAppPubSub({
      onListenerError: (error, topic) => logger.error({ err: error, topic }, 'pubsub listener failed'),
    });
  const live = new LiveOperations();
  const realtime = { live, replaySlots: new Semaphore(env.MAX_CONCURRENT_REPLAYS) };
  const telemetry = new TelemetryEngine({ db, pubsub, clock, logger, env });
  const deps: ServiceDeps = { db, pubsub, clock, logger, env, telemetry };
  const risLive = env.RIS_LIVE_URL
    ? new RisLiveClient({ url: env.RIS_LIVE_URL, db, pubsub, logger, clock, telemetry, settings: env })
    : null;

  const viewerFor = (authorization: string | null | undefined): Viewer => viewerFromAuthorization(deps, authorization);

  // A revoked, expired or deleted token loses its open sockets (closed with 4403) and streams: at once when it is
  // revoked here (identity:token-revoked), else at the next re-check (TOKEN_RECHECK_MS, one query for all tokens).
  const tokenGuard = new TokenGuard({
    live,
    check: (ids) => refusedTokens(deps, ids),
    logger,
    intervalMs: TOKEN_RECHECK_MS,
  });
  const stopRevocations = pubsub.subscribe('identity:token-revoked', ({ tokenIds }) => tokenGuard.sweep(tokenIds));
  /** Closes a graphql-ws socket whose token was refused; its operations end with it. */
  const closeSocket = (socket: WebSocket) => (refusal: { kind: string }) => {
    socket.close(CLOSE_FORBIDDEN, `Forbidden: API token ${refusal.kind}`);
  };

  const yoga = createYoga<ServerCtx, Context>({
    schema,
    logging: logger,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError },
    graphiql: env.GRAPHIQL
      ? {
          title: 'peerwatch',
          subscriptionsProtocol: 'WS',
          defaultQuery: `# peerwatch: Peering Service onboarding and live telemetry.
# The catalogue is public; set an Authorization header (Bearer <token>) for the rest.
query Partners {
  partners(first: 5, filter: { market: "Europe" }) {
    totalCount
    edges { node { id name kind asn peeringLocations { name country } } }
  }
}
`,
        }
      : false,
    renderGraphiQL,
    plugins: [
      bodyLimitPlugin(env.MAX_BODY_BYTES),
      EnvelopArmorPlugin({
        maxDepth: { n: env.MAX_DEPTH },
        maxAliases: { n: env.MAX_ALIASES },
        maxTokens: { n: env.MAX_TOKENS },
        maxDirectives: { n: 20 },
        // Cost is computed by the schema's complexity plugin (it knows page sizes), not by armor.
        costLimit: { enabled: false },
        blockFieldSuggestion: { enabled: env.NODE_ENV === 'production' },
      }),
      ...(env.INTROSPECTION ? [] : [useDisableIntrospection()]),
      useLiveOperations(live),
      useSubscriptionCost(
        env.MAX_COST,
        (cost) =>
          new GraphQLError(
            `Subscription cost ${cost} exceeds the limit of ${env.MAX_COST}; ask for fewer fields or smaller lists`,
            { extensions: { code: 'QUERY_TOO_COMPLEX' } },
          ),
      ),
    ],
    context: ({ request, connectionParams }: { request?: Request; connectionParams?: Record<string, unknown> }) => {
      // graphql-ws passes the viewer resolved at connection_init (see onConnect); HTTP and SSE read the header.
      const wsViewer = (connectionParams as { viewer?: Viewer } | undefined)?.viewer;
      const viewer = wsViewer ?? viewerFor(request?.headers.get('authorization'));
      return createContext(deps, telemetry, realtime, viewer);
    },
  });

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      let healthy = false;
      // Stale feeds are reported as detail: the API still works, so the status stays 200.
      let staleFeeds: { kind: string; name: string; lastSeenAt: string | null; silentSeconds: number }[] = [];
      try {
        healthy = db.$client.prepare('select 1 as ok').get() != null;
        const now = clock.now();
        staleFeeds = telemetry.feeds.stale().map((f) => ({
          kind: f.kind,
          name: f.name,
          lastSeenAt: f.lastSeenAt == null ? null : new Date(f.lastSeenAt).toISOString(),
          silentSeconds: Math.round((now - (f.lastSeenAt ?? f.createdAt)) / 1000),
        }));
      } catch (error) {
        logger.error({ err: error }, 'health check failed');
      }
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: healthy ? 'ok' : 'unavailable',
          ...(staleFeeds.length ? { detail: { staleFeeds } } : {}),
        }),
      );
      return;
    }
    if (path === '/ingest/ris') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' });
        res.end();
        return;
      }
      await handleRisIngest(req, res, {
        viewerFor: (authorization) => viewerFor(authorization),
        telemetry,
        maxBytes: env.INGEST_MAX_BODY_BYTES,
        logger,
      });
      return;
    }
    if (path === '/schema.graphql' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(printedSchema());
      return;
    }
    await yoga.requestListener(req, res);
  };
  const httpServer = createServer((req, res) => {
    handler(req, res).catch((error) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  const wsServer = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: env.MAX_BODY_BYTES,
  });
  const wsCleanup = useServer<Record<string, unknown>, { viewer?: Viewer; untrack?: Map<string | symbol, () => void> }>(
    {
      // Authenticate once, at connection_init: a bad token closes the socket with 4403 Forbidden.
      onConnect: (ctx) => {
        // Case-insensitive: GraphiQL forwards its Headers tab ({"Authorization": ...}) as connection params.
        const params = ctx.connectionParams ?? {};
        const key = Object.keys(params).find((k) => k.toLowerCase() === 'authorization');
        const authorization = key ? params[key] : undefined;
        // What the token guard watches on this socket: its connection's token and per-operation tokens (by id).
        const untrack = new Map<string | symbol, () => void>();
        ctx.extra.untrack = untrack;
        ctx.extra.socket.once('close', () => {
          for (const stop of untrack.values()) stop();
          untrack.clear();
        });
        try {
          if (authorization == null) {
            ctx.extra.viewer = ANONYMOUS;
            return true;
          }
          // A credential that is not a string is a bad credential, not an anonymous one.
          if (typeof authorization !== 'string') return false;
          const viewer = viewerFor(authorization);
          ctx.extra.viewer = viewer;
          if ('tokenId' in viewer && viewer.tokenId != null) {
            untrack.set(CONNECTION, tokenGuard.track(viewer.tokenId, closeSocket(ctx.extra.socket)));
          }
          return true;
        } catch (error) {
          if (error instanceof AuthenticationError) return false;
          throw error;
        }
      },
      // The enveloped execute/subscribe travel in rootValue (yoga's graphql-ws recipe).
      // biome-ignore lint/suspicious/noExplicitAny: graphql-ws passes its own ExecutionArgs shape.
      execute: (args: any) => args.rootValue.execute(args),
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, id, params) => {
        // graphql-ws has already reserved this operation's id in ctx.subscriptions.
        if (Object.keys(ctx.subscriptions).length > env.MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            new GraphQLError(
              `At most ${env.MAX_SUBSCRIPTIONS_PER_CONNECTION} operations may be active on one connection; complete one first`,
              { extensions: { code: 'LIMIT_EXCEEDED' } },
            ),
          ];
        }
        // GraphiQL sends its Headers tab with each operation (payload.extensions.headers) rather than in
        // connection_init; honour an Authorization there for that operation.
        let viewer = ctx.extra.viewer ?? ANONYMOUS;
        const headers = (params.extensions as { headers?: Record<string, unknown> } | undefined)?.headers;
        const headerKey = headers && Object.keys(headers).find((k) => k.toLowerCase() === 'authorization');
        if (headers && headerKey && typeof headers[headerKey] === 'string' && headers[headerKey]) {
          try {
            viewer = viewerFor(headers[headerKey] as string);
          } catch (error) {
            if (error instanceof AuthenticationError) {
              return [new GraphQLError(error.message, { extensions: { code: error.code } })];
            }
            throw error;
          }
        }
        const enveloped = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: { viewer },
        });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(params.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error')];
        }
        const args = {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        let errors: readonly GraphQLError[];
        try {
          // graphql-armor rules throw instead of reporting; a throw must not close the socket.
          errors = enveloped.validate(args.schema, args.document);
        } catch (error) {
          errors = [error instanceof GraphQLError ? error : new GraphQLError('Invalid operation')];
        }
        if (errors.length) return [...errors];
        if (viewer !== ctx.extra.viewer && 'tokenId' in viewer && viewer.tokenId != null) {
          // Authenticated for this operation only: the socket is watched for that token while the operation runs.
          ctx.extra.untrack?.get(id)?.();
          ctx.extra.untrack?.set(id, tokenGuard.track(viewer.tokenId, closeSocket(ctx.extra.socket)));
        }
        return args;
      },
      onComplete: (ctx, id) => {
        ctx.extra.untrack?.get(id)?.();
        ctx.extra.untrack?.delete(id);
      },
    },
    wsServer,
    env.WS_KEEPALIVE_SECONDS * 1000,
  );

  return {
    yoga,
    httpServer,
    deps,
    telemetry,
    live,
    risLive,
    async start(port = env.PORT, host = env.HOST) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      telemetry.start();
      tokenGuard.start();
      risLive?.start();
      const bound = (httpServer.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return { http: `http://${shownHost}:${bound}/graphql`, ws: `ws://${shownHost}:${bound}/graphql`, port: bound };
    },
    async stop() {
      await risLive?.stop();
      telemetry.stop();
      tokenGuard.stop();
      stopRevocations();
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      if (httpServer.listening) {
        httpServer.closeAllConnections();
        await new Promise<void>((resolve, reject) => httpServer.close((e) => (e ? reject(e) : resolve())));
      }
    },
  };
}

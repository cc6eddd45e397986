import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { useDisableIntrospection } from '@envelop/disable-introspection';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Clock, systemClock } from './clock.js';
import { type Context, createContext, SocketOperationContext } from './context.js';
import type { DB } from './db/client.js';
import type { Env } from './env.js';
import { AuthenticationError, DomainError } from './errors.js';
import { RisLiveClient } from './feeds/ris-live.js';
import { corsOptions, useCompression } from './http/browser.js';
import { createDashboard, dashboardOperations } from './http/dashboard.js';
import { handleRisIngest } from './http/ingest-ris.js';
import { useCompiledExecution } from './http/jit.js';
import { toListenError } from './http/listen.js';
import { loadPersistedOperations, resolveWsOperation, usePersisted } from './http/persisted-operations.js';
import { errorForLog, type Logger, truncate } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { readiness } from './observability/readiness.js';
import { yogaLogger } from './observability/yoga-logger.js';
import { type AppPubSub, createAppPubSub } from './pubsub.js';
import { createEventBus } from './realtime/bus.js';
import { LiveOperations } from './realtime/live-operations.js';
import { useMultiplexedSubscriptions } from './realtime/multiplex.js';
import { useLiveOperations } from './realtime/plugin.js';
import { Semaphore } from './realtime/semaphore.js';
import { TokenGuard, type TokenHolder } from './realtime/token-guard.js';
import { createGraphQLWsServer } from './realtime/ws-server.js';
import { useOperationCost, useSubscriptionCost } from './schema/cost.js';
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
  /** The built-in RIS Live connection (RIS_LIVE_URL), started by start(); null when RIS_LIVE_URL is unset (and in workers but the first). */
  risLive: RisLiveClient | null;
  /**
   * Listens and starts background telemetry work; resolves to the bound URLs. Rejects with a ListenError (one
   * clear line) when the port is taken or cannot be bound.
   */
  start(port?: number, host?: string): Promise<{ http: string; ws: string; port: number }>;
  /**
   * Drains and stops: stops accepting connections, answers requests arriving on open keep-alive connections with
   * 503, lets in-flight HTTP requests finish (up to `SHUTDOWN_GRACE_SECONDS`, then their connections are cut),
   * completes every subscription stream (SSE clients get `event: complete`), closes graphql-ws sockets with 1001
   * (Going Away) and closes idle connections. Resolves once the server is closed; the caller closes the database.
   * Calling it again returns the same promise.
   */
  stop(): Promise<{ forced: number }>;
}

type ServerCtx = { req: IncomingMessage; res: ServerResponse };

/** How often the tokens behind open sockets and streams are re-checked (expiry, revocation by another process). */
const TOKEN_RECHECK_MS = 1000;
/** graphql-ws close code for a refused credential (as for a bad token at connection_init). */
const CLOSE_FORBIDDEN = 4403;

/** Turns domain errors into client-visible GraphQL errors with `extensions.code`; masks everything else. */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: {
        code: original.code,
        // A refusal on one field is that field's error (HTTP 200, the other fields answer); only a request-level
        // refusal (a bad token, before any field runs) sets the HTTP status.
        ...(original.httpStatus !== 200 && !(error instanceof GraphQLError && error.path)
          ? { http: { status: original.httpStatus } }
          : {}),
      },
    });
  }
  return defaultMaskError(error, message, isDev);
}

/**
 * Every top-level error carries an `extensions.code`. graphql-js reports problems with the request itself (a variable
 * that does not coerce, a required variable missing) without one and echoes the value it got; those become
 * BAD_USER_INPUT with the message cut short.
 */
function errorCodesPlugin(): Plugin {
  const withCode = (error: GraphQLError | { message: string; extensions?: Record<string, unknown> }) => {
    if (error.extensions?.code != null) return error;
    const e = error as GraphQLError;
    return new GraphQLError(truncate(e.message, 500), {
      nodes: e.nodes,
      path: e.path,
      extensions: { ...e.extensions, code: e.path ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT' },
    });
  };
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || result == null || Symbol.asyncIterator in (result as object)) return;
      const single = result as { errors?: readonly GraphQLError[] };
      if (single.errors?.some((e) => e.extensions?.code == null)) {
        setResult({ ...single, errors: single.errors.map(withCode) } as never);
      }
    },
  };
}

const isSqliteBusy = (error: unknown): boolean => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  return (original as { code?: unknown } | null)?.code === 'SQLITE_BUSY';
};

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
  const bus = createEventBus({
    db,
    local:
      options.pubsub ??
      createAppPubSub({
        onListenerError: (error, topic) => logger.error({ err: error, topic }, 'pubsub listener failed'),
      }),
    logger,
    redisUrl: env.REDIS_URL,
    channelPrefix: env.REDIS_CHANNEL_PREFIX,
    pollMs: env.BUS_POLL_MS,
  });
  const pubsub = bus.pubsub;
  const live = new LiveOperations();
  // Trusted documents: the dashboard's own (it only sends hashes) plus the configured manifest, if any. With
  // PERSISTED_OPERATIONS_ONLY and no manifest, only the dashboard's operations run.
  const persisted = new Map([
    ...dashboardOperations(),
    ...(env.PERSISTED_OPERATIONS ? loadPersistedOperations(env.PERSISTED_OPERATIONS) : []),
  ]);
  const dashboard = createDashboard({
    onBuildError: (error) => logger.error({ err: errorForLog(error) }, 'dashboard build failed'),
  });
  const metrics = createMetrics({ db, live, pubsub, worker: env.WORKERS > 1 ? env.PEERWATCH_WORKER : undefined });
  const trustedTexts = new Set(persisted.values());
  const realtime = {
    live,
    replaySlots: new Semaphore(env.MAX_CONCURRENT_REPLAYS),
    observeDeliveryLag: metrics.observeDeliveryLag,
  };
  const telemetry = new TelemetryEngine({ db, pubsub, clock, logger, env });
  telemetry.onIngest = metrics.observeIngest;
  const deps: ServiceDeps = { db, pubsub, clock, logger, env, telemetry };
  // In cluster mode only the first worker connects to RIS Live (every worker would ingest the same updates).
  const risLive =
    env.RIS_LIVE_URL && (env.PEERWATCH_WORKER ?? 1) === 1
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
  /** Watches a graphql-ws socket for a token; a refused token closes the socket and its operations end with it. */
  class SocketTokenHolder implements TokenHolder {
    constructor(
      readonly tokenId: number,
      private readonly socket: WebSocket,
    ) {}

    onRefused(refusal: { kind: string }): void {
      this.socket.close(CLOSE_FORBIDDEN, `Forbidden: API token ${refusal.kind}`);
    }
  }

  const yogaLog = yogaLogger(logger);
  const maskAppError = (error: unknown, message: string, isDev?: boolean): Error => {
    if (isSqliteBusy(error)) metrics.countBusy();
    return maskError(error, message, isDev);
  };
  /**
   * maskAppError as graphql-yoga applies it to results (with its default message, the original error logged when it
   * was masked), for subscription streams, which useLiveOperations masks instead of yoga's plugin.
   */
  const maskStreamError = (error: unknown): Error => {
    const masked = maskAppError(error, 'Unexpected error.');
    if (masked !== error) yogaLog.error(error);
    return masked;
  };

  const yoga = createYoga<ServerCtx, Context>({
    schema,
    logging: yogaLog,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    cors: corsOptions(env.CORS_ORIGINS),
    maskedErrors: { maskError: maskAppError },
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
    // bodyLimitPlugin refuses a POST without Content-Length or over the limit before the body is read; yoga's own
    // limit would pipe every body through a counting stream (about 9% of a request's CPU).
    maxRequestBodySize: false,
    plugins: [
      bodyLimitPlugin(env.MAX_BODY_BYTES),
      errorCodesPlugin(),
      usePersisted(persisted, env.PERSISTED_OPERATIONS_ONLY),
      useCompression(),
      EnvelopArmorPlugin({
        maxDepth: { n: env.MAX_DEPTH },
        maxAliases: { n: env.MAX_ALIASES },
        maxTokens: { n: env.MAX_TOKENS },
        maxDirectives: { n: 20 },
        // Cost is computed by src/schema/cost.ts with the schema's complexity rules (they know page sizes), not by armor.
        costLimit: { enabled: false },
        blockFieldSuggestion: { enabled: env.NODE_ENV === 'production' },
      }),
      ...(env.INTROSPECTION ? [] : [useDisableIntrospection()]),
      metrics.yogaPlugin((text) => trustedTexts.has(text)),
      useMultiplexedSubscriptions(),
      useSubscriptionCost(
        env.MAX_COST,
        (cost) =>
          new GraphQLError(
            `Subscription cost ${cost} exceeds the limit of ${env.MAX_COST}; ask for fewer fields or smaller lists`,
            { extensions: { code: 'QUERY_TOO_COMPLEX' } },
          ),
      ),
      useOperationCost(),
      useCompiledExecution(),
      // Last: it runs the subscribe the plugins above have set up and ends the onSubscribe hooks (see plugin.ts).
      useLiveOperations(live, { maskError: maskStreamError, onOverflow: metrics.countOverflow }),
    ],
    context: (initial: { request?: Request; connectionParams?: Record<string, unknown> }) => {
      // graphql-ws passes the viewer resolved at connection_init (see onConnect); HTTP and SSE read the header.
      const wsViewer = (initial.connectionParams as { viewer?: Viewer } | undefined)?.viewer;
      const viewer = wsViewer ?? viewerFor(initial.request?.headers.get('authorization'));
      return createContext(initial, deps, telemetry, realtime, viewer) as Context;
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
    if (path === '/metrics' && req.method === 'GET') {
      if (env.METRICS_TOKEN && req.headers.authorization !== `Bearer ${env.METRICS_TOKEN}`) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
        res.end('METRICS_TOKEN required\n');
        return;
      }
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      const state = readiness(db, telemetry.lease, bus.status(), env.PEERWATCH_WORKER ?? null);
      res.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(state));
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
        maxLineBytes: env.INGEST_MAX_LINE_BYTES,
        logger,
      });
      return;
    }
    if (await dashboard.handle(path ?? '/', req, res)) return;
    if (path === '/schema.graphql' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(printedSchema());
      return;
    }
    await yoga.requestListener(req, res);
  };
  // Responses being written; at shutdown they may finish (bounded by the grace period).
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  const httpServer = createServer((req, res) => {
    if (draining) {
      // A new request on a keep-alive connection that was open when shutdown began.
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'The server is shutting down; retry on another instance or later' }));
      return;
    }
    inFlight.add(res);
    const started = performance.now();
    res.once('finish', () => {
      // Streams (SSE) last as long as the subscription: not a request duration.
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      metrics.observeHttp(
        (req.url ?? '/').split('?')[0] ?? '/',
        req.method ?? 'GET',
        res.statusCode,
        (performance.now() - started) / 1000,
      );
    });
    res.once('close', () => {
      inFlight.delete(res);
      // Once its last response is written, a keep-alive connection must not hold shutdown up.
      if (draining) setImmediate(() => httpServer.closeIdleConnections());
    });
    handler(req, res).catch((error) => {
      logger.error({ err: errorForLog(error) }, 'request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  // noServer: upgrades are routed here by hand, so the http server's own errors (a port in use) are not
  // re-emitted on the WebSocket server, where graphql-ws would print them with a stack.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: env.MAX_BODY_BYTES });
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (draining || (req.url ?? '/').split('?')[0] !== yoga.graphqlEndpoint) {
      socket.end(draining ? 'HTTP/1.1 503 Service Unavailable\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => {
      graphqlWs.accept(ws, socket);
      ws.on('error', onSocketError);
    });
  });
  /**
   * A client breaking the protocol (a frame over MAX_BODY_BYTES, a bad opcode) is the client's fault: ws has already
   * closed the socket with the right code (1009, 1002...), so a one-line warning is enough. Anything else is ours:
   * log and 1011. One listener for every socket (`this` is the socket).
   */
  function onSocketError(this: WebSocket, error: Error & { code?: string }) {
    if (error.code?.startsWith('WS_ERR_')) {
      logger.warn({ code: error.code, reason: truncate(error.message) }, 'websocket client broke the protocol');
      return;
    }
    logger.error({ err: errorForLog(error) }, 'websocket socket failed');
    this.close(1011, 'Internal server error');
  }
  const graphqlWs = createGraphQLWsServer<
    Record<string, unknown>,
    {
      viewer?: Viewer;
      /** What the token guard watches on this socket: its connection's token, and per-operation tokens by id. */
      holder?: SocketTokenHolder;
      operationHolders?: Map<string, SocketTokenHolder>;
    }
  >(
    {
      // Authenticate once, at connection_init: a bad token closes the socket with 4403 Forbidden.
      onConnect: (ctx) => {
        // Case-insensitive: GraphiQL forwards its Headers tab ({"Authorization": ...}) as connection params.
        const params = ctx.connectionParams ?? {};
        const key = Object.keys(params).find((k) => k.toLowerCase() === 'authorization');
        const authorization = key ? params[key] : undefined;
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
            ctx.extra.holder = new SocketTokenHolder(viewer.tokenId, ctx.extra.socket);
            tokenGuard.track(ctx.extra.holder);
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
        const enveloped = yoga.getEnveloped(new SocketOperationContext(ctx.extra.socket, params, { viewer }));
        const query = resolveWsOperation(
          persisted,
          env.PERSISTED_OPERATIONS_ONLY,
          params as Parameters<typeof resolveWsOperation>[2],
        );
        if (query instanceof GraphQLError) return [query];
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(query);
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
          ctx.extra.operationHolders ??= new Map();
          const holders = ctx.extra.operationHolders;
          const previous = holders.get(id);
          if (previous) tokenGuard.untrack(previous);
          const holder = new SocketTokenHolder(viewer.tokenId, ctx.extra.socket);
          holders.set(id, holder);
          tokenGuard.track(holder);
        }
        return args;
      },
      onComplete: (ctx, id) => {
        const holder = ctx.extra.operationHolders?.get(id);
        if (!holder) return;
        tokenGuard.untrack(holder);
        ctx.extra.operationHolders?.delete(id);
      },
      // Every connection ends here (graphql-ws calls it when the socket closes): its tokens are no longer watched.
      onClose: (ctx) => {
        if (ctx.extra.holder) tokenGuard.untrack(ctx.extra.holder);
        for (const holder of ctx.extra.operationHolders?.values() ?? []) tokenGuard.untrack(holder);
        ctx.extra.operationHolders?.clear();
      },
    },
    wsServer,
    {
      keepAliveMs: env.WS_KEEPALIVE_SECONDS * 1000,
      onInternalError: (error) => logger.error({ err: errorForLog(error) }, 'graphql-ws message handling failed'),
    },
  );

  let stopping: Promise<{ forced: number }> | undefined;
  return {
    yoga,
    httpServer,
    deps,
    telemetry,
    live,
    risLive,
    async start(port = env.PORT, host = env.HOST) {
      await new Promise<void>((resolve, reject) => {
        const failed = (error: Error) => reject(toListenError(error, port, host));
        httpServer.once('error', failed);
        httpServer.listen(port, host, () => {
          httpServer.off('error', failed);
          resolve();
        });
      });
      bus.start();
      telemetry.start();
      tokenGuard.start();
      dashboard.warm();
      risLive?.start();
      const bound = (httpServer.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return { http: `http://${shownHost}:${bound}/graphql`, ws: `ws://${shownHost}:${bound}/graphql`, port: bound };
    },
    stop() {
      stopping ??= drain();
      return stopping;
    },
  };

  async function drain(): Promise<{ forced: number }> {
    draining = true;
    await risLive?.stop();
    telemetry.stop();
    tokenGuard.stop();
    stopRevocations();
    // Stop accepting: the listening socket closes now; `closed` settles when the last connection has gone.
    const closed = httpServer.listening
      ? new Promise<void>((resolve) => httpServer.close(() => resolve()))
      : Promise.resolve();
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    httpServer.closeIdleConnections();
    // Subscriptions end like a normal end of stream: SSE writes `event: complete`, graphql-ws sends Complete.
    live.endAll();
    await new Promise((resolve) => setImmediate(resolve));
    // graphql-ws closes its sockets with 1001 (Going Away) and waits for them to go.
    const wsClosed = graphqlWs.dispose();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), env.SHUTDOWN_GRACE_SECONDS * 1000);
    });
    const outcome = await Promise.race([Promise.all([closed, wsClosed]), graceOver]);
    clearTimeout(timer);
    let forced = 0;
    if (outcome === 'timeout') {
      forced = inFlight.size;
      logger.warn({ requests: forced }, 'shutdown grace period over; closing the connections still open');
      httpServer.closeAllConnections();
      for (const socket of wsServer.clients) socket.terminate();
      await Promise.all([closed, wsClosed]);
    }
    await bus.close();
    return { forced };
  }
}

/**
 * Entry point of `npm run --silent exabgp-bridge`, started by ExaBGP's `process` API (`encoder json`): ExaBGP's JSON
 * messages on stdin -> POST /ingest/ris on PEERWATCH_URL. See docs/exabgp.md. Logs go to stderr: ExaBGP reads this
 * process's stdout as API commands, so nothing is ever written there (and it is never closed: ExaBGP would take that
 * for a crash and respawn the process).
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import { EnvError } from '../src/env.js';
import { ExabgpBridge } from '../src/feeds/exabgp-bridge.js';
import { type BridgeEnv, parseBridgeEnv } from '../src/feeds/exabgp-env.js';

let env: BridgeEnv;
try {
  env = parseBridgeEnv(process.env);
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  process.stderr.write(`exabgp-bridge: ${error.message}\n`);
  process.exit(1);
}

const logger = pino(
  { level: env.BRIDGE_LOG_LEVEL, base: { service: 'peerwatch-exabgp-bridge', pid: process.pid } },
  pino.destination({ dest: 2, sync: true }),
);

const bridge = new ExabgpBridge({
  url: env.PEERWATCH_URL,
  token: env.PEERWATCH_TOKEN,
  host: hostname(),
  input: process.stdin,
  logger,
  maxBuffer: env.BRIDGE_MAX_BUFFER,
  batchSize: env.BRIDGE_BATCH_SIZE,
  batchDelayMs: env.BRIDGE_BATCH_DELAY_MS,
  heartbeatMs: env.BRIDGE_HEARTBEAT_SECONDS * 1000,
  retryBaseMs: env.BRIDGE_RETRY_BASE_MS,
  retryMaxMs: env.BRIDGE_RETRY_MAX_SECONDS * 1000,
  requestTimeoutMs: env.BRIDGE_REQUEST_TIMEOUT_SECONDS * 1000,
  shutdownTimeoutMs: env.BRIDGE_SHUTDOWN_TIMEOUT_SECONDS * 1000,
});

// ExaBGP sends SIGTERM when it stops (after the neighbors' "down" messages): deliver those, then exit.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => bridge.stop(signal));

bridge.run().then(
  (stats) => process.exit(stats.undelivered ? 1 : 0),
  (error) => {
    logger.fatal({ err: error }, 'exabgp bridge crashed');
    process.exit(1);
  },
);

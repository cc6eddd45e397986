import { z } from 'zod';
import { EnvError } from '../env.js';

/**
 * Settings of the ExaBGP bridge (`npm run --silent exabgp-bridge`), a separate process with its own environment:
 * parsed here in one place, every problem listed at once. Only scripts/exabgp-bridge.ts passes process.env in.
 */

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = (max: number) => z.coerce.number().min(0).max(max);

const BridgeEnvSchema = z.object({
  /** The peerwatch server's base URL, e.g. http://127.0.0.1:4000 (not the /graphql path). */
  PEERWATCH_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:4000' })
    .refine((u) => !/\/graphql\/?$/.test(new URL(u).pathname), {
      error: 'is the server base URL (e.g. http://127.0.0.1:4000), not its /graphql path',
    })
    .transform((u) => u.replace(/\/+$/, '')),
  /** A COLLECTOR (or OPERATOR) API token. */
  PEERWATCH_TOKEN: z
    .string({ error: 'is required (a COLLECTOR token, see createApiToken)' })
    .min(1, 'is required (a COLLECTOR token, see createApiToken)'),
  /** Updates held while peerwatch is slow or down; past it stdin is paused (ExaBGP blocks), nothing is dropped. */
  BRIDGE_MAX_BUFFER: int(1, 10_000_000).default(100_000),
  /** Lines per POST. */
  BRIDGE_BATCH_SIZE: int(1, 10_000).default(1000),
  /** How long a partial batch waits for more lines before it is sent. */
  BRIDGE_BATCH_DELAY_MS: int(0, 60_000).default(200),
  /** An empty POST after this long without traffic (0: never). */
  BRIDGE_HEARTBEAT_SECONDS: seconds(3600).default(30),
  /** First retry delay; it doubles per failure (with jitter) up to BRIDGE_RETRY_MAX_SECONDS. */
  BRIDGE_RETRY_BASE_MS: int(1, 60_000).default(250),
  BRIDGE_RETRY_MAX_SECONDS: seconds(3600).default(30),
  /** A POST without an answer after this long is aborted and retried. */
  BRIDGE_REQUEST_TIMEOUT_SECONDS: seconds(3600).default(30),
  /** On stdin end or SIGTERM: how long to keep trying to deliver what is buffered before giving up. */
  BRIDGE_SHUTDOWN_TIMEOUT_SECONDS: seconds(3600).default(5),
  /** pino level; logs go to stderr (ExaBGP reads the process's stdout as API commands). */
  BRIDGE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type BridgeEnv = z.infer<typeof BridgeEnvSchema>;

export function parseBridgeEnv(source: Record<string, string | undefined>): BridgeEnv {
  const result = BridgeEnvSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return result.data;
}

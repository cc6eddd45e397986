import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'peerwatch' },
    redact: { paths: ['req.headers.authorization', 'authorization', 'token'], censor: '[redacted]' },
  });
}

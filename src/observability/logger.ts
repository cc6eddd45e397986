import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'peerwatch' },
    redact: { paths: ['req.headers.authorization', 'authorization', 'token'], censor: '[redacted]' },
  });
}

/** Longest piece of client input (a message, a value) copied into a log line. */
export const MAX_LOGGED_CHARS = 200;

/** Cuts client-supplied text for a log line, saying how long it was. */
export function truncate(text: string, max = MAX_LOGGED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}

/** Longest error message kept in a log line (a failed query's message carries its parameters, i.e. client input). */
const MAX_LOGGED_ERROR_CHARS = 1000;
const MAX_STACK_FRAMES = 15;

/**
 * An error as a bounded log field (`{ err: errorForLog(e) }`): type, message cut to 1,000 characters, the stack's
 * first frames (without the message it repeats), and the same for its cause, two levels deep.
 */
export function errorForLog(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? truncate(error, MAX_LOGGED_ERROR_CHARS) : error;
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((l) => l.startsWith('    at '))
    .slice(0, MAX_STACK_FRAMES);
  const message = truncate(error.message, MAX_LOGGED_ERROR_CHARS);
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: [`${error.name}: ${message}`, ...frames].join('\n'),
    ...(error.cause != null && depth < 2 ? { cause: errorForLog(error.cause, depth + 1) } : {}),
  };
}

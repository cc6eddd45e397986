import { GraphQLError } from 'graphql';
import { DomainError } from '../errors.js';
import { errorForLog, type Logger, truncate } from './logger.js';

/** The logger shape graphql-yoga calls (`logging` option): each level takes any arguments. */
export type YogaLogger = Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void>;

const describe = (value: unknown): string =>
  typeof value === 'string' ? value : value instanceof Error ? value.message : String(value);

/**
 * Adapts pino for yoga, which logs every error it hands to `maskError` at error level, stack and all. Sorted here:
 *
 * - client errors (a DomainError: bad input, bad or missing token, bad cursor, over the cost limit, forbidden, not
 *   found; or a GraphQLError with no cause: syntax, validation) are the caller's mistake: one line at info (warn for
 *   refused credentials and access), with the code and the message cut to 200 characters, no stack;
 * - anything else is a fault of ours, answered as "Unexpected error.": error level, with the cause and its stack
 *   (bounded too: a failed query's message carries its parameters).
 */
export function yogaLogger(logger: Logger): YogaLogger {
  const line = (args: unknown[]) => truncate(args.map(describe).join(' '));
  return {
    debug: (...args) => logger.debug(line(args)),
    info: (...args) => logger.info(line(args)),
    warn: (...args) => logger.warn(line(args)),
    error: (...args) => {
      for (const arg of args) logError(logger, arg);
    },
  };
}

function logError(logger: Logger, error: unknown): void {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const cause = graphqlError ? graphqlError.originalError : error;
  const path = graphqlError?.path?.join('.');
  if (cause instanceof DomainError) {
    const level = cause.code === 'UNAUTHENTICATED' || cause.code === 'FORBIDDEN' ? 'warn' : 'info';
    logger[level]({ code: cause.code, ...(path ? { path } : {}), reason: truncate(cause.message) }, 'client error');
    return;
  }
  if (graphqlError && cause == null) {
    const code = graphqlError.extensions?.code;
    logger.info(
      {
        ...(typeof code === 'string' ? { code } : {}),
        ...(path ? { path } : {}),
        reason: truncate(graphqlError.message),
      },
      'client error',
    );
    return;
  }
  if (typeof error === 'string') {
    logger.error(truncate(error));
    return;
  }
  logger.error(
    { err: errorForLog(cause ?? error), ...(path ? { path } : {}) },
    'unexpected error (answered as "Unexpected error.")',
  );
}

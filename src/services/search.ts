import { InputError } from '../errors.js';

/** Longest accepted `search` text, in characters (SQLite refuses LIKE patterns past 50,000 bytes). */
export const MAX_SEARCH_LENGTH = 200;

/**
 * The LIKE pattern (with `escape '\'`) for "contains `search`", trimmed: `%`, `_` and `\` match themselves.
 * Throws InputError (BAD_USER_INPUT) for a text longer than MAX_SEARCH_LENGTH characters, before any query runs.
 */
export function containsPattern(search: string, field = 'filter.search'): string {
  const text = search.trim();
  const length = text.length > MAX_SEARCH_LENGTH * 2 ? text.length : [...text].length;
  if (length > MAX_SEARCH_LENGTH) {
    throw new InputError(`${field} is limited to ${MAX_SEARCH_LENGTH} characters (got ${length})`);
  }
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

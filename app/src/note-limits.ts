/** The largest note the API accepts, in characters as JSON Schema counts them (code points). */
export const NOTE_LIMITS = { titleMaxChars: 200, bodyMaxChars: 10_000, maxTags: 20, tagMaxChars: 50 } as const;

/**
 * Worst case JSON bytes per character: an astral character sent escaped as a surrogate pair
 * ("\ud83d\ude00", 12 bytes), as clients that escape non-ASCII (Python's json.dumps) do.
 */
const MAX_JSON_BYTES_PER_CHAR = 12;

/** Property names, quotes, commas and some whitespace. */
const JSON_OVERHEAD_BYTES = 4096;

/** Default request body limit: the largest valid note however it is encoded, so the limit never rejects one. */
export const DEFAULT_BODY_LIMIT_BYTES =
  MAX_JSON_BYTES_PER_CHAR * (NOTE_LIMITS.titleMaxChars + NOTE_LIMITS.bodyMaxChars + NOTE_LIMITS.maxTags * NOTE_LIMITS.tagMaxChars) + JSON_OVERHEAD_BYTES;

import { createHash, randomBytes } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { ChainableCommander } from "ioredis";
import { LRUCache } from "lru-cache";
import { monotonicFactory } from "ulid";
import { isRedisFailure, RedisUnavailableError, type RedisGuard } from "./redis-guard";

export interface NoteInput {
  title: string;
  body: string;
  tags?: string[];
}

export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  createdAt: string;
}

export interface NotePage {
  items: Note[];
  nextCursor: string | null;
}

/** Where a read was answered from: Redis, or the in-memory copy while Redis is unavailable. */
export type ReadSource = "redis" | "cache";

/** A ULID: 26 characters of Crockford base 32, time first, so ids sort by creation time. */
export const NOTE_ID_PATTERN = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$";

/** How long Redis remembers an Idempotency-Key and the note it created. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const INDEX_KEY = "notes:index";
const noteKey = (id: string) => `notes:item:${id}`;
const idempotencyKey = (key: string) => `notes:idempotency:${key}`;

/**
 * Ids sort in creation order so the index can page newest-first by id. Monotonic: notes created in the same
 * millisecond by this process still sort in the order they were created.
 */
export const newNoteId: (now?: number) => string = monotonicFactory(pooledRandom());

/**
 * The same CSPRNG as ulid's default, drawn from a pooled buffer: the default asks the OS for one byte per
 * character, 16 calls per id, which showed as 4 % of the CPU under a write load.
 */
function pooledRandom(poolBytes = 4096): () => number {
  let pool = randomBytes(poolBytes);
  let next = 0;
  return () => {
    if (next === pool.length) {
      pool = randomBytes(poolBytes);
      next = 0;
    }
    return (pool[next++] as number) / 256;
  };
}

/** The same Idempotency-Key was used before with a different request body. */
export class IdempotencyConflictError extends Error {
  override name = "IdempotencyConflictError";
}

export interface CacheOptions {
  maxEntries: number;
  /** Split evenly between the note cache and the list-page cache. */
  maxBytes: number;
  ttlMs: number;
}

interface IdempotencyRecord {
  id: string;
  createdAt: string;
  fingerprint: string;
}

/**
 * Creates the note and records key → note atomically, unless the key is already recorded, in which case it
 * returns that record and writes nothing. A script rather than MULTI/EXEC: the write must be conditional on
 * the key, or two concurrent retries (say, on two replicas while Redis is slow) would both create a note.
 */
const CREATE_ONCE_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('HSET', KEYS[2], 'title', ARGV[1], 'body', ARGV[2], 'tags', ARGV[3], 'createdAt', ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[5])
redis.call('SET', KEYS[1], ARGV[6], 'EX', ARGV[7])
return false
`;

/** Runs a MULTI/EXEC and returns each command's reply; throws if any command (or the transaction) failed. */
async function execAll(transaction: ChainableCommander): Promise<unknown[]> {
  const results = await transaction.exec();
  if (!results) throw new Error("transaction aborted");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, reply]) => reply);
}

const isReplyError = (error: unknown): error is Error => error instanceof Error && error.name === "ReplyError";

/** A stored hash as a note; `null` when there is no hash, "corrupt" when it cannot be read as one. */
function parseNote(id: string, hash: Record<string, string> | Error): Note | null | "corrupt" {
  if (hash instanceof Error) return "corrupt";
  if (Object.keys(hash).length === 0) return null;
  const { title, body, tags, createdAt } = hash;
  if (title === undefined || body === undefined || tags === undefined || createdAt === undefined) return "corrupt";
  let parsedTags: unknown;
  try {
    parsedTags = JSON.parse(tags);
  } catch {
    return "corrupt";
  }
  if (!Array.isArray(parsedTags) || !parsedTags.every((tag) => typeof tag === "string")) return "corrupt";
  return { id, title, body, tags: parsedTags as string[], createdAt };
}

/** Rough heap size: JS strings take up to 2 bytes per UTF-16 unit, plus object overhead. */
function noteBytes(note: Note): number {
  let chars = note.id.length + note.title.length + note.body.length + note.createdAt.length;
  for (const tag of note.tags) chars += tag.length;
  return 2 * chars + 200 + 50 * note.tags.length;
}

const fingerprint = (input: NoteInput) => createHash("sha256").update(JSON.stringify([input.title, input.body, input.tags ?? []])).digest("hex");

/**
 * Notes kept in Redis: one hash per note and a sorted set (all scores 0, ordered by id) as the index.
 * Reads are copied into byte-bounded LRU caches with a maximum age that answer reads while Redis is unavailable.
 */
export class NotesStore {
  private readonly notes: LRUCache<string, Note> | undefined;
  private readonly pages: LRUCache<string, NotePage> | undefined;
  /** Cursors this process returned as nextCursor: only their pages (and first pages) are cached. */
  private readonly issuedCursors: LRUCache<string, true> | undefined;
  /** Corrupt records already reported, so each is logged once. */
  private readonly reportedCorrupt = new LRUCache<string, true>({ max: 1000 });

  constructor(
    private readonly guard: RedisGuard,
    cache: CacheOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    if (cache.maxEntries > 0 && cache.maxBytes > 0) {
      const maxSize = Math.max(1, Math.floor(cache.maxBytes / 2));
      this.notes = new LRUCache({ max: cache.maxEntries, maxSize, sizeCalculation: noteBytes, ttl: cache.ttlMs });
      this.pages = new LRUCache({
        max: Math.max(1, Math.ceil(cache.maxEntries / 10)),
        maxSize,
        sizeCalculation: (page) => page.items.reduce((sum, note) => sum + noteBytes(note), 100),
        ttl: cache.ttlMs,
      });
      this.issuedCursors = new LRUCache({ max: cache.maxEntries, ttl: cache.ttlMs });
    }
  }

  /**
   * Resolves only once Redis has applied the note (MULTI/EXEC, or with an idempotency key one script); otherwise throws.
   * With a key already used for the same input, returns the note that first request created (`replayed`) and writes nothing.
   */
  async create(input: NoteInput, key?: string, now = new Date()): Promise<{ note: Note; replayed: boolean }> {
    const note: Note = { id: newNoteId(now.getTime()), title: input.title, body: input.body, tags: input.tags ?? [], createdAt: now.toISOString() };
    const fields = { title: note.title, body: note.body, tags: JSON.stringify(note.tags), createdAt: note.createdAt };
    let result = { note, replayed: false };
    if (key === undefined) {
      await this.guard.run("create", () => execAll(this.guard.redis.multi().hset(noteKey(note.id), fields).zadd(INDEX_KEY, 0, note.id)));
    } else {
      const record: IdempotencyRecord = { id: note.id, createdAt: note.createdAt, fingerprint: fingerprint(input) };
      const keys = [idempotencyKey(key), noteKey(note.id), INDEX_KEY];
      const args = [fields.title, fields.body, fields.tags, fields.createdAt, note.id, JSON.stringify(record), IDEMPOTENCY_TTL_SECONDS];
      const existing = await this.guard.run("create", () => this.guard.redis.eval(CREATE_ONCE_SCRIPT, keys.length, ...keys, ...args));
      if (typeof existing === "string") {
        const first = JSON.parse(existing) as IdempotencyRecord;
        if (first.fingerprint !== record.fingerprint) throw new IdempotencyConflictError(`Idempotency-Key ${key} was already used with a different request body`);
        // Same input, so the first note had these fields; rebuilt rather than read, in case it was deleted since.
        result = { note: { ...note, id: first.id, createdAt: first.createdAt }, replayed: true };
      }
    }
    this.notes?.set(result.note.id, result.note);
    if (!result.replayed) this.pages?.clear();
    return result;
  }

  /** `corrupt`: a record exists but cannot be read (logged once); the note is treated as absent. */
  async get(id: string): Promise<{ note: Note | null; source: ReadSource; corrupt: boolean }> {
    let hash: Record<string, string> | Error;
    try {
      hash = await this.guard.run("get", () => this.guard.redis.hgetall(noteKey(id)));
    } catch (error) {
      if (error instanceof RedisUnavailableError) {
        const cached = this.notes?.get(id);
        if (cached) return { note: cached, source: "cache", corrupt: false };
        throw error;
      }
      if (!isReplyError(error)) throw error;
      hash = error; // e.g. WRONGTYPE: the key holds something else
    }
    // Parsed outside the breaker: a bad record is not a Redis failure.
    const parsed = parseNote(id, hash);
    if (parsed === "corrupt") this.reportCorrupt(id);
    const note = parsed === "corrupt" ? null : parsed;
    if (note) this.notes?.set(id, note);
    else this.notes?.delete(id);
    return { note, source: "redis", corrupt: parsed === "corrupt" };
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async list(limit: number, cursor?: string): Promise<{ page: NotePage; source: ReadSource }> {
    const pageKey = `${cursor ?? ""}:${limit}`;
    let ids: string[];
    let hashes: (Record<string, string> | Error)[];
    try {
      [ids, hashes] = await this.guard.run("list", async () => {
        const found = await this.guard.redis.zrange(INDEX_KEY, cursor ? `(${cursor}` : "+", "-", "BYLEX", "REV", "LIMIT", 0, limit + 1);
        const pipeline = this.guard.redis.pipeline();
        for (const id of found.slice(0, limit)) pipeline.hgetall(noteKey(id));
        const replies = found.length > 0 ? ((await pipeline.exec()) ?? []) : [];
        // A pipeline reports a lost connection per command; that is an outage, any other error a bad record.
        const outage = replies.find(([error]) => error && isRedisFailure(error))?.[0];
        if (outage) throw outage;
        return [found, replies.map(([error, reply]) => error ?? (reply as Record<string, string>))] as const;
      });
    } catch (error) {
      const cached = error instanceof RedisUnavailableError ? this.pages?.get(pageKey) : undefined;
      if (cached) return { page: cached, source: "cache" };
      throw error;
    }
    const pageIds = ids.slice(0, limit);
    const items: Note[] = [];
    pageIds.forEach((id, index) => {
      const parsed = parseNote(id, hashes[index] ?? {});
      if (parsed === "corrupt") this.reportCorrupt(id);
      else if (parsed) items.push(parsed);
    });
    const page = { items, nextCursor: ids.length > limit ? (pageIds[pageIds.length - 1] ?? null) : null };
    // Only pages this process led a client to are cached, so made-up cursors cannot fill (or flush) the cache.
    if (cursor === undefined || this.issuedCursors?.has(cursor)) {
      this.pages?.set(pageKey, page);
      if (page.nextCursor) this.issuedCursors?.set(page.nextCursor, true);
    }
    return { page, source: "redis" };
  }

  /** True when the note existed. The cached copy is dropped whatever happens: a delete that timed out may still apply. */
  async delete(id: string): Promise<boolean> {
    try {
      return await this.guard.run("delete", async () => {
        const [deleted] = await execAll(this.guard.redis.multi().del(noteKey(id)).zrem(INDEX_KEY, id));
        return Number(deleted) > 0;
      });
    } finally {
      this.notes?.delete(id);
      this.pages?.clear();
    }
  }

  private reportCorrupt(id: string): void {
    if (this.reportedCorrupt.has(id)) return;
    this.reportedCorrupt.set(id, true);
    this.log.warn({ note_id: id }, "corrupt note record in Redis; treated as absent");
  }
}

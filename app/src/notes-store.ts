import type { ChainableCommander } from "ioredis";
import { LRUCache } from "lru-cache";
import { monotonicFactory } from "ulid";
import type { RedisGuard } from "./redis-guard";

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

const INDEX_KEY = "notes:index";
const noteKey = (id: string) => `notes:item:${id}`;

/**
 * Ids sort in creation order so the index can page newest-first by id. Monotonic: notes created in the same
 * millisecond by this process still sort in the order they were created.
 */
export const newNoteId: (now?: number) => string = monotonicFactory();

/** Runs a MULTI/EXEC and returns each command's reply; throws if any command (or the transaction) failed. */
async function execAll(transaction: ChainableCommander): Promise<unknown[]> {
  const results = await transaction.exec();
  if (!results) throw new Error("transaction aborted");
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  return results.map(([, reply]) => reply);
}

function toNote(id: string, hash: Record<string, string>): Note | null {
  if (hash.title === undefined || hash.createdAt === undefined) return null;
  return { id, title: hash.title, body: hash.body ?? "", tags: JSON.parse(hash.tags ?? "[]") as string[], createdAt: hash.createdAt };
}

/**
 * Notes kept in Redis: one hash per note and a sorted set (all scores 0, ordered by id) as the index.
 * Reads are copied into a bounded LRU cache that answers reads while Redis is unavailable.
 */
export class NotesStore {
  private readonly notes: LRUCache<string, Note> | undefined;
  private readonly pages: LRUCache<string, NotePage> | undefined;

  constructor(
    private readonly guard: RedisGuard,
    cacheMaxEntries: number,
  ) {
    if (cacheMaxEntries > 0) {
      this.notes = new LRUCache({ max: cacheMaxEntries });
      this.pages = new LRUCache({ max: Math.max(1, Math.ceil(cacheMaxEntries / 10)) });
    }
  }

  /** Resolves only once Redis has applied both writes (MULTI/EXEC); otherwise throws. */
  async create(input: NoteInput, now = new Date()): Promise<Note> {
    const note: Note = { id: newNoteId(now.getTime()), title: input.title, body: input.body, tags: input.tags ?? [], createdAt: now.toISOString() };
    await this.guard.run("create", async () => {
      await execAll(
        this.guard.redis
          .multi()
          .hset(noteKey(note.id), { title: note.title, body: note.body, tags: JSON.stringify(note.tags), createdAt: note.createdAt })
          .zadd(INDEX_KEY, 0, note.id),
      );
    });
    this.notes?.set(note.id, note);
    this.pages?.clear();
    return note;
  }

  async get(id: string): Promise<{ note: Note | null; source: ReadSource }> {
    try {
      const hash = await this.guard.run("get", () => this.guard.redis.hgetall(noteKey(id)));
      const note = toNote(id, hash);
      if (note) this.notes?.set(id, note);
      else this.notes?.delete(id);
      return { note, source: "redis" };
    } catch (error) {
      const cached = this.notes?.get(id);
      if (cached) return { note: cached, source: "cache" };
      throw error;
    }
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async list(limit: number, cursor?: string): Promise<{ page: NotePage; source: ReadSource }> {
    const pageKey = `${cursor ?? ""}:${limit}`;
    try {
      const page = await this.guard.run("list", async () => {
        const ids = await this.guard.redis.zrange(INDEX_KEY, cursor ? `(${cursor}` : "+", "-", "BYLEX", "REV", "LIMIT", 0, limit + 1);
        const pageIds = ids.slice(0, limit);
        const pipeline = this.guard.redis.pipeline();
        for (const id of pageIds) pipeline.hgetall(noteKey(id));
        const hashes = pageIds.length > 0 ? ((await pipeline.exec()) ?? []) : [];
        const items = pageIds
          .map((id, index) => toNote(id, (hashes[index]?.[1] ?? {}) as Record<string, string>))
          .filter((note): note is Note => note !== null);
        return { items, nextCursor: ids.length > limit ? (pageIds[pageIds.length - 1] ?? null) : null };
      });
      this.pages?.set(pageKey, page);
      return { page, source: "redis" };
    } catch (error) {
      const cached = this.pages?.get(pageKey);
      if (cached) return { page: cached, source: "cache" };
      throw error;
    }
  }

  /** True when the note existed. */
  async delete(id: string): Promise<boolean> {
    const removed = await this.guard.run("delete", async () => {
      const [deleted] = await execAll(this.guard.redis.multi().del(noteKey(id)).zrem(INDEX_KEY, id));
      return Number(deleted) > 0;
    });
    this.notes?.delete(id);
    this.pages?.clear();
    return removed;
  }
}

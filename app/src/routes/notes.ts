import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Metrics } from "../metrics";
import { NOTE_LIMITS } from "../note-limits";
import { NOTE_ID_PATTERN, type NoteInput, type NotesStore, type ReadSource } from "../notes-store";
import type { RedisGuard } from "../redis-guard";
import { fallbackStore } from "../rate-limit-store";
import { DEGRADED_HEADER } from "../errors";
import { routeLabel } from "../observability";

export interface NotesRouteOptions {
  store: NotesStore;
  guard: RedisGuard;
  metrics: Metrics;
  rateLimit: { max: number; windowMs: number };
}

export const noteSchema = {
  $id: "Note",
  type: "object",
  properties: {
    id: { type: "string", pattern: NOTE_ID_PATTERN },
    title: { type: "string" },
    body: { type: "string" },
    tags: { type: "array", items: { type: "string" } },
    createdAt: { type: "string", format: "date-time" },
  },
  required: ["id", "title", "body", "tags", "createdAt"],
} as const;

export const errorSchema = {
  $id: "Error",
  type: "object",
  properties: {
    statusCode: { type: "integer" },
    error: { type: "string" },
    message: { type: "string" },
    outcome: { type: "string", enum: ["unknown"], description: "On a 503 to a write: present when the write may or may not have been applied" },
  },
  required: ["statusCode", "error", "message"],
} as const;

const idParams = {
  type: "object",
  properties: { id: { type: "string", pattern: NOTE_ID_PATTERN, description: "Note id as returned by POST /v1/notes" } },
  required: ["id"],
  additionalProperties: false,
} as const;

/** Idempotency-Key: bounded, and only characters that are safe as part of a Redis key and in logs. */
const IDEMPOTENCY_KEY_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";

const errors = { 400: { $ref: "Error#" }, 429: { $ref: "Error#" }, 503: { $ref: "Error#" } } as const;

/** The notes API under /v1. Rate limited per client (Redis-shared, per-process while Redis is down). */
export async function notesRoutes(app: FastifyInstance, options: NotesRouteOptions): Promise<void> {
  const { store, guard, metrics } = options;
  await app.register(rateLimit, {
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    enableDraftSpec: true,
    store: fallbackStore({ guard, onFallback: () => metrics.rateLimitFallbacks.inc() }),
    onExceeded: (request) => metrics.rateLimitRejections.inc({ route: routeLabel(request) }),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: "Too Many Requests",
      message: `rate limit of ${context.max} requests per ${context.after} exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });

  const noteNotFound = (reply: FastifyReply, id: string) =>
    reply.code(404).send({ statusCode: 404, error: "Not Found", message: `note ${id} does not exist` });

  const markCached = (reply: FastifyReply, source: ReadSource, route: string) => {
    if (source === "cache") {
      reply.header(DEGRADED_HEADER, "redis-unavailable; served-from=cache");
      metrics.degradedResponses.inc({ route, kind: "cached_read" });
    }
  };

  app.post<{ Body: NoteInput; Headers: { "idempotency-key"?: string } }>(
    "/notes",
    {
      schema: {
        tags: ["notes"],
        summary: "Create a note",
        headers: {
          type: "object",
          properties: {
            "idempotency-key": {
              type: "string",
              pattern: IDEMPOTENCY_KEY_PATTERN,
              description:
                "Makes retries safe: the first create with this key is remembered for 24 h; a retry with the same key and body returns that note (201, same id and Location, header idempotent-replayed: true) and creates nothing; the same key with another body gets 422.",
            },
          },
        },
        body: {
          type: "object",
          properties: {
            title: { type: "string", minLength: 1, maxLength: NOTE_LIMITS.titleMaxChars },
            body: { type: "string", maxLength: NOTE_LIMITS.bodyMaxChars },
            tags: { type: "array", items: { type: "string", minLength: 1, maxLength: NOTE_LIMITS.tagMaxChars }, maxItems: NOTE_LIMITS.maxTags, uniqueItems: true },
          },
          required: ["title", "body"],
          additionalProperties: false,
        },
        response: { 201: { $ref: "Note#" }, 422: { $ref: "Error#" }, ...errors },
      },
    },
    async (request, reply) => {
      const { note, replayed } = await store.create(request.body, request.headers["idempotency-key"]);
      if (replayed) reply.header("idempotent-replayed", "true");
      return reply.code(201).header("location", `/v1/notes/${note.id}`).send(note);
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    "/notes",
    {
      schema: {
        tags: ["notes"],
        summary: "List notes, newest first",
        querystring: {
          type: "object",
          properties: {
            limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            cursor: { type: "string", pattern: NOTE_ID_PATTERN, description: "nextCursor of the previous page" },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: "object", properties: { items: { type: "array", items: { $ref: "Note#" } }, nextCursor: { type: ["string", "null"] } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { page, source } = await store.list(request.query.limit, request.query.cursor);
      markCached(reply, source, routeLabel(request));
      return page;
    },
  );

  app.get<{ Params: { id: string } }>(
    "/notes/:id",
    { schema: { tags: ["notes"], summary: "Read a note", params: idParams, response: { 200: { $ref: "Note#" }, 404: { $ref: "Error#" }, ...errors } } },
    async (request, reply) => {
      const { note, source, corrupt } = await store.get(request.params.id);
      // A corrupt record reads as absent (as lists skip it): clients need no new case; DELETE still removes it.
      if (corrupt) return reply.code(404).send({ statusCode: 404, error: "Not Found", message: `note ${request.params.id} cannot be read (its stored record is corrupt)` });
      if (!note) return noteNotFound(reply, request.params.id);
      markCached(reply, source, routeLabel(request));
      return note;
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/notes/:id",
    { schema: { tags: ["notes"], summary: "Delete a note", params: idParams, response: { 204: { type: "null" }, 404: { $ref: "Error#" }, ...errors } } },
    async (request, reply) => {
      const removed = await store.delete(request.params.id);
      if (!removed) return noteNotFound(reply, request.params.id);
      return reply.code(204).send();
    },
  );
}

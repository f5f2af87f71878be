import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Metrics } from "../metrics";
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
  properties: { statusCode: { type: "integer" }, error: { type: "string" }, message: { type: "string" } },
  required: ["statusCode", "error", "message"],
} as const;

const idParams = {
  type: "object",
  properties: { id: { type: "string", pattern: NOTE_ID_PATTERN, description: "Note id as returned by POST /v1/notes" } },
  required: ["id"],
  additionalProperties: false,
} as const;

const errors = { 400: { $ref: "Error#" }, 429: { $ref: "Error#" }, 503: { $ref: "Error#" } } as const;

/** The notes API under /v1. Rate limited per client (Redis-shared, per-process while Redis is down). */
export async function notesRoutes(app: FastifyInstance, options: NotesRouteOptions): Promise<void> {
  const { store, guard, metrics } = options;
  await app.register(rateLimit, {
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    enableDraftSpec: true,
    store: fallbackStore({ redis: guard.redis, redisAvailable: () => guard.available, onFallback: () => metrics.rateLimitFallbacks.inc() }),
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

  app.post<{ Body: NoteInput }>(
    "/notes",
    {
      schema: {
        tags: ["notes"],
        summary: "Create a note",
        body: {
          type: "object",
          properties: {
            title: { type: "string", minLength: 1, maxLength: 200 },
            body: { type: "string", maxLength: 10_000 },
            tags: { type: "array", items: { type: "string", minLength: 1, maxLength: 50 }, maxItems: 20, uniqueItems: true },
          },
          required: ["title", "body"],
          additionalProperties: false,
        },
        response: { 201: { $ref: "Note#" }, ...errors },
      },
    },
    async (request, reply) => {
      const note = await store.create(request.body);
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
      const { note, source } = await store.get(request.params.id);
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

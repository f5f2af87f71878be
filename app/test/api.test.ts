import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { NOTE_ID_PATTERN, newNoteId } from "../src/notes-store";
import { RedisServer } from "./support/redis-server";
import { testConfig } from "./support/config";

let redis: RedisServer;
let app: FastifyInstance;

beforeAll(async () => {
  redis = await RedisServer.start({ password: "test-password" });
  app = await build({ config: testConfig(redis.url, { RATE_LIMIT_MAX: "10000" }) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await redis?.stop();
});

beforeEach(async () => {
  const client = redis.client();
  await client.flushdb();
  client.disconnect();
});

const createNote = (payload: unknown) => app.inject({ method: "POST", url: "/v1/notes", payload: payload as object });

describe("notes API", () => {
  it("creates, reads, lists and deletes a note", async () => {
    const created = await createNote({ title: "Backups", body: "verify by restoring", tags: ["ops"] });
    expect(created.statusCode).toBe(201);
    const note = created.json();
    expect(note).toMatchObject({ title: "Backups", body: "verify by restoring", tags: ["ops"] });
    expect(note.id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(created.headers.location).toBe(`/v1/notes/${note.id}`);

    const read = await app.inject({ url: `/v1/notes/${note.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(note);
    expect(read.headers["x-degraded"]).toBeUndefined();

    const listed = await app.inject({ url: "/v1/notes" });
    expect(listed.json()).toEqual({ items: [note], nextCursor: null });

    const deleted = await app.inject({ method: "DELETE", url: `/v1/notes/${note.id}` });
    expect(deleted.statusCode).toBe(204);
    expect((await app.inject({ url: `/v1/notes/${note.id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: "DELETE", url: `/v1/notes/${note.id}` })).statusCode).toBe(404);
  });

  it("stores notes in Redis where a backup would find them", async () => {
    const note = (await createNote({ title: "t", body: "b" })).json();
    const client = redis.client();
    expect(await client.hgetall(`notes:item:${note.id}`)).toEqual({ title: "t", body: "b", tags: "[]", createdAt: note.createdAt });
    expect(await client.zrange("notes:index", "0", "-1")).toEqual([note.id]);
    client.disconnect();
  });

  it("pages through notes newest first with a cursor", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await createNote({ title: `n${index}`, body: "" })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await app.inject({ url: "/v1/notes", query: { limit: "2", ...(cursor ? { cursor } : {}) } });
      expect(response.statusCode).toBe(200);
      const page = response.json() as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("note ids", () => {
  it("sort in creation order, even within one millisecond or if the clock steps back", () => {
    const now = Date.now();
    const ids = [newNoteId(now), newNoteId(now), newNoteId(now), newNoteId(now - 5_000), newNoteId(now + 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(new RegExp(NOTE_ID_PATTERN));
  });
});

describe("input validation", () => {
  it.each([
    ["wrong type", { title: 42, body: "b" }, "body /title must be string"],
    ["missing field", { title: "t" }, "body must have required property 'body'"],
    ["unknown field", { title: "t", body: "b", colour: "red" }, "body must NOT have additional properties: colour"],
    ["empty title", { title: "", body: "b" }, "body /title must NOT have fewer than 1 characters"],
    ["too many tags", { title: "t", body: "b", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "body /tags must NOT have more than 20 items"],
  ])("rejects a body with a %s with 400 and a clear message", async (_case, payload, message) => {
    const response = await createNote(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ statusCode: 400, error: "Bad Request", message });
  });

  it("rejects malformed JSON with 400", async () => {
    const response = await app.inject({ method: "POST", url: "/v1/notes", headers: { "content-type": "application/json" }, payload: '{"title": "t",' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400, error: "Bad Request" });
  });

  it("rejects a body over the limit with 413", async () => {
    const response = await createNote({ title: "t", body: "x".repeat(200_000) });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ statusCode: 413, error: "Payload Too Large" });
  });

  it("rejects a non-JSON body with 4xx", async () => {
    const text = await app.inject({ method: "POST", url: "/v1/notes", headers: { "content-type": "text/plain" }, payload: "hello" });
    expect(text.json()).toEqual({ statusCode: 400, error: "Bad Request", message: "body must be object" });
    const xml = await app.inject({ method: "POST", url: "/v1/notes", headers: { "content-type": "application/xml" }, payload: "<a/>" });
    expect(xml.statusCode).toBe(415);
  });

  it.each(["../../etc", "01arz3ndektsv4rrffq69g5fav", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "81ARZ3NDEKTSV4RRFFQ69G5FAV", "short"])("rejects the bad id %s with 400", async (id) => {
    const response = await app.inject({ url: `/v1/notes/${encodeURIComponent(id)}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain("params /id must match pattern");
  });

  it("rejects bad query parameters with 400", async () => {
    expect((await app.inject({ url: "/v1/notes?limit=0" })).json().message).toBe("querystring /limit must be >= 1");
    expect((await app.inject({ url: "/v1/notes?limit=abc" })).statusCode).toBe(400);
    expect((await app.inject({ url: "/v1/notes?sort=asc" })).json().message).toBe("querystring must NOT have additional properties: sort");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await app.inject({ url: "/nope" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ statusCode: 404, error: "Not Found", message: "no route for GET /nope" });
  });
});

describe("health", () => {
  it("reports liveness without touching Redis", async () => {
    const response = await app.inject({ url: "/health/live" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ok" });
    expect(typeof response.json().eventLoopDelayP99Ms).toBe("number");
  });

  it("is ready with Redis up and reports its state", async () => {
    const response = await app.inject({ url: "/health/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready", ready: true, degraded: false, checks: { redis: { status: "up", connection: "ready", circuit: "closed", required: false } } });
  });

  it("is not ready before start-up finishes", async () => {
    const fresh = await build({ config: testConfig(redis.url) });
    // Fastify's inject() runs start-up first; ask the lifecycle directly instead.
    expect(fresh.lifecycle.state).toBe("starting");
    await fresh.ready();
    expect(fresh.lifecycle.state).toBe("ready");
    await fresh.close();
    expect(fresh.lifecycle.state).toBe("draining");
  });
});

describe("operations endpoints", () => {
  it("exposes the documented metrics", async () => {
    await createNote({ title: "t", body: "b" });
    const response = await app.inject({ url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain");
    const text = response.body;
    for (const name of [
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "http_requests_in_flight",
      "redis_command_duration_seconds_bucket",
      "redis_command_errors_total",
      "circuit_breaker_state",
      "rate_limit_rejections_total",
      "rate_limit_fallback_total",
      "degraded_responses_total",
      "process_cpu_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/http_requests_total\{method="POST",route="\/v1\/notes",status_code="201"\} \d+/);
    expect(text).toMatch(/redis_command_duration_seconds_count\{operation="create"\} [1-9]/);
    expect(text).toContain('circuit_breaker_state{breaker="redis"} 0');
  });

  it("serves an OpenAPI 3 document generated from the route schemas, and a docs page", async () => {
    const document = (await app.inject({ url: "/openapi.json" })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/v1/notes", "/v1/notes/{id}", "/health/live", "/health/ready"]));
    expect(document.paths["/v1/notes"].post.requestBody.content["application/json"].schema.required).toEqual(["title", "body"]);
    expect(document.components.schemas.Note.properties.id.pattern).toBe("^[0-7][0-9A-HJKMNP-TV-Z]{25}$");
    const docs = await app.inject({ url: "/docs/" });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-type"]).toContain("text/html");
  });

  it("sends security headers and keeps CORS off by default", async () => {
    const response = await app.inject({ url: "/health/live", headers: { origin: "https://evil.example" } });
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["strict-transport-security"]).toContain("max-age=31536000");
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("allows configured CORS origins only", async () => {
    const corsApp = await build({ config: testConfig(redis.url, { CORS_ORIGINS: "https://app.example" }) });
    const allowed = await corsApp.inject({ url: "/health/live", headers: { origin: "https://app.example" } });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example");
    const other = await corsApp.inject({ url: "/health/live", headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    await corsApp.close();
  });
});

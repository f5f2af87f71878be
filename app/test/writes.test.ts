import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { testConfig } from "./support/config";
import { eventually, sleep } from "./support/eventually";
import { RedisServer } from "./support/redis-server";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function startRedis(): Promise<RedisServer> {
  const redis = await RedisServer.start();
  cleanups.push(() => redis.stop());
  return redis;
}

async function startApp(redis: RedisServer): Promise<FastifyInstance> {
  // Command timeout 500 ms, breaker reset 300 ms (test defaults).
  const app = await build({ config: testConfig(redis.url, { RATE_LIMIT_MAX: "100000" }) });
  await app.ready();
  cleanups.push(() => app.close());
  return app;
}

/** Redis holds every write command (reads go on) for `ms`: a write sent now times out, then applies. */
async function pauseWrites(redis: RedisServer, ms: number): Promise<() => Promise<void>> {
  const admin = redis.client();
  await admin.call("CLIENT", "PAUSE", String(ms), "WRITE");
  const until = Date.now() + ms;
  return async () => {
    await sleep(Math.max(0, until - Date.now()) + 100);
    admin.disconnect();
  };
}

const post = (app: FastifyInstance, payload: object, key?: string) =>
  app.inject({ method: "POST", url: "/v1/notes", payload, headers: key === undefined ? {} : { "idempotency-key": key } });

async function indexSize(redis: RedisServer): Promise<number> {
  const client = redis.client();
  const size = await client.zcard("notes:index");
  client.disconnect();
  return size;
}

describe("writes whose outcome is unknown", () => {
  it("answers a create that timed out with 503 outcome unknown, not 'nothing was changed' — and it was in fact stored", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const resumed = await pauseWrites(redis, 2000);
    const response = await post(app, { title: "slow write", body: "b" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toMatch(/^\d+$/);
    expect(response.json()).toEqual({
      statusCode: 503,
      error: "Service Unavailable",
      message: "storage did not confirm the write: it may or may not have been applied; retry with the same Idempotency-Key, or check before retrying",
      outcome: "unknown",
    });
    await resumed();
    const client = redis.client();
    const [id] = await client.zrange("notes:index", "0", "-1");
    expect(await client.hget(`notes:item:${id}`, "title")).toBe("slow write");
    client.disconnect();
    expect((await app.inject({ url: "/metrics" })).body).toMatch(/degraded_responses_total\{route="\/v1\/notes",kind="unknown_write"\} 1/);
  });

  it("keeps 'nothing was changed' for a write refused without being sent (breaker open)", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    await redis.kill();
    const refused = await eventually(async () => {
      const response = await post(app, { title: "t", body: "b" });
      expect(app.redisGuard.state).toBe("open");
      return response;
    });
    expect(refused.json()).toEqual({ statusCode: 503, error: "Service Unavailable", message: "storage is temporarily unavailable; nothing was changed, retry later" });
  });
});

describe("Idempotency-Key on POST /v1/notes", () => {
  it("returns the first result for a retry with the same key and body, creates nothing, and answers 422 to another body", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const first = await post(app, { title: "once", body: "b", tags: ["x"] }, "order-42:attempt.1");
    expect(first.statusCode).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const retry = await post(app, { title: "once", body: "b", tags: ["x"] }, "order-42:attempt.1");
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers["idempotent-replayed"]).toBe("true");

    const other = await post(app, { title: "something else", body: "b" }, "order-42:attempt.1");
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ statusCode: 422, error: "Unprocessable Entity" });
    expect(await indexSize(redis)).toBe(1);

    // Stored with the note, for 24 h.
    const client = redis.client();
    const ttl = await client.ttl("notes:idempotency:order-42:attempt.1");
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
    client.disconnect();
    // Without a key, each POST still creates a note.
    await post(app, { title: "once", body: "b", tags: ["x"] });
    expect(await indexSize(redis)).toBe(2);
  });

  it("makes a retry after an unknown outcome safe: exactly one note, the retry answers with its id", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const resumed = await pauseWrites(redis, 1500);
    const first = await post(app, { title: "retried", body: "b" }, "retry-key");
    expect(first.json()).toMatchObject({ outcome: "unknown" });
    await resumed();
    const retry = await eventually(async () => {
      const response = await post(app, { title: "retried", body: "b" }, "retry-key");
      expect(response.statusCode).toBe(201);
      return response;
    });
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    const client = redis.client();
    expect(await client.zrange("notes:index", "0", "-1")).toEqual([retry.json().id]);
    client.disconnect();
  });

  it("creates one note when two replicas get the same key while Redis is holding writes", async () => {
    const redis = await startRedis();
    const [a, b] = [await startApp(redis), await startApp(redis)];
    const resumed = await pauseWrites(redis, 1500);
    const answers = await Promise.all([post(a, { title: "twice", body: "b" }, "same-key"), post(b, { title: "twice", body: "b" }, "same-key")]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([503, 503]);
    await resumed();
    expect(await indexSize(redis)).toBe(1);
  });

  it.each([
    ["too long", "k".repeat(129)],
    ["unsafe characters", "key with spaces"],
    ["empty", ""],
  ])("rejects a key that is %s with 400", async (_case, key) => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const response = await post(app, { title: "t", body: "b" }, key);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain("headers /idempotency-key must match pattern");
    expect(await indexSize(redis)).toBe(0);
  });

  it("is documented in the OpenAPI document", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const document = (await app.inject({ url: "/openapi.json" })).json();
    const parameter = document.paths["/v1/notes"].post.parameters.find((entry: { name: string }) => entry.name === "idempotency-key");
    expect(parameter).toMatchObject({ in: "header", required: false, schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" } });
    expect(document.paths["/v1/notes"].post.responses["422"]).toBeDefined();
  });
});

describe("deletes", () => {
  it("drop the cached copy on every attempt, even one that timed out, so the note is not served from cache afterwards", async () => {
    const redis = await startRedis();
    const app = await startApp(redis);
    const id = (await post(app, { title: "to delete", body: "b" })).json().id as string;
    expect((await app.inject({ url: `/v1/notes/${id}` })).statusCode).toBe(200);
    await pauseWrites(redis, 5000);
    const deletion = await app.inject({ method: "DELETE", url: `/v1/notes/${id}` });
    expect(deletion.statusCode).toBe(503);
    expect(deletion.json()).toMatchObject({ outcome: "unknown" });
    // Redis dies before the paused delete runs: whether it happened is unknowable, so no copy may be served.
    await redis.kill();
    const read = await app.inject({ url: `/v1/notes/${id}` });
    expect(read.statusCode).toBe(503);
  });
});

import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { RedisServer } from "./support/redis-server";
import { testConfig } from "./support/config";
import { eventually } from "./support/eventually";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(env: Record<string, string> = {}): Promise<{ redis: RedisServer; app: FastifyInstance }> {
  const redis = await RedisServer.start();
  const app = await build({ config: testConfig(redis.url, env) });
  await app.ready();
  cleanups.push(() => redis.stop(), () => app.close());
  return { redis, app };
}

describe("while Redis is down", () => {
  it("serves cached reads marked as degraded, refuses writes with 503 + Retry-After, stays live and ready", async () => {
    const { redis, app } = await setup();
    const note = (await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "kept", body: "b" } })).json();
    await app.inject({ url: "/v1/notes" });
    await redis.kill();

    const write = await eventually(async () => {
      const response = await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "lost?", body: "b" } });
      expect(response.statusCode).toBe(503);
      return response;
    });
    expect(write.headers["retry-after"]).toMatch(/^\d+$/);
    expect(write.json()).toEqual({ statusCode: 503, error: "Service Unavailable", message: "storage is temporarily unavailable; nothing was changed, retry later" });

    const read = await app.inject({ url: `/v1/notes/${note.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(note);
    expect(read.headers["x-degraded"]).toBe("redis-unavailable; served-from=cache");

    const list = await app.inject({ url: "/v1/notes" });
    expect(list.statusCode).toBe(200);
    expect(list.headers["x-degraded"]).toContain("served-from=cache");

    const uncached = await app.inject({ url: "/v1/notes/01ARZ3NDEKTSV4RRFFQ69G5FAV" });
    expect(uncached.statusCode).toBe(503);

    const deletion = await app.inject({ method: "DELETE", url: `/v1/notes/${note.id}` });
    expect(deletion.statusCode).toBe(503);

    expect((await app.inject({ url: "/health/live" })).statusCode).toBe(200);
    const ready = await app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "degraded", ready: true, degraded: true, checks: { redis: { status: "down", required: false } } });

    const metrics = (await app.inject({ url: "/metrics" })).body;
    expect(metrics).toContain('circuit_breaker_state{breaker="redis"} 2');
    expect(metrics).toMatch(/degraded_responses_total\{route="\/v1\/notes\/:id",kind="cached_read"\} [1-9]/);
    expect(metrics).toMatch(/degraded_responses_total\{route="\/v1\/notes",kind="refused_write"\} [1-9]/);
    expect(metrics).toMatch(/redis_command_errors_total\{operation="create",reason="(error|circuit_open)"\} [1-9]/);
  });

  it("fails readiness when configured to require Redis", async () => {
    const { redis, app } = await setup({ READINESS_REQUIRES_REDIS: "true" });
    await redis.kill();
    const ready = await eventually(async () => {
      const response = await app.inject({ url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      return response;
    });
    expect(ready.json()).toMatchObject({ status: "unavailable", ready: false, degraded: true });
    expect((await app.inject({ url: "/health/live" })).statusCode).toBe(200);
  });

  it("rate-limits per process instead of failing requests", async () => {
    const { redis, app } = await setup({ RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_MS: "60000" });
    await redis.kill();
    await eventually(async () => expect((await app.inject({ url: "/health/ready" })).json().degraded).toBe(true));
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await app.inject({ url: "/v1/notes", remoteAddress: "10.0.0.9" })).statusCode);
    // 503: nothing cached to serve; what matters is that the limiter still counts.
    expect(statuses).toEqual([503, 503, 503, 429, 429]);
    expect((await app.inject({ url: "/metrics" })).body).toMatch(/rate_limit_fallback_total [1-9]/);
  });

  it("recovers by itself when Redis returns", async () => {
    const { redis, app } = await setup();
    await redis.kill();
    await eventually(async () => expect((await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).statusCode).toBe(503));
    await redis.start();
    const started = Date.now();
    const created = await eventually(async () => {
      const response = await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "after", body: "b" } });
      expect(response.statusCode).toBe(201);
      return response;
    }, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await app.inject({ url: `/v1/notes/${created.json().id}` })).headers["x-degraded"]).toBeUndefined();
    expect((await app.inject({ url: "/health/ready" })).json()).toMatchObject({ status: "ready", degraded: false });
  });

  it("starts and serves degraded when Redis is unreachable at start-up, then connects", async () => {
    const redis = await RedisServer.start();
    await redis.kill();
    const app = await build({ config: testConfig(redis.url) });
    cleanups.push(() => redis.stop(), () => app.close());
    await app.ready();
    expect(app.lifecycle.state).toBe("ready");
    expect((await app.inject({ url: "/health/ready" })).json()).toMatchObject({ status: "degraded", ready: true });
    expect((await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).statusCode).toBe(503);

    // ... and connects by itself once Redis comes up.
    await redis.start();
    await eventually(async () => expect((await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).statusCode).toBe(201), 10_000);
  });
});

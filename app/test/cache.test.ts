import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { newNoteId } from "../src/notes-store";
import { testConfig } from "./support/config";
import { eventually, sleep } from "./support/eventually";
import { RedisServer } from "./support/redis-server";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(env: Record<string, string> = {}): Promise<{ redis: RedisServer; app: FastifyInstance }> {
  const redis = await RedisServer.start();
  const app = await build({ config: testConfig(redis.url, { RATE_LIMIT_MAX: "100000", ...env }) });
  await app.ready();
  cleanups.push(() => redis.stop(), () => app.close());
  return { redis, app };
}

async function create(app: FastifyInstance, title: string, body = "b"): Promise<string> {
  const response = await app.inject({ method: "POST", url: "/v1/notes", payload: { title, body } });
  expect(response.statusCode).toBe(201);
  return (response.json() as { id: string }).id;
}

/** Kills Redis and waits until the service has noticed (writes refused). */
async function outage(app: FastifyInstance, redis: RedisServer): Promise<void> {
  await redis.kill();
  await eventually(async () => expect((await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).statusCode).toBe(503));
}

describe("the degraded-read cache", () => {
  it("caches list pages only for the first page and cursors the service issued; a made-up cursor creates no entry", async () => {
    const { redis, app } = await setup();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push(await create(app, `n${index}`));
    const first = (await app.inject({ url: "/v1/notes?limit=2" })).json() as { nextCursor: string };
    expect(first.nextCursor).toBe(ids[3]);
    expect((await app.inject({ url: `/v1/notes?limit=2&cursor=${first.nextCursor}` })).statusCode).toBe(200);
    // Valid-looking cursors the service never handed out: a real id in mid-page, and one from the future.
    const crafted = [ids[2] ?? "", newNoteId(Date.now() + 60_000)];
    for (const cursor of crafted) expect((await app.inject({ url: `/v1/notes?limit=2&cursor=${cursor}` })).statusCode).toBe(200);

    await outage(app, redis);
    for (const url of ["/v1/notes?limit=2", `/v1/notes?limit=2&cursor=${first.nextCursor}`]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["x-degraded"]).toContain("served-from=cache");
    }
    for (const cursor of crafted) expect((await app.inject({ url: `/v1/notes?limit=2&cursor=${cursor}` })).statusCode, cursor).toBe(503);
  });

  it("is bounded in bytes (CACHE_MAX_BYTES): large notes evict older ones long before the entry limit", async () => {
    // 64 KiB in all, 32 KiB for notes; each of these notes takes about 12 KB, so two or three fit.
    const { redis, app } = await setup({ CACHE_MAX_BYTES: "65536", CACHE_MAX_ENTRIES: "1000" });
    const ids: string[] = [];
    for (let index = 0; index < 8; index += 1) ids.push(await create(app, `big ${index}`, "x".repeat(6000)));
    for (const id of ids) expect((await app.inject({ url: `/v1/notes/${id}` })).statusCode).toBe(200);

    await outage(app, redis);
    const statuses = [];
    for (const id of ids) statuses.push((await app.inject({ url: `/v1/notes/${id}` })).statusCode);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(3);
    expect(statuses[0]).toBe(503);
  });

  it("forgets entries after CACHE_TTL_MS, so a note deleted elsewhere is not served back for the whole outage", async () => {
    const { redis, app } = await setup({ CACHE_TTL_MS: "1500" });
    const id = await create(app, "short-lived copy");
    expect((await app.inject({ url: `/v1/notes/${id}` })).statusCode).toBe(200);
    await redis.kill();
    const cached = await app.inject({ url: `/v1/notes/${id}` });
    expect(cached.statusCode).toBe(200);
    expect(cached.headers["x-degraded"]).toContain("served-from=cache");
    await sleep(1600);
    expect((await app.inject({ url: `/v1/notes/${id}` })).statusCode).toBe(503);
  });
});

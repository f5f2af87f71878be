import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { testConfig } from "./support/config";
import { RedisServer } from "./support/redis-server";

// The rate limiter's counters are incremented together, one Redis call for the requests of one turn of the event
// loop (src/rate-limit-store.ts). These pin that it decides exactly as one INCR per request would.
let redis: RedisServer;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  for (let index = 0; index < 2; index += 1) apps.push(await build({ config: testConfig(redis.url, { RATE_LIMIT_MAX: "20", RATE_LIMIT_WINDOW_MS: "60000" }) }));
  await Promise.all(apps.map((app) => app.ready()));
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await redis?.stop();
});

/** How many times Redis ran a script (the counters' calls), from INFO commandstats. */
async function scriptCalls(): Promise<number> {
  const stats = (await redis.client().info("commandstats")) as string;
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe("rate-limit counters sent together", () => {
  it("admits exactly the limit out of concurrent requests on two replicas, each with its own count, in fewer Redis calls", async () => {
    const before = await scriptCalls();
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => apps[index % 2]!.inject({ url: "/v1/notes", remoteAddress: "10.1.1.1" })));
    const after = await scriptCalls();

    expect(responses.filter((response) => response.statusCode === 200)).toHaveLength(20);
    expect(responses.filter((response) => response.statusCode === 429)).toHaveLength(30);
    // Every admitted request held a different count: remaining 19 down to 0, each once.
    const remaining = responses.filter((response) => response.statusCode === 200).map((response) => Number(response.headers["ratelimit-remaining"]));
    expect(remaining.sort((a, b) => b - a)).toEqual(Array.from({ length: 20 }, (_, index) => 19 - index));
    expect(await redis.client().get("ratelimit:10.1.1.1")).toBe("50");
    // 50 requests in a handful of calls (at least one per replica), not 50.
    expect(after - before).toBeGreaterThanOrEqual(2);
    expect(after - before).toBeLessThan(10);
  });

  it("counts many clients in one call, each against its own limit and window", async () => {
    const clients = ["10.2.0.1", "10.2.0.2", "10.2.0.3"];
    const responses = await Promise.all(clients.flatMap((client) => Array.from({ length: 25 }, () => apps[0]!.inject({ url: "/v1/notes", remoteAddress: client }).then((response) => ({ client, response })))));
    for (const client of clients) {
      const statuses = responses.filter((entry) => entry.client === client).map((entry) => entry.response.statusCode);
      expect(statuses.filter((status) => status === 200), client).toHaveLength(20);
      expect(await redis.client().get(`ratelimit:${client}`)).toBe("25");
      const ttl = await redis.client().pttl(`ratelimit:${client}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it("gives a counter that lost its expiry a window again, instead of limiting that client forever", async () => {
    await redis.client().set("ratelimit:10.3.0.1", "100");
    const response = await apps[0]!.inject({ url: "/v1/notes", remoteAddress: "10.3.0.1" });
    expect(response.statusCode).toBe(429);
    expect(await redis.client().pttl("ratelimit:10.3.0.1")).toBeGreaterThan(50_000);
  });
});

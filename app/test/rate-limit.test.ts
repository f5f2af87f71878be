import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { RedisServer } from "./support/redis-server";
import { testConfig } from "./support/config";

let redis: RedisServer;
const apps: FastifyInstance[] = [];
const urls: string[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  // Two replicas sharing one Redis: the limit is per client across the whole service.
  for (let index = 0; index < 2; index += 1) {
    const app = await build({ config: testConfig(redis.url, { RATE_LIMIT_MAX: "4", RATE_LIMIT_WINDOW_MS: "60000" }) });
    urls.push(await app.listen({ port: 0, host: "127.0.0.1" }));
    apps.push(app);
  }
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await redis?.stop();
});

describe("rate limiting over real sockets", () => {
  it("shares the per-client budget across replicas through Redis and answers 429 with standard headers", async () => {
    const responses: Response[] = [];
    for (let index = 0; index < 6; index += 1) responses.push(await fetch(`${urls[index % 2]}/v1/notes`));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 429, 429]);

    const first = responses[0]!;
    expect(first.headers.get("ratelimit-limit")).toBe("4");
    expect(first.headers.get("ratelimit-remaining")).toBe("3");
    expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThan(0);

    const rejected = responses[4]!;
    expect(Number(rejected.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(rejected.headers.get("ratelimit-remaining")).toBe("0");
    expect(await rejected.json()).toMatchObject({ statusCode: 429, error: "Too Many Requests" });

    const counters = await redis.client().keys("ratelimit:*");
    expect(counters).toEqual(["ratelimit:127.0.0.1"]);

    const metrics = await (await fetch(`${urls[0]}/metrics`)).text();
    expect(metrics).toMatch(/rate_limit_rejections_total\{route="\/v1\/notes"\} [1-9]/);
  });

  it("never limits the probes or the metrics scrape", async () => {
    for (let index = 0; index < 10; index += 1) {
      expect((await fetch(`${urls[0]}/health/ready`)).status).toBe(200);
      expect((await fetch(`${urls[0]}/metrics`)).status).toBe(200);
    }
  });
});

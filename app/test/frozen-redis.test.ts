import { describe, expect, it } from "vitest";
import { sleep } from "./support/eventually";
import { appWithRedis } from "./support/app-fixture";

const COMMAND_TIMEOUT_MS = 500;
const fixture = appWithRedis({ REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), BREAKER_RESET_MS: "300", RATE_LIMIT_MAX: "100000" });

describe("while Redis is frozen (connected, answering nothing)", () => {
  it("the rate limiter goes through the breaker: a frozen Redis costs the command timeout once per trial, then requests are fast", async () => {
    const id = (await fixture.app.inject({ method: "POST", url: "/v1/notes", payload: { title: "cached", body: "b" } })).json().id as string;
    expect((await fixture.app.inject({ url: `/v1/notes/${id}` })).statusCode).toBe(200);

    const admin = fixture.redis.client();
    await admin.call("CLIENT", "PAUSE", "5000", "ALL");
    const durations: number[] = [];
    const statuses: number[] = [];
    let openedAt = -1;
    const started = Date.now();
    // Sequential reads for 4.5 s: the breaker opens, then half-opens 300 ms after each failed trial.
    while (Date.now() - started < 4500) {
      const t0 = performance.now();
      const response = await fixture.app.inject({ url: `/v1/notes/${id}` });
      durations.push(performance.now() - t0);
      statuses.push(response.statusCode);
      if (openedAt < 0 && fixture.app.redisGuard.state === "open") openedAt = durations.length;
      await sleep(10); // a client's pace, and room for the breaker's reset timer
    }
    const slow = durations.map((ms, index) => [index, Math.round(ms)]).filter(([, ms]) => (ms ?? 0) >= 50);
    console.log(`frozen redis: ${durations.length} requests, breaker open after ${openedAt}; slow ones [index, ms]: ${JSON.stringify(slow)}`);
    await sleep(Math.max(0, 5100 - (Date.now() - started)));
    admin.disconnect();

    // Every read answered from the cache.
    expect(new Set(statuses)).toEqual(new Set([200]));
    // Until the breaker has seen enough failures to open, requests pay for the limiter's and the read's timeouts;
    // once it has, each half-open trial costs one command timeout, not one per Redis call of the request.
    expect(openedAt).toBeGreaterThan(0);
    expect(openedAt).toBeLessThanOrEqual(3);
    expect(Math.max(...durations.slice(openedAt))).toBeLessThan(COMMAND_TIMEOUT_MS * 1.5);
    // Most requests do not wait at all.
    expect(durations.filter((ms) => ms < 50).length).toBeGreaterThan(durations.length / 2);
    const metrics = (await fixture.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/redis_command_errors_total\{operation="rate_limit",reason="timeout"\} [1-9]/);
    expect(metrics).toMatch(/rate_limit_fallback_total [1-9]/);
  });
});

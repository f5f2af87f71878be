import { describe, expect, it } from "vitest";
import { createMetrics } from "../src/metrics";
import { newNoteId } from "../src/notes-store";
import { RedisGuard, RedisUnavailableError } from "../src/redis-guard";
import { LogCapture } from "./support/log-capture";
import { appWithRedis } from "./support/app-fixture";

const logs = new LogCapture();
const fixture = appWithRedis({ LOG_LEVEL: "warn", RATE_LIMIT_MAX: "100000" }, logs);

describe("corrupt records in Redis", () => {
  it("are skipped in lists, read as 404, logged once each at warn, and never open the breaker", async () => {
    const good = (await fixture.app.inject({ method: "POST", url: "/v1/notes", payload: { title: "fine", body: "b" } })).json() as { id: string };
    const [badJson, missingFields, wrongType] = [newNoteId(), newNoteId(), newNoteId()];
    const client = fixture.redis.client();
    await client.hset(`notes:item:${badJson}`, { title: "t", body: "b", tags: "{not json", createdAt: new Date().toISOString() });
    await client.hset(`notes:item:${missingFields}`, { title: "only a title" });
    await client.set(`notes:item:${wrongType}`, "not a hash");
    await client.zadd("notes:index", 0, badJson, 0, missingFields, 0, wrongType);
    client.disconnect();

    for (let round = 0; round < 5; round += 1) {
      for (const id of [badJson, missingFields, wrongType]) {
        const read = await fixture.app.inject({ url: `/v1/notes/${id}` });
        expect(read.statusCode, id).toBe(404);
        expect(read.json()).toEqual({ statusCode: 404, error: "Not Found", message: `note ${id} cannot be read (its stored record is corrupt)` });
      }
      const list = await fixture.app.inject({ url: "/v1/notes" });
      expect(list.statusCode).toBe(200);
      expect((list.json() as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([good.id]);
    }

    expect(fixture.app.redisGuard.state).toBe("closed");
    expect((await fixture.app.inject({ url: "/health/ready" })).json()).toMatchObject({ status: "ready", degraded: false });
    expect((await fixture.app.inject({ url: "/metrics" })).body).toContain('circuit_breaker_state{breaker="redis"} 0');

    const warnings = logs.lines.filter((line) => line.msg === "corrupt note record in Redis; treated as absent");
    expect(warnings.map((line) => line.note_id).sort()).toEqual([badJson, missingFields, wrongType].sort());
    expect(warnings.every((line) => line.level === "warn")).toBe(true);
    expect(logs.lines.filter((line) => line.level === "error")).toEqual([]);

    // Deleting one is how it goes away.
    expect((await fixture.app.inject({ method: "DELETE", url: `/v1/notes/${badJson}` })).statusCode).toBe(204);
  });
});

describe("the breaker (opossum errorFilter)", () => {
  it("counts only Redis failures: other errors pass through unchanged and never open it", async () => {
    const newGuard = () => new RedisGuard(fixture.app.redisGuard.redis, createMetrics({ collectDefaults: false }), { resetMs: 60_000, timeoutMs: 1000 });
    await fixture.app.redisGuard.redis.set("probe:string", "not a hash");
    const guard = newGuard();
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await expect(guard.run("parse", async () => JSON.parse("{corrupt") as unknown)).rejects.toBeInstanceOf(SyntaxError);
      await expect(guard.run("get", () => guard.redis.hgetall("probe:string"))).rejects.toThrow(/^WRONGTYPE/);
    }
    expect(guard.state).toBe("closed");
    guard.shutdown();

    // A Redis failure does count: here, a command that timed out.
    const counting = newGuard();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(counting.run("get", () => Promise.reject(new Error("Command timed out")))).rejects.toBeInstanceOf(RedisUnavailableError);
    }
    expect(counting.state).toBe("open");
    counting.shutdown();
  });
});

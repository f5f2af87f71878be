import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { testConfig } from "./support/config";
import { eventually, sleep } from "./support/eventually";
import { LogCapture } from "./support/log-capture";
import { RedisServer } from "./support/redis-server";

let redis: RedisServer;
const apps: FastifyInstance[] = [];
beforeAll(async () => {
  redis = await RedisServer.start({ password: "the-right-password" });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await redis?.stop();
});

async function start(url: string): Promise<{ app: FastifyInstance; logs: LogCapture }> {
  const logs = new LogCapture();
  const app = await build({ config: testConfig(url, { LOG_LEVEL: "info" }), logStream: logs });
  apps.push(app);
  await app.ready();
  return { app, logs };
}

describe("Redis refusing the service's credentials", () => {
  it("a wrong password makes readiness 503 with the reason, and is logged at error once, not once per reconnection", async () => {
    const { app, logs } = await start(`redis://:a-wrong-password@127.0.0.1:${redis.port}/0`);
    const ready = await eventually(async () => {
      const response = await app.inject({ url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      return response;
    });
    expect(ready.json()).toMatchObject({ status: "misconfigured", ready: false, checks: { redis: { status: "down", error: expect.stringMatching(/^WRONGPASS/) } } });
    // ioredis keeps retrying (every 200 ms, 400 ms, ...): the same error is still logged once.
    await sleep(2500);
    const errors = logs.lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: "redis rejects this service's credentials or settings", err: { message: expect.stringMatching(/^WRONGPASS/) } });
    expect(JSON.stringify(logs.lines)).not.toContain("a-wrong-password");
    // Writes are refused as during an outage.
    expect((await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } })).statusCode).toBe(503);
  });

  it("no password where one is required (NOAUTH) is not ready either", async () => {
    const { app, logs } = await start(`redis://127.0.0.1:${redis.port}/0`);
    const ready = await eventually(async () => {
      const response = await app.inject({ url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      return response;
    });
    expect(ready.json()).toMatchObject({ status: "misconfigured", checks: { redis: { error: expect.stringMatching(/^NOAUTH/) } } });
    expect(logs.lines.filter((line) => line.level === "error" && /NOAUTH/.test(JSON.stringify(line)))).toHaveLength(1);
  });

  it("a database index the server does not have is not ready either, although ioredis connects", async () => {
    const { app } = await start(`redis://:the-right-password@127.0.0.1:${redis.port}/99`);
    const ready = await eventually(async () => {
      const response = await app.inject({ url: "/health/ready" });
      expect(response.statusCode).toBe(503);
      return response;
    });
    expect(ready.json()).toMatchObject({ status: "misconfigured", checks: { redis: { error: expect.stringMatching(/DB index is out of range/) } } });
  });

  it("the right password is ready (the check is about credentials, not a password being set)", async () => {
    const { app } = await start(redis.url);
    await eventually(async () => expect((await app.inject({ url: "/health/ready" })).json()).toMatchObject({ status: "ready", ready: true }));
  });

  it("a network outage stays 200 degraded, with each distinct connection error logged once at warn", async () => {
    const other = await RedisServer.start();
    const { app, logs } = await start(other.url);
    await other.kill();
    await eventually(async () => expect((await app.inject({ url: "/health/ready" })).json()).toMatchObject({ status: "degraded", ready: true }));
    await sleep(2500); // several reconnection attempts, each refused
    const refused = logs.lines.filter((line) => line.msg === "redis connection error" && /ECONNREFUSED/.test(JSON.stringify(line)));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.level).toBe("warn");
    expect((await app.inject({ url: "/health/ready" })).statusCode).toBe(200);
    await other.stop();
  });
});

import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "./support/redis-server";
import { SERVER_ENTRY, startService } from "./support/service-process";

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start({ password: "process-test" });
});
afterAll(async () => {
  await redis?.stop();
});

describe("the built service process (node dist/server.js)", () => {
  it("stops at start-up with one clear line naming a bad variable", () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], { env: { PATH: process.env.PATH, REDIS_URL: redis.url, RATE_LIMIT_MAX: "lots" }, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('notes-service: invalid configuration: RATE_LIMIT_MAX="lots": expected a whole number\n');
    expect(result.stdout).toBe("");
  });

  it("stops at start-up when no Redis is configured", () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], { env: { PATH: process.env.PATH }, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("REDIS_URL=unset");
  });

  it("on SIGTERM turns readiness 503, finishes the in-flight request, closes Redis and exits 0", async () => {
    const service = await startService({ REDIS_URL: redis.url, SHUTDOWN_DRAIN_DELAY_MS: "1500", SHUTDOWN_GRACE_MS: "5000" });
    const body = JSON.stringify({ title: "in flight", body: "sent slowly across a shutdown" });
    const { port } = new URL(service.url);

    // A request whose body is still arriving when SIGTERM lands.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v1/notes", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 900);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    service.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));

    const readiness = await fetch(`${service.url}/health/ready`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: "draining", ready: false });

    const answered = await inFlight;
    expect(answered.status).toBe(201);
    const id = (JSON.parse(answered.body) as { id: string }).id;
    expect(await service.exited).toBe(0);

    const client = redis.client();
    expect(await client.hget(`notes:item:${id}`, "title")).toBe("in flight");
    // The service closed its Redis connection: only our own client is left.
    expect(String(await client.client("LIST")).trim().split("\n")).toHaveLength(1);
    client.disconnect();

    const messages = service.logs.map((line) => line.msg);
    expect(messages).toContain("shutting down");
    expect(messages.at(-1)).toBe("stopped");
    expect(service.stderr()).toBe("");
  });

  it("writes one JSON log line per request without bodies or secrets", async () => {
    const service = await startService({ REDIS_URL: redis.url });
    const secretBody = "do-not-log-this-body";
    const created = await fetch(`${service.url}/v1/notes`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer do-not-log-this-token", "x-request-id": "req-123" },
      body: JSON.stringify({ title: "t", body: secretBody }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("x-request-id")).toBe("req-123");
    service.child.kill("SIGTERM");
    await service.exited;

    const requestLines = service.logs.filter((line) => line.msg === "request completed");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({ level: "info", request_id: "req-123", method: "POST", route: "/v1/notes", path: "/v1/notes", status: 201 });
    expect(typeof requestLines[0]?.duration_ms).toBe("number");
    expect(typeof requestLines[0]?.time).toBe("string");
    const everything = JSON.stringify(service.logs);
    expect(everything).not.toContain(secretBody);
    expect(everything).not.toContain("do-not-log-this-token");
    expect(everything).not.toContain("process-test");
  });
});

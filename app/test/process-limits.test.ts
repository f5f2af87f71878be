import { spawnSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "./support/eventually";
import { RedisServer, freePort } from "./support/redis-server";
import { SERVER_ENTRY, startService as startProcess, type ServiceProcess } from "./support/service-process";

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

// A failed assertion must not leave a service running.
const services: ServiceProcess[] = [];
afterEach(() => {
  for (const service of services.splice(0)) if (service.child.exitCode === null) service.child.kill("SIGKILL");
});
async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startProcess(env);
  services.push(service);
  return service;
}

/** A client that sends the headers and the first bytes of a body, then goes silent (not closing). */
async function stalledUpload(service: ServiceProcess): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { port } = new URL(service.url);
  const socket = connect(Number(port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  socket.on("error", () => undefined);
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - opened)));
  socket.write('POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":');
  return { socket, received: () => received, closed };
}

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, sleep(ms).then(() => "still open" as const)]);

describe("HTTP timeouts (the built process)", () => {
  it("cuts off a client that stops mid-body after REQUEST_TIMEOUT_MS, and an idle connection after CONNECTION_TIMEOUT_MS", async () => {
    const service = await startService({ REDIS_URL: redis.url, REQUEST_TIMEOUT_MS: "1000", CONNECTION_TIMEOUT_MS: "60000" });
    const upload = await stalledUpload(service);
    const closedAfter = await within(upload.closed, 4000);
    expect(closedAfter).not.toBe("still open");
    expect(upload.received()).toMatch(/^HTTP\/1\.1 408/);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);

    const idle = await startService({ REDIS_URL: redis.url, REQUEST_TIMEOUT_MS: "60000", CONNECTION_TIMEOUT_MS: "1000" });
    const silent = await stalledUpload(idle);
    expect(await within(silent.closed, 4000)).not.toBe("still open");
    idle.child.kill("SIGTERM");
    expect(await idle.exited).toBe(0);
  });

  it("on SIGTERM, drops a stalled client at the end of the grace period and still exits 0", async () => {
    // Timeouts longer than the grace, so only the shutdown can end the stalled request.
    const service = await startService({ REDIS_URL: redis.url, REQUEST_TIMEOUT_MS: "60000", CONNECTION_TIMEOUT_MS: "60000", SHUTDOWN_GRACE_MS: "1500" });
    const upload = await stalledUpload(service);
    await sleep(100);
    const signalled = Date.now();
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(4000);
    expect(await within(upload.closed, 1000)).not.toBe("still open");
    expect(service.logs.map((line) => line.msg)).toContain("closed connections of clients that had not finished sending their request");
    expect(service.logs.at(-1)?.msg).toBe("stopped");
  });
});

describe("TRUST_PROXY", () => {
  it("=true stops the process with exit 2 and one line (it would let clients choose their IP)", () => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], { env: { PATH: process.env.PATH, REDIS_URL: redis.url, TRUST_PROXY: "true" }, encoding: "utf8", timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^notes-service: invalid configuration: TRUST_PROXY="true": trusting every proxy lets any client choose its IP/);
  });

  it("=1 (what the platform passes) takes the client IP from the last X-Forwarded-For hop, so rotating the header cannot escape the limit", async () => {
    const service = await startService({ REDIS_URL: redis.url, TRUST_PROXY: "1", RATE_LIMIT_MAX: "2" });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push((await fetch(`${service.url}/v1/notes`, { headers: { "x-forwarded-for": `198.51.100.${index}, 203.0.113.9` } })).status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });
});

describe("METRICS_PORT", () => {
  it("set: /metrics is served on that port only, and is not in the OpenAPI document", async () => {
    const metricsPort = await freePort();
    const service = await startService({ REDIS_URL: redis.url, METRICS_PORT: String(metricsPort) });
    expect((await fetch(`${service.url}/v1/notes`)).status).toBe(200);
    expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain("/metrics");

    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toContain("text/plain");
    expect(await scrape.text()).toMatch(/http_requests_total\{method="GET",route="\/v1\/notes",status_code="200"\} 1/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/notes`)).status).toBe(404);

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.stderr()).toBe("");
  });

  it("unset: /metrics stays on the main port", async () => {
    const service = await startService({ REDIS_URL: redis.url });
    const scrape = await fetch(`${service.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain("http_requests_total");
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });
});

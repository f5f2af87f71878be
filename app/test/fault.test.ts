import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/app";
import { testConfig } from "./support/config";
import { LogCapture } from "./support/log-capture";
import { RedisServer } from "./support/redis-server";

const REQUEST_TIMEOUT_MS = 3000;

interface Outcome {
  kind: "write" | "read";
  phase: "before" | "outage" | "after";
  status: number | "timeout" | "network-error";
  ms: number;
  degradedHeader: string | null;
  retryAfter: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisServer | undefined;
let app: FastifyInstance | undefined;
afterAll(async () => {
  await app?.close();
  await redis?.stop();
});

describe("fault: redis-server is SIGKILLed under load and comes back", () => {
  it("stays up, degrades as designed, recovers, and loses no acknowledged write", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);

    redis = await RedisServer.start({ durable: true, password: "fault-test" });
    const logs = new LogCapture();
    app = await build({ config: testConfig(redis.url, { LOG_LEVEL: "info", RATE_LIMIT_MAX: "1000000" }), logStream: logs });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });

    let phase: Outcome["phase"] = "before";
    const outcomes: Outcome[] = [];
    const acknowledged = new Map<string, { title: string; body: string; tags: string[] }>();
    // Every write sent, by sequence number, with the status it got: a write Redis committed but whose reply was
    // lost in the crash is legitimately stored without having been acknowledged.
    const sent = new Map<number, { payload: { title: string; body: string; tags: string[] }; status: Outcome["status"] }>();
    let sequence = 0;

    const timed = async (kind: Outcome["kind"], request: () => Promise<Response>): Promise<Response | undefined> => {
      const started = performance.now();
      const at = phase;
      try {
        const response = await request();
        outcomes.push({ kind, phase: at, status: response.status, ms: performance.now() - started, degradedHeader: response.headers.get("x-degraded"), retryAfter: response.headers.get("retry-after") });
        return response;
      } catch (error) {
        outcomes.push({ kind, phase: at, status: (error as Error).name === "TimeoutError" ? "timeout" : "network-error", ms: performance.now() - started, degradedHeader: null, retryAfter: null });
        return undefined;
      }
    };

    let running = true;
    const loop = (async () => {
      while (running) {
        sequence += 1;
        const payload = { title: `note ${sequence}`, body: `body of ${sequence} ${"x".repeat(sequence % 50)}`, tags: [`t${sequence % 7}`] };
        const written = await timed("write", () =>
          fetch(`${base}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
        );
        sent.set(sequence, { payload, status: written?.status ?? "network-error" });
        if (written?.status === 201) acknowledged.set(((await written.json()) as { id: string }).id, payload);
        else await written?.arrayBuffer();
        const ids = [...acknowledged.keys()];
        const id = ids[sequence % Math.max(ids.length, 1)];
        if (id) await (await timed("read", () => fetch(`${base}/v1/notes/${id}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })))?.arrayBuffer();
        await sleep(5);
      }
    })();

    await sleep(800);
    const ackedBeforeKill = acknowledged.size;
    await redis.kill();
    phase = "outage";
    await sleep(1500);

    const live = await fetch(`${base}/health/live`);
    const ready = await fetch(`${base}/health/ready`);
    const readyBody = (await ready.json()) as { status: string; degraded: boolean };

    await redis.start();
    const restartedAt = performance.now();
    phase = "after";
    let recoveredAfterMs = Number.NaN;
    while (performance.now() - restartedAt < 10_000) {
      const lastWrite = outcomes.filter((outcome) => outcome.kind === "write" && outcome.phase === "after").at(-1);
      if (lastWrite?.status === 201) {
        recoveredAfterMs = performance.now() - restartedAt;
        break;
      }
      await sleep(20);
    }
    await sleep(500);
    running = false;
    await loop;
    process.off("unhandledRejection", onUnhandled);

    const during = outcomes.filter((outcome) => outcome.phase === "outage");
    const writesDuring = during.filter((outcome) => outcome.kind === "write");
    const readsDuring = during.filter((outcome) => outcome.kind === "read");
    const report = {
      requests: outcomes.length,
      acknowledged: acknowledged.size,
      ackedBeforeKill,
      writesDuringOutage: writesDuring.length,
      cachedReadsDuringOutage: readsDuring.filter((outcome) => outcome.degradedHeader).length,
      slowestMs: Math.round(Math.max(...outcomes.map((outcome) => outcome.ms))),
      recoveredAfterMs: Math.round(recoveredAfterMs),
    };
    console.log("fault test:", JSON.stringify(report));

    // The service stayed live and ready, reporting the degradation.
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(readyBody).toMatchObject({ status: "degraded", degraded: true });

    // Every request got an answer in time; none hung or was dropped.
    expect(outcomes.filter((outcome) => typeof outcome.status !== "number")).toEqual([]);
    expect(report.slowestMs).toBeLessThan(REQUEST_TIMEOUT_MS);
    expect(outcomes.filter((outcome) => outcome.status === 500)).toEqual([]);

    // Writes were refused with 503 + Retry-After; reads came from the cache, marked degraded.
    expect(writesDuring.length).toBeGreaterThan(10);
    for (const write of writesDuring) {
      expect([201, 503]).toContain(write.status);
      if (write.status === 503) expect(write.retryAfter).toMatch(/^\d+$/);
    }
    expect(writesDuring.filter((write) => write.status === 503).length).toBeGreaterThan(writesDuring.length - 3);
    expect(report.cachedReadsDuringOutage).toBeGreaterThan(10);
    for (const read of readsDuring) expect([200, 503]).toContain(read.status);
    // Only reads already in flight when Redis died may have been answered by Redis itself.
    expect(readsDuring.filter((read) => read.status === 200 && !read.degradedHeader).length).toBeLessThanOrEqual(2);

    // It recovered by itself within a few seconds and wrote again.
    expect(recoveredAfterMs).toBeLessThan(5000);

    // Every acknowledged write survived the crash with exactly the data that was sent.
    expect(ackedBeforeKill).toBeGreaterThan(10);
    const client = redis.client();
    for (const [id, payload] of acknowledged) {
      const stored = await client.hgetall(`notes:item:${id}`);
      expect({ title: stored.title, body: stored.body, tags: JSON.parse(stored.tags ?? "null") }, id).toEqual(payload);
      const viaApi = await fetch(`${base}/v1/notes/${id}`);
      expect(viaApi.status).toBe(200);
    }
    // Anything else in the index must be a write that was refused at the moment of the crash (committed by Redis,
    // reply lost), stored with exactly the data sent for it; never a duplicate or a corrupted note.
    const unacknowledgedButStored = (await client.zrange("notes:index", "0", "-1")).filter((id) => !acknowledged.has(id));
    for (const id of unacknowledgedButStored) {
      const stored = await client.hgetall(`notes:item:${id}`);
      const origin = sent.get(Number(/^note (\d+)$/.exec(stored.title ?? "")?.[1]));
      expect(origin?.status, id).not.toBe(201);
      expect({ title: stored.title, body: stored.body, tags: JSON.parse(stored.tags ?? "null") }, id).toEqual(origin?.payload);
    }
    console.log("fault test: stored but unacknowledged writes:", unacknowledgedButStored.length);
    expect(unacknowledgedButStored.length).toBeLessThanOrEqual(2);
    client.disconnect();

    expect(unhandled).toEqual([]);
    expect(logs.lines.filter((line) => line.level === "error" || line.level === "fatal")).toEqual([]);
  });
});

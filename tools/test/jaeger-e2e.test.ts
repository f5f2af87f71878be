/**
 * The dev stack's rendered Jaeger configuration in a real Jaeger v2 (built from its Go module by
 * tools/platform-tools.sh), addresses swapped for local ones in a test copy: it validates and starts; the real
 * service, with a real redis-server, sends its traces there; the trace of one request is read back through
 * Jaeger's query API with its HTTP server span and its Redis spans.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXPORTER_METRICS } from "@platform/components";
import { describeWithTool, exposedMetricNames, waitFor } from "@platform/components/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { RedisServer, freePort } from "../../app/test/support/redis-server";
import { type ServiceProcess, ensureServiceBuilt, startService } from "../../app/test/support/service-process";
import { renderStack, renderedConfigMapData } from "./support/rendered";

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  tags: { key: string; value: unknown }[];
}

describeWithTool("jaeger", "the service's traces in a real Jaeger v2 with the dev stack's configuration", (jaegerBin) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jaeger-e2e-"));
  const children: ChildProcess[] = [];
  let redis: RedisServer;
  let service: ServiceProcess | undefined;
  const ports: Record<string, number> = {};
  let configFile = "";

  beforeAll(async () => {
    // The rendered configuration, every listener (0.0.0.0:<port>, and the metrics reader's host and port) moved to
    // 127.0.0.1 and a free port.
    const config = parse(renderedConfigMapData(renderStack("dev", path.join(dir, "render")), "jaeger", "config")["config.yaml"] as string) as unknown;
    const relocate = async (node: unknown): Promise<unknown> => {
      if (typeof node === "string") {
        const m = /^0\.0\.0\.0:(\d+)$/.exec(node);
        if (!m) return node;
        ports[m[1] as string] = await freePort();
        return `127.0.0.1:${ports[m[1] as string]}`;
      }
      if (Array.isArray(node)) return Promise.all(node.map(relocate));
      if (node && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (o["host"] === "0.0.0.0" && typeof o["port"] === "number") {
          ports[String(o["port"])] = await freePort();
          return { ...o, host: "127.0.0.1", port: ports[String(o["port"])] };
        }
        return Object.fromEntries(await Promise.all(Object.entries(o).map(async ([k, v]) => [k, await relocate(v)] as const)));
      }
      return node;
    };
    const local = await relocate(config);
    configFile = path.join(dir, "config.yaml");
    fs.writeFileSync(configFile, stringify(local));

    redis = await RedisServer.start();
    ensureServiceBuilt();
  }, 120_000);

  afterAll(async () => {
    service?.child.kill("SIGKILL");
    for (const c of children) c.kill("SIGKILL");
    await redis?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("validates the rendered configuration", () => {
    const run = spawnSync(jaegerBin, ["validate", `--config=${configFile}`], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const broken = path.join(dir, "broken.yaml");
    fs.writeFileSync(broken, fs.readFileSync(configFile, "utf8").replace("jaeger_storage_exporter", "no_such_exporter"));
    expect(spawnSync(jaegerBin, ["validate", `--config=${broken}`], { encoding: "utf8", timeout: 60_000 }).status).not.toBe(0);
  });

  it("receives the service's spans and answers a query for the request's trace: the HTTP span and its Redis spans", async () => {
    children.push(spawn(jaegerBin, [`--config=${configFile}`], { stdio: ["ignore", "ignore", fs.openSync(path.join(dir, "jaeger.log"), "w")] }));
    const query = `http://127.0.0.1:${ports["16686"]}`;
    await waitFor("Jaeger to be healthy", 60_000, async () => ((await fetch(`http://127.0.0.1:${ports["13133"]}/status`).catch(() => undefined))?.ok ? true : undefined), 250);

    service = await startService({
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports["4318"]}`,
      OTEL_SERVICE_NAME: "notes",
      OTEL_TRACES_SAMPLER: "always_on",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
    const sent = Date.now();
    const created = await fetch(`${service.url}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "traced", body: "through Jaeger" }) });
    expect(created.status).toBe(201);
    const line = await waitFor("the request's log line", 5_000, () => service?.logs.find((l) => l.msg === "request completed" && l.method === "POST"));
    const traceId = line.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const spans = await waitFor(`trace ${traceId} in Jaeger`, 30_000, async () => {
      const res = await fetch(`${query}/api/traces/${traceId}`).catch(() => undefined);
      if (!res?.ok) return undefined;
      const body = (await res.json()) as { data: { spans: JaegerSpan[] }[] };
      const found = body.data[0]?.spans ?? [];
      // Wait for the Redis spans too: they may come in a later batch.
      return found.some((s) => s.tags.some((t) => t.key === "db.system" || t.key === "db.system.name")) ? found : undefined;
    }, 100);
    const foundAfterMs = Date.now() - sent;
    const tag = (s: JaegerSpan, key: string) => s.tags.find((t) => t.key === key)?.value;
    const server = spans.find((s) => tag(s, "span.kind") === "server");
    expect(server, "an HTTP server span").toBeDefined();
    expect(server?.spanID).toBe(line.span_id);
    const redisSpans = spans.filter((s) => tag(s, "db.system") === "redis" || tag(s, "db.system.name") === "redis");
    expect(redisSpans.length).toBeGreaterThan(0);
    expect((await (await fetch(`${query}/api/services`)).json()) as { data: string[] }).toMatchObject({ data: expect.arrayContaining(["notes"]) });
    // Its own metrics carry the names the JaegerRefusingSpans alert and the metrics contract rely on.
    const metrics = await (await fetch(`http://127.0.0.1:${ports["8888"]}/metrics`)).text();
    const names = exposedMetricNames(metrics);
    expect((EXPORTER_METRICS["jaeger"]?.metrics ?? []).filter((m) => !names.has(m))).toEqual([]);
    console.log(`jaeger-e2e: trace ${traceId} found ${foundAfterMs} ms after the request (${spans.length} spans, ${redisSpans.length} Redis)`);
  }, 120_000);
});

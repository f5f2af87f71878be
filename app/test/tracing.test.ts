import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer, freePort } from "./support/redis-server";
import { startService } from "./support/service-process";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A minimal OTLP/HTTP (JSON) receiver, standing in for the Jaeger v2 collector. */
let receiver: Server;
let receiverPort: number;
const exports: OtlpExport[] = [];
const paths: string[] = [];
let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
  receiverPort = await freePort();
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      paths.push(request.url ?? "");
      if (request.url === "/v1/traces") exports.push(JSON.parse(body) as OtlpExport);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(receiverPort, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await redis?.stop();
});

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((entry) => entry.key === key)?.value;

describe("tracing", () => {
  it("exports HTTP and Redis spans over OTLP/HTTP whose trace ids match the log lines", async () => {
    const service = await startService({
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
      OTEL_SERVICE_NAME: "notes-trace-test",
      OTEL_TRACES_SAMPLER: "always_on",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
    const created = await fetch(`${service.url}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "traced", body: "b" }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${service.url}/v1/notes/${id}`)).status).toBe(200);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);

    // Shutdown flushes the exporter.
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);

    const spans = exports.flatMap((batch) => batch.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));
    const serviceNames = exports.flatMap((batch) => batch.resourceSpans.map((resource) => resource.resource.attributes.find((entry) => entry.key === "service.name")?.value.stringValue));
    expect(new Set(serviceNames)).toEqual(new Set(["notes-trace-test"]));

    const requestLines = service.logs.filter((line) => line.msg === "request completed");
    const postLine = requestLines.find((line) => line.method === "POST");
    const getLine = requestLines.find((line) => line.method === "GET" && line.route === "/v1/notes/:id");
    expect(postLine?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(getLine?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(postLine?.trace_id).not.toBe(getLine?.trace_id);

    for (const line of [postLine, getLine]) {
      const trace = spans.filter((span) => span.traceId === line?.trace_id);
      const server = trace.find((span) => span.kind === 2);
      expect(server, `server span for ${String(line?.method)}`).toBeDefined();
      expect(server?.spanId).toBe(line?.span_id);
      const redisSpans = trace.filter((span) => attribute(span, "db.system")?.stringValue === "redis" || attribute(span, "db.system.name")?.stringValue === "redis");
      expect(redisSpans.length, `redis spans for ${String(line?.method)}`).toBeGreaterThan(0);
      // Redis spans nest inside this request's trace, not as roots of their own.
      const spanIds = trace.map((span) => span.spanId);
      for (const span of redisSpans) expect(spanIds).toContain(span.parentSpanId);
    }

    // Probes are not traced, and the readiness request has no trace id in its log line.
    expect(requestLines.find((line) => line.route === "/health/ready")?.trace_id).toBeUndefined();
    expect(paths.every((path) => path === "/v1/traces")).toBe(true);
  });

  it("is off cleanly without an endpoint: no export attempts, no trace ids in logs", async () => {
    exports.length = 0;
    const service = await startService({ REDIS_URL: redis.url });
    expect((await fetch(`${service.url}/v1/notes`)).status).toBe(200);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(exports).toEqual([]);
    const line = service.logs.find((entry) => entry.msg === "request completed");
    expect(line).toBeDefined();
    expect(line?.trace_id).toBeUndefined();
    expect(service.stderr()).toBe("");
  });
});

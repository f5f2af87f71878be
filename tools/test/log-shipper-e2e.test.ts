/**
 * The dev stack's rendered log shipper configuration in the real OpenTelemetry Collector (built from its Go
 * modules with the collector builder by tools/platform-tools.sh), with the real service and a real redis-server.
 *
 * The test copy of the configuration differs from the render only where a machine without a cluster must:
 * - the node's /var/log/pods, the state directory and the listeners are local (a temp dir, 127.0.0.1);
 * - k8s_attributes reads pods through a kubeconfig, from a stand-in for the API server below, instead of the
 *   pod's service account;
 * - the exporter sends to a stand-in for Loki's OTLP endpoint (/otlp/v1/logs), as JSON rather than protobuf so
 *   that the test can read it. Loki itself cannot run here: its Go module is AGPL-licensed and is not used
 *   (README, "External tools the tests build"). What Loki makes of a record follows from its documented OTLP
 *   mapping, which tools/test/loki-config.test.ts checks the rendered Loki configuration against: the resource
 *   attributes listed there become the stream's labels, the record's trace_id and span_id structured metadata,
 *   the body the line.
 * The service's stdout is written where the kubelet writes a container's log, in the CRI format.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { EXPORTER_METRICS, LOG_STREAM_ATTRIBUTES } from "@platform/components";
import { describeWithTool, exposedMetricNames, waitFor } from "@platform/components/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { RedisServer, freePort } from "../../app/test/support/redis-server";
import { type ServiceProcess, ensureServiceBuilt, startService } from "../../app/test/support/service-process";
import { renderStack, renderedConfigMapData } from "./support/rendered";

const NAMESPACE = "notes-dev";
const NODE = "node-1";

interface Pod {
  readonly name: string;
  readonly uid: string;
  readonly container: string;
  readonly labels: Record<string, string>;
}
const SERVICE_POD: Pod = { name: "notes-6d8f7c9b5-x2k4q", uid: "0b6a1c2e-0000-4000-8000-000000000001", container: "app", labels: { "app.kubernetes.io/name": "notes", "app.kubernetes.io/component": "api" } };
const REDIS_POD: Pod = { name: "notes-redis-0", uid: "0b6a1c2e-0000-4000-8000-000000000002", container: "redis", labels: { "app.kubernetes.io/name": "notes-redis", "app.kubernetes.io/component": "redis" } };
const UNLABELLED_POD: Pod = { name: "debug", uid: "0b6a1c2e-0000-4000-8000-000000000003", container: "shell", labels: {} };
const PODS = [SERVICE_POD, REDIS_POD, UNLABELLED_POD];

// ------------------------------------------------------------------ OTLP/JSON, as the exporter sends it

interface AnyValue {
  stringValue?: string;
  intValue?: string;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface LogRecord {
  body?: AnyValue;
  severityText?: string;
  severityNumber?: number;
  traceId?: string;
  spanId?: string;
  attributes?: KeyValue[];
}
interface ExportLogsRequest {
  resourceLogs: { resource?: { attributes?: KeyValue[] }; scopeLogs: { logRecords?: LogRecord[] }[] }[];
}
/** One received line: its resource's attributes and the record. */
interface Received {
  readonly resource: Record<string, string>;
  readonly record: LogRecord;
  readonly line: string;
}

const attrs = (kvs: KeyValue[] | undefined): Record<string, string> => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? ""]));

/** A stand-in for Loki's OTLP endpoint: keeps every record; answers 503 while `failing`, like a Loki that cannot write. */
class OtlpLogsSink {
  readonly received: Received[] = [];
  /** 503, as a Loki that cannot write (retried); or 400, as a Loki that refuses the lines (dropped). */
  failing: false | 503 | 400 = false;
  refused = 0;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
      if (req.url !== "/otlp/v1/logs") return void res.writeHead(404).end();
      if (this.failing) {
        this.refused++;
        return void res.writeHead(this.failing).end(this.failing === 503 ? "unavailable" : "bad request");
      }
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = zlib.gunzipSync(body);
      const request = JSON.parse(body.toString("utf8")) as ExportLogsRequest;
      for (const rl of request.resourceLogs) {
        const resource = attrs(rl.resource?.attributes);
        for (const sl of rl.scopeLogs) for (const record of sl.logRecords ?? []) this.received.push({ resource, record, line: record.body?.stringValue ?? "" });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  port = 0;
  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }
  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/**
 * A stand-in for the API server, for k8s_attributes' pod informer: lists the pods of NODE in NAMESPACE, and
 * answers a watch with the initial events (streaming lists) or holds it open. Every request path is kept.
 */
class PodApi {
  readonly requests: string[] = [];
  port = 0;
  private readonly server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    this.requests.push(`${req.method} ${url.pathname}${url.searchParams.get("watch") === "true" ? " (watch)" : ""}`);
    const pod = (p: Pod) => ({
      kind: "Pod",
      apiVersion: "v1",
      metadata: { name: p.name, namespace: NAMESPACE, uid: p.uid, labels: p.labels, resourceVersion: "10", creationTimestamp: "2026-12-02T00:00:00Z" },
      spec: { nodeName: NODE, containers: [{ name: p.container, image: "example" }] },
      status: { phase: "Running", podIP: "10.0.0.1", startTime: "2026-12-02T00:00:00Z" },
    });
    if (url.pathname !== `/api/v1/namespaces/${NAMESPACE}/pods`) {
      return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }));
    }
    if (url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      if (url.searchParams.get("sendInitialEvents") === "true") {
        for (const p of PODS) res.write(`${JSON.stringify({ type: "ADDED", object: pod(p) })}\n`);
        res.write(`${JSON.stringify({ type: "BOOKMARK", object: { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: "10", annotations: { "k8s.io/initial-events-end": "true" } } } })}\n`);
      }
      return; // held open until the test ends
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "10" }, items: PODS.map(pod) }));
  });
  async start(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }
  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** Appends lines to a container's log file as the kubelet does (CRI format: time, stream, full-line tag, line). */
function containerLog(podsDir: string, p: Pod): (line: string) => void {
  const file = path.join(podsDir, `${NAMESPACE}_${p.name}_${p.uid}`, p.container, "0.log");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return (line) => fs.appendFileSync(file, `${new Date().toISOString().replace("Z", "000Z")} stdout F ${line}\n`);
}

describeWithTool("otelcol-platform", "the service's log lines through the real log shipper, with the dev stack's configuration", (otelcol) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "log-shipper-e2e-"));
  const podsDir = path.join(dir, "pods");
  const children: ChildProcess[] = [];
  const sink = new OtlpLogsSink();
  const api = new PodApi();
  let redis: RedisServer;
  let service: ServiceProcess | undefined;
  let configFile = "";
  let lokiIndexLabels: string[] = [];
  let lokiDiscoverServiceName: string[] = [];
  const ports = { health: 0, metrics: 0 };
  const env = () => ({ PATH: process.env["PATH"] ?? "", KUBECONFIG: path.join(dir, "kubeconfig"), K8S_NODE_NAME: NODE });
  const startShipper = () => {
    const child = spawn(otelcol, [`--config=${configFile}`], { env: env(), stdio: ["ignore", "ignore", fs.openSync(path.join(dir, "otelcol.log"), "a")] });
    children.push(child);
    return child;
  };
  const healthy = () => waitFor("the shipper to be healthy", 60_000, async () => ((await fetch(`http://127.0.0.1:${ports.health}/`).catch(() => undefined))?.ok ? true : undefined), 200);
  const shipperLog = () => fs.readFileSync(path.join(dir, "otelcol.log"), "utf8").slice(-3000);

  beforeAll(async () => {
    const render = renderStack("dev", path.join(dir, "render"));
    const config = parse(renderedConfigMapData(render, "log-shipper", "config")["config.yaml"] as string) as Record<string, Record<string, Record<string, unknown>>>;
    const loki = parse(renderedConfigMapData(render, "loki", "config")["loki.yaml"] as string) as {
      limits_config: { discover_service_name: string[]; otlp_config: { resource_attributes: { attributes_config: { attributes: string[] }[] } } };
    };
    lokiIndexLabels = loki.limits_config.otlp_config.resource_attributes.attributes_config.flatMap((r) => r.attributes);
    lokiDiscoverServiceName = loki.limits_config.discover_service_name;

    await Promise.all([sink.start(), api.start()]);
    ports.health = await freePort();
    ports.metrics = await freePort();
    fs.writeFileSync(
      path.join(dir, "kubeconfig"),
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "stand-in", cluster: { server: `http://127.0.0.1:${api.port}` } }],
        users: [{ name: "test", user: {} }],
        contexts: [{ name: "stand-in", context: { cluster: "stand-in", user: "test" } }],
        "current-context": "stand-in",
      }),
    );
    // The test copy: paths, listeners, the API server's and Loki's addresses (see the header).
    const filelog = config["receivers"]!["file_log"] as { include: string[] };
    filelog.include = filelog.include.map((glob) => glob.replace(/^\/var\/log\/pods\//, `${podsDir}/`));
    config["extensions"]!["file_storage"] = { ...config["extensions"]!["file_storage"], directory: path.join(dir, "state"), compaction: { on_start: true, directory: path.join(dir, "state") } };
    config["extensions"]!["health_check"] = { endpoint: `127.0.0.1:${ports.health}` };
    (config["processors"]!["k8s_attributes"] as Record<string, unknown>)["auth_type"] = "kubeConfig";
    const exporter = config["exporters"]!["otlphttp/loki"] as Record<string, unknown>;
    expect(exporter["endpoint"]).toBe(`http://loki.${NAMESPACE}.svc:3100/otlp`);
    exporter["endpoint"] = `http://127.0.0.1:${sink.port}/otlp`;
    exporter["encoding"] = "json";
    const telemetry = config["service"]!["telemetry"] as { metrics: { readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[] } };
    telemetry.metrics.readers[0]!.pull.exporter.prometheus = { ...telemetry.metrics.readers[0]!.pull.exporter.prometheus, host: "127.0.0.1", port: ports.metrics };
    configFile = path.join(dir, "config.yaml");
    fs.writeFileSync(configFile, stringify(config));

    redis = await RedisServer.start();
    ensureServiceBuilt();
  }, 120_000);

  afterAll(async () => {
    service?.child.kill("SIGKILL");
    for (const c of children) c.kill("SIGKILL");
    sink.stop();
    api.stop();
    await redis?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("validates the rendered configuration, and refuses a broken one", () => {
    const run = spawnSync(otelcol, ["validate", `--config=${configFile}`], { encoding: "utf8", timeout: 60_000, env: env() });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const broken = path.join(dir, "broken.yaml");
    fs.writeFileSync(broken, fs.readFileSync(configFile, "utf8").replace("- k8s_attributes", "- k8s_atributes"));
    expect(spawnSync(otelcol, ["validate", `--config=${broken}`], { encoding: "utf8", timeout: 60_000, env: env() }).status).not.toBe(0);
  });

  it("ships the request's line with its trace_id as trace context, labelled by pod with the low-cardinality set only", async () => {
    const write = containerLog(podsDir, SERVICE_POD);
    startShipper();
    await healthy();
    service = await startService({
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
      OTEL_SERVICE_NAME: "notes",
      OTEL_TRACES_SAMPLER: "always_on",
    });
    // The kubelet's part: every stdout line of the container into its log file, as it comes.
    let pending = "";
    service.child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter((l) => l.trim())) write(line);
    });
    const sent = Date.now();
    const created = await fetch(`${service.url}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "logged", body: "through the shipper" }) });
    expect(created.status).toBe(201);
    const line = await waitFor("the request's log line", 5_000, () => service?.logs.find((l) => l.msg === "request completed" && l.method === "POST"));
    const traceId = line.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // Loki's `{...} | trace_id="<id>"`: the records whose trace context is that trace.
    const found = await waitFor(`a line of trace ${traceId} at the Loki stand-in (shipper log: ${shipperLog()})`, 30_000, () => {
      const lines = sink.received.filter((r) => r.record.traceId === traceId);
      return lines.length > 0 ? lines : undefined;
    }, 100);
    const foundAfterMs = Date.now() - sent;
    expect(found).toHaveLength(1);
    const [{ resource, record, line: shipped }] = found as [Received];
    expect(JSON.parse(shipped)).toMatchObject({ msg: "request completed", method: "POST", trace_id: traceId });
    expect(record.spanId).toBe(line.span_id);
    expect(record.severityText).toBe("info");
    expect(record.attributes ?? []).toEqual([]); // nothing besides the line: no duplicate trace_id in structured metadata
    // The labels Loki indexes: exactly the shipper's set, with the pod's app and component.
    expect(lokiIndexLabels).toEqual([...LOG_STREAM_ATTRIBUTES]);
    const labels = Object.fromEntries(lokiIndexLabels.map((k) => [k, resource[k]]));
    expect(labels).toEqual({ "service.name": "notes", component: "api", "k8s.namespace.name": NAMESPACE, "k8s.container.name": "app", level: "info" });
    // The rest of the resource (pod name and uid, restart count) becomes structured metadata in Loki, not labels.
    expect(resource["k8s.pod.name"]).toBe(SERVICE_POD.name);
    expect(api.requests.every((r) => r.startsWith(`GET /api/v1/namespaces/${NAMESPACE}/pods`)), api.requests.join(", ")).toBe(true);
    console.log(`log-shipper-e2e: the request's line reached the Loki stand-in ${foundAfterMs} ms after the request (trace ${traceId})`);
  }, 120_000);

  it("ships other pods' plain text and malformed JSON unparsed, and leaves an unlabelled pod's service name to Loki", async () => {
    const redisLine = "1:M 02 Dec 2026 15:00:00.000 * Ready to accept connections tcp";
    const broken = '{"level":"info","msg":"cut';
    containerLog(podsDir, REDIS_POD)(redisLine);
    containerLog(podsDir, REDIS_POD)(broken);
    containerLog(podsDir, UNLABELLED_POD)("plain debugging output");
    const plain = await waitFor("the plain lines", 30_000, () => {
      const got = [redisLine, broken, "plain debugging output"].map((l) => sink.received.find((r) => r.line === l));
      return got.every(Boolean) ? (got as Received[]) : undefined;
    });
    for (const r of plain.slice(0, 2)) {
      expect(r.resource).toMatchObject({ "service.name": "notes-redis", component: "redis", "k8s.container.name": "redis" });
      expect(r.resource["level"]).toBeUndefined();
      expect(r.record.traceId ?? "").toBe("");
    }
    // No app label, no service.name: Loki names the stream after its container (discover_service_name, rendered).
    expect(plain[2]?.resource).toMatchObject({ "k8s.container.name": "shell", "k8s.pod.name": UNLABELLED_POD.name });
    expect(plain[2]?.resource["service.name"]).toBeUndefined();
    expect(plain[2]?.resource["component"]).toBeUndefined();
    expect(lokiDiscoverServiceName).toEqual(["k8s_container_name"]);
  }, 60_000);

  it("loses nothing and ships nothing twice across a Loki outage and a shipper restart", async () => {
    const write = containerLog(podsDir, REDIS_POD);
    const marks = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
    const count = (line: string) => sink.received.filter((r) => r.line === line).length;
    // Loki down: the exporter keeps the lines in its queue on disk and retries.
    sink.failing = 503;
    for (const l of marks("during the outage", 20)) write(l);
    await waitFor("a refused push", 30_000, () => (sink.refused > 0 ? true : undefined));
    // The shipper dies with the lines unsent, more are written while it is down, then it starts again.
    for (const c of children) c.kill("SIGKILL");
    for (const l of marks("while the shipper was down", 20)) write(l);
    sink.failing = false;
    startShipper();
    await healthy();
    const all = [...marks("during the outage", 20), ...marks("while the shipper was down", 20)];
    await waitFor(`every line once (shipper log: ${shipperLog()})`, 60_000, () => (all.every((l) => count(l) >= 1) ? true : undefined), 200);
    // And the lines shipped before the restart are not shipped again.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(all.filter((l) => count(l) !== 1)).toEqual([]);
    expect(sink.received.filter((r) => r.line === "plain debugging output")).toHaveLength(1);
    expect(sink.received.filter((r) => r.record.severityText === "info" && r.line.includes('"msg":"request completed"') && r.line.includes('"method":"POST"'))).toHaveLength(1);
  }, 120_000);

  it("counts what it drops, under the names LogShipperDroppingLines reads: lines Loki rejects (400), and lines a full queue refuses", async () => {
    const write = containerLog(podsDir, REDIS_POD);
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text();
      return text.split("\n").filter((l) => l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
    };
    // Rejected as bad: a permanent error, not retried, counted as failed.
    sink.failing = 400;
    write("a line Loki rejects");
    await waitFor("send_failed to count it", 30_000, async () => ((await metric("otelcol_exporter_send_failed_log_records")) > 0 ? true : undefined), 250);
    // A counter shows once it has counted, and a restart starts it again: the names of both runs together.
    const names = exposedMetricNames(await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text());
    // A full queue: the same configuration with a queue of one batch, against a Loki that answers 503.
    for (const c of children) c.kill("SIGKILL");
    const small = parse(fs.readFileSync(configFile, "utf8")) as { exporters: Record<string, { sending_queue: Record<string, unknown> }> };
    small.exporters["otlphttp/loki"]!.sending_queue["queue_size"] = 1;
    fs.writeFileSync(configFile, stringify(small));
    sink.failing = 503;
    startShipper();
    await healthy();
    for (let i = 0; i < 3; i++) {
      write(`queued line ${i}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await waitFor("enqueue_failed to count refused lines", 30_000, async () => ((await metric("otelcol_exporter_enqueue_failed_log_records")) > 0 ? true : undefined), 250);
    for (const name of exposedMetricNames(await (await fetch(`http://127.0.0.1:${ports.metrics}/metrics`)).text())) names.add(name);
    expect((EXPORTER_METRICS["logShipper"]?.metrics ?? []).filter((m) => !names.has(m))).toEqual([]);
  }, 120_000);
});

// Throughput and latency of the service against a real redis-server: in the production configuration (metrics,
// request logs, tracing at the prod ratio exported to a collector, Redis-backed rate limiting, the breaker), against
// a bare Fastify + ioredis server doing the same Redis work (bench/bare-server.mjs), in interleaved rounds; then with
// every trace sampled, and with metrics, tracing and logging off. Prints figures (throughput ratio, p99, RSS after
// load, start to ready), asserts nothing.
// Usage: npm run bench --workspace app   (BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_ROUNDS=3 to change the load,
// BENCH_BREAKDOWN=1 to also measure each feature switched off on its own, BENCH_PROFILE=1 for a CPU profile of each route)
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { RedisServer, freePort } from "../test/support/redis-server";
import { SERVER_ENTRY } from "../test/support/service-process";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const BARE_SERVER = join(__dirname, "bare-server.mjs");

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Started {
  url: string;
  child: ChildProcess;
  /** From spawn to the first ready answer. */
  readyMs: number;
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

async function startService(env: Record<string, string>, entry = SERVER_ENTRY, nodeArgs: string[] = []): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: "0", RATE_LIMIT_MAX: "1000000", ...env },
    // Logs go where a container runtime would put them: a file, here /dev/null.
    stdio: ["ignore", openSync("/dev/null", "w"), "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  for (let attempt = 0; attempt < 100 && !exited; attempt += 1) {
    const ready = await fetch(`${url}/health/ready`).then((response) => response.ok, () => false);
    if (ready) return { url, child, readyMs: performance.now() - started };
    await sleep(10);
  }
  throw new Error("service did not become ready");
}

async function load(options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections, duration: seconds, ...options });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

interface Run {
  read: Figures;
  write: Figures;
  rssMb: number;
  readyMs: number;
}

async function measure(label: string, env: Record<string, string>, entry = SERVER_ENTRY): Promise<Run> {
  const { url, child, readyMs } = await startService(env, entry);
  const created = await fetch(`${url}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "bench", body: "a note read over and over" }) });
  const { id } = (await created.json()) as { id: string };
  await load({ url: `${url}/v1/notes/${id}`, duration: 1 }); // warm-up
  const read = await load({ url: `${url}/v1/notes/${id}` });
  const write = await load({
    url: `${url}/v1/notes`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "bench write", body: "x".repeat(200), tags: ["bench"] }),
  });
  const rss = rssMb(child.pid);
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  console.log(`measured: ${label}`);
  return { read, write, rssMb: rss, readyMs };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Where the CPU goes for one route under load: the service runs with --cpu-prof while only that route is driven;
 * prints the functions with the most self time (BENCH_PROFILE=1).
 */
async function profile(label: string, env: Record<string, string>, route: (url: string, id: string) => autocannon.Options): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-profile-"));
  const { url, child } = await startService(env, SERVER_ENTRY, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  const created = await fetch(`${url}/v1/notes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "bench", body: "profiled" }) });
  const { id } = (await created.json()) as { id: string };
  await load(route(url, id));
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no CPU profile was written for ${label}`);
  const { nodes } = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nodes: ProfileNode[] };
  if (process.env.BENCH_PROFILE_KEEP) console.log(`kept ${join(dir, file)}`); else rmSync(dir, { recursive: true, force: true });
  const total = nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  for (const n of nodes) {
    const where = n.callFrame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/app\//, "app/");
    const key = `${n.callFrame.functionName || "(anonymous)"} ${where ? `${where}:${n.callFrame.lineNumber + 1}` : ""}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  console.log(`\nCPU profile, ${label}: the 15 functions with the most self time (of ${total} samples)`);
  for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${((100 * hits) / total).toFixed(1).padStart(5)} %  ${key}`);
  // The same self time by where the code lives: a package, the service, or Node and V8 themselves.
  const byPackage = new Map<string, number>();
  for (const n of nodes) {
    const url = n.callFrame.url;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes("/app/dist/") ? "the service (app/dist)" : url.startsWith("node:") ? "node internals" : "native, GC and idle");
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + (n.hitCount ?? 0));
  }
  console.log(`  by package: ${[...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)} %`).join(", ")}`);
}

/** The mean of several runs' figures (p99 and RSS: the worst). */
function combine(runs: Run[]): Run {
  const mean = (f: (r: Run) => number) => runs.reduce((sum, r) => sum + f(r), 0) / runs.length;
  const figures = (pick: (r: Run) => Figures): Figures => ({
    requestsPerSecond: mean((r) => pick(r).requestsPerSecond),
    p50: mean((r) => pick(r).p50),
    p99: Math.max(...runs.map((r) => pick(r).p99)),
    errors: runs.reduce((sum, r) => sum + pick(r).errors, 0),
    non2xx: runs.reduce((sum, r) => sum + pick(r).non2xx, 0),
  });
  return { read: figures((r) => r.read), write: figures((r) => r.write), rssMb: Math.max(...runs.map((r) => r.rssMb)), readyMs: mean((r) => r.readyMs) };
}

async function main(): Promise<void> {
  const redis = await RedisServer.start({ durable: false });
  // A sink for the OTLP exports, so tracing pays its full cost (serialise + send).
  const collectorPort = await freePort();
  let exportedBatches = 0;
  const collector = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      exportedBatches += 1;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(collectorPort, "127.0.0.1", resolve));

  try {
    // The production configuration against the bare server, alternating, so that both see the same machine.
    const production = { REDIS_URL: redis.url, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" };
    const productionRuns: Run[] = [];
    const bareRuns: Run[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      productionRuns.push(await measure(`production configuration, round ${round}`, production));
      bareRuns.push(await measure(`bare Fastify + ioredis, round ${round}`, { REDIS_URL: redis.url }, BARE_SERVER));
    }
    const prod = combine(productionRuns);
    const bare = combine(bareRuns);

    if (process.env.BENCH_PROFILE === "1" || process.env.BENCH_PROFILE === "lean") {
      // lean: metrics, tracing and request logs off, to see what the rest of the service costs.
      const [name, env] = process.env.BENCH_PROFILE === "lean" ? ["lean configuration", { REDIS_URL: redis.url, METRICS_ENABLED: "false", REQUEST_LOGGING: "false" }] : ["production configuration", production];
      await profile(`GET /v1/notes/:id, ${name}`, env, (url, id) => ({ url: `${url}/v1/notes/${id}` }));
      await profile(`POST /v1/notes, ${name}`, env, (url) => ({
        url: `${url}/v1/notes`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "bench write", body: "x".repeat(200), tags: ["bench"] }),
      }));
    }

    const full = await measure("all features on", {
      REDIS_URL: redis.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      OTEL_TRACES_SAMPLER: "always_on",
    });
    const lean = await measure("metrics, tracing export and request logging off", {
      REDIS_URL: redis.url,
      METRICS_ENABLED: "false",
      REQUEST_LOGGING: "false",
    });

    // Optional: what each feature costs on its own (BENCH_BREAKDOWN=1).
    const breakdown: [string, Run][] = [];
    if (process.env.BENCH_BREAKDOWN === "1") {
      const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`, OTEL_TRACES_SAMPLER: "always_on" };
      breakdown.push(["only tracing off", await measure("only tracing off", { REDIS_URL: redis.url })]);
      breakdown.push(["only metrics off", await measure("only metrics off", { REDIS_URL: redis.url, METRICS_ENABLED: "false", ...tracing })]);
      breakdown.push(["only logging off", await measure("only logging off", { REDIS_URL: redis.url, REQUEST_LOGGING: "false", ...tracing })]);
      breakdown.push([
        "tracing sampled at 10%",
        await measure("tracing sampled at 10%", { REDIS_URL: redis.url, ...tracing, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" }),
      ]);
    }

    const ms = (value: number) => String(Math.round(value * 10) / 10);
    const row = (name: string, figures: Figures) =>
      `| ${name.padEnd(36)} | ${figures.requestsPerSecond.toFixed(0).padStart(8)} | ${ms(figures.p50).padStart(7)} | ${ms(figures.p99).padStart(7)} | ${String(figures.errors + figures.non2xx).padStart(6)} |`;
    console.log(`\nnode ${process.version}, ${connections} connections, ${seconds} s per run, ${exportedBatches} OTLP batches received\n`);
    console.log(`| ${"run".padEnd(36)} | ${"req/s".padStart(8)} | ${"p50 ms".padStart(7)} | ${"p99 ms".padStart(7)} | ${"errors".padStart(6)} |`);
    console.log(`|${"-".repeat(38)}|${"-".repeat(10)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(8)}|`);
    console.log(row("read  GET /v1/notes/:id, production", prod.read));
    console.log(row("read  GET /v1/notes/:id, bare", bare.read));
    console.log(row("write POST /v1/notes, production", prod.write));
    console.log(row("write POST /v1/notes, bare", bare.write));
    console.log(row("read  GET /v1/notes/:id, all on", full.read));
    console.log(row("read  GET /v1/notes/:id, lean", lean.read));
    console.log(row("write POST /v1/notes, all on", full.write));
    console.log(row("write POST /v1/notes, lean", lean.write));
    for (const [name, figures] of breakdown) {
      console.log(row(`read  ${name}`, figures.read));
      console.log(row(`write ${name}`, figures.write));
    }
    const ratio = (on: Figures, off: Figures) => (on.requestsPerSecond / off.requestsPerSecond).toFixed(2);
    console.log(`\nproduction / bare (${rounds} interleaved rounds): read ${ratio(prod.read, bare.read)}, write ${ratio(prod.write, bare.write)} of the throughput (goal 0.8)`);
    console.log(`p99 production / bare: read ${(prod.read.p99 / bare.read.p99).toFixed(1)}x, write ${(prod.write.p99 / bare.write.p99).toFixed(1)}x (goal at most 2x)`);
    console.log(`RSS after load: production ${prod.rssMb.toFixed(0)} MB, bare ${bare.rssMb.toFixed(0)} MB (goal at most 150 MB)`);
    console.log(`start to ready: production ${prod.readyMs.toFixed(0)} ms, bare ${bare.readyMs.toFixed(0)} ms (goal at most 1000 ms)`);
    console.log(`throughput all-on / lean: read ${ratio(full.read, lean.read)}, write ${ratio(full.write, lean.write)}`);
  } finally {
    collector.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// Throughput and latency of the service with every feature on, then with metrics, tracing
// export and request logging off, against a real redis-server. Prints figures, asserts nothing.
// Usage: npm run bench --workspace app   (BENCH_SECONDS=10 BENCH_CONNECTIONS=32 to change the load,
// BENCH_BREAKDOWN=1 to also measure each feature switched off on its own, and 10% trace sampling)
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import { createServer } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { RedisServer, freePort } from "../test/support/redis-server";
import { SERVER_ENTRY } from "../test/support/service-process";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function startService(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: "0", RATE_LIMIT_MAX: "1000000", ...env },
    // Logs go where a container runtime would put them: a file, here /dev/null.
    stdio: ["ignore", openSync("/dev/null", "w"), "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  for (let attempt = 0; attempt < 100 && !exited; attempt += 1) {
    const ready = await fetch(`${url}/health/ready`).then((response) => response.ok, () => false);
    if (ready) return { url, child };
    await sleep(100);
  }
  throw new Error("service did not become ready");
}

async function load(options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections, duration: seconds, ...options });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

async function measure(label: string, env: Record<string, string>): Promise<{ read: Figures; write: Figures }> {
  const { url, child } = await startService(env);
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
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  console.log(`measured: ${label}`);
  return { read, write };
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
    const breakdown: [string, { read: Figures; write: Figures }][] = [];
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

    const row = (name: string, figures: Figures) =>
      `| ${name.padEnd(36)} | ${figures.requestsPerSecond.toFixed(0).padStart(8)} | ${String(figures.p50).padStart(7)} | ${String(figures.p99).padStart(7)} | ${String(figures.errors + figures.non2xx).padStart(6)} |`;
    console.log(`\nnode ${process.version}, ${connections} connections, ${seconds} s per run, ${exportedBatches} OTLP batches received\n`);
    console.log(`| ${"run".padEnd(36)} | ${"req/s".padStart(8)} | ${"p50 ms".padStart(7)} | ${"p99 ms".padStart(7)} | ${"errors".padStart(6)} |`);
    console.log(`|${"-".repeat(38)}|${"-".repeat(10)}|${"-".repeat(9)}|${"-".repeat(9)}|${"-".repeat(8)}|`);
    console.log(row("read  GET /v1/notes/:id, all on", full.read));
    console.log(row("read  GET /v1/notes/:id, lean", lean.read));
    console.log(row("write POST /v1/notes, all on", full.write));
    console.log(row("write POST /v1/notes, lean", lean.write));
    for (const [name, figures] of breakdown) {
      console.log(row(`read  ${name}`, figures.read));
      console.log(row(`write ${name}`, figures.write));
    }
    const ratio = (on: Figures, off: Figures) => (on.requestsPerSecond / off.requestsPerSecond).toFixed(2);
    console.log(`\nthroughput all-on / lean: read ${ratio(full.read, lean.read)}, write ${ratio(full.write, lean.write)}`);
  } finally {
    collector.close();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

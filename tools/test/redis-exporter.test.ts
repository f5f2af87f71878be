/**
 * The redis_exporter metric names the rules and dashboards rely on (EXPORTER_METRICS.redisExporter) against the real
 * exporter (the version the stack deploys, built by tools/platform-tools.sh) in front of a real master, a replica
 * and a Sentinel: a name the exporter does not export fails here, not on a dashboard in production.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXPORTER_METRICS } from "@platform/components";
import { exposedMetricNames, itWithTool, waitFor } from "@platform/components/testing";
import { afterAll, expect } from "vitest";
import { freePort } from "../../app/test/support/redis-server";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-exporter-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(cmd: string, args: string[]): void {
  children.push(spawn(cmd, args, { stdio: "ignore" }));
}

async function metricNames(url: string, want: (names: Set<string>) => boolean): Promise<Set<string>> {
  return waitFor(`metrics at ${url}`, 30_000, async () => {
    const text = await (await fetch(url)).text().catch(() => "");
    const names = exposedMetricNames(text);
    return want(names) ? names : undefined;
  }, 500);
}

itWithTool("redis_exporter", "exports every documented name: master, replica and Sentinel", async (exporter) => {
  const [master, replica, sentinel] = [await freePort(), await freePort(), await freePort()];
  start("redis-server", ["--port", String(master), "--bind", "127.0.0.1", "--save", "", "--dir", dir]);
  start("redis-server", ["--port", String(replica), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--replicaof", "127.0.0.1", String(master)]);
  fs.writeFileSync(path.join(dir, "sentinel.conf"), `port ${sentinel}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor main 127.0.0.1 ${master} 1\n`);
  start("redis-server", [path.join(dir, "sentinel.conf"), "--sentinel"]);
  const ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
  start(exporter, [`--web.listen-address=127.0.0.1:${ports.master}`, `--redis.addr=redis://127.0.0.1:${master}`]);
  start(exporter, [`--web.listen-address=127.0.0.1:${ports.replica}`, `--redis.addr=redis://127.0.0.1:${replica}`]);
  start(exporter, [`--web.listen-address=127.0.0.1:${ports.sentinel}`, `--redis.addr=redis://127.0.0.1:${sentinel}`]);

  const fromMaster = await metricNames(`http://127.0.0.1:${ports.master}/metrics`, (n) => n.has("redis_connected_slaves"));
  const fromReplica = await metricNames(`http://127.0.0.1:${ports.replica}/metrics`, (n) => n.has("redis_master_link_up"));
  const fromSentinel = await metricNames(`http://127.0.0.1:${ports.sentinel}/metrics`, (n) => n.has("redis_sentinel_master_ok_slaves"));
  const exported = new Set([...fromMaster, ...fromReplica, ...fromSentinel]);
  const documented = [...(EXPORTER_METRICS["redisExporter"]?.metrics ?? []), ...(EXPORTER_METRICS["redisExporterSentinelSettings"]?.metrics ?? [])];
  expect(documented.length).toBeGreaterThan(20);
  expect(documented.filter((m) => !exported.has(m))).toEqual([]);
}, 60_000);

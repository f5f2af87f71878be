/** Runs the pods' start scripts and probes against a real redis-server: the generated redis.conf must be valid and applied. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PASSWORD, PodRegistry, ScriptPod, cli, freePort, waitFor } from "./support/script-pods";

const registry = new PodRegistry();
const loaders: ChildProcess[] = [];
afterAll(async () => {
  for (const c of loaders) c.kill("SIGKILL");
  await registry.cleanup();
});

/** One pod on 127.0.0.1 with the scripts' defaults for a test: standalone unless `vars` say otherwise. */
async function startPod(vars: Record<string, string> = {}): Promise<ScriptPod> {
  const pod = registry.add(
    new ScriptPod(registry.tempDir("redis-script-"), "127.0.0.1", await freePort(), await freePort(), {
      REDIS_BIND: "127.0.0.1",
      REDIS_MODE: "standalone",
      REDIS_REPLICAS: "1",
      STATEFULSET: "redis",
      POD_NAME: "redis-0",
      HEADLESS_SERVICE: "redis-headless",
      POD_NAMESPACE: "test",
      MASTER_NAME: "main",
      SENTINEL_QUORUM: "1",
      REDIS_APPENDFSYNC: "always",
      REDIS_MAXMEMORY_MB: "64",
      REDIS_MAXMEMORY_POLICY: "noeviction",
      REDIS_REPLICA_BUFFER_MB: "16",
      ...vars,
    }),
  );
  pod.start();
  await waitFor(`redis.sh to bring Redis up on port ${pod.redisPort}`, 10_000, () => (pod.role() !== undefined ? true : undefined));
  return pod;
}

describe("redis.sh against a real redis-server", () => {
  it("standalone: password required, AOF with the fsync policy and no RDB schedule, maxmemory, policy and replica buffer applied, config file private", async () => {
    const pod = await startPod();
    expect(cli(pod.host, pod.redisPort, undefined, "set", "k", "v")).toMatch(/NOAUTH/);
    expect(pod.redis("config", "get", "appendonly")).toBe("appendonly\nyes");
    expect(pod.redis("config", "get", "appendfsync")).toBe("appendfsync\nalways");
    expect(pod.redis("config", "get", "save")).toBe("save");
    expect(pod.redis("config", "get", "maxmemory")).toBe(`maxmemory\n${64 * 1024 * 1024}`);
    expect(pod.redis("config", "get", "maxmemory-policy")).toBe("maxmemory-policy\nnoeviction");
    expect(pod.redis("config", "get", "client-output-buffer-limit")).toMatch(/slave 16777216 8388608 60/);
    expect(pod.redis("set", "note:1", "hello")).toBe("OK");
    expect(fs.readdirSync(pod.dataDir).some((f) => f.startsWith("appendonly"))).toBe(true);
    expect(fs.statSync(path.join(pod.dir, "run", "redis.conf")).mode & 0o077).toBe(0);
    await pod.stop();
  });

  it("sentinel mode, a set of one on its first boot: pod 0 bootstraps as master, refusing writes without a replica", async () => {
    const pod = await startPod({ REDIS_MODE: "sentinel" });
    await waitFor("pod 0 to bootstrap", 10_000, () => (pod.role() === "master" ? true : undefined));
    expect(pod.redis("config", "get", "min-replicas-to-write")).toBe("min-replicas-to-write\n1");
    expect(pod.redis("set", "k", "v")).toMatch(/NOREPLICAS/);
    expect(fs.existsSync(path.join(pod.dataDir, "set-member"))).toBe(true);
    await pod.stop();
  });

  it("sentinel mode, another pod with an empty volume and nobody answering: a replica of pod 0, not promotable, alive but not ready", async () => {
    const pod = await startPod({ REDIS_MODE: "sentinel", REDIS_REPLICAS: "2", POD_NAME: "redis-1", SENTINEL_QUORUM: "2" });
    const info = pod.info("replication");
    expect(info["role"]).toBe("slave");
    // Namespace-qualified, so clients in other namespaces can resolve the master Sentinel announces.
    expect(info["master_host"]).toBe("redis-0.redis-headless.test.svc");
    expect(info["slave_priority"]).toBe("0");
    expect((await pod.run("probe.sh", "live")).code).toBe(0);
    expect((await pod.run("probe.sh", "startup")).code).toBe(0);
    const ready = await pod.run("probe.sh", "ready");
    expect(ready.code).toBe(1);
    expect(ready.output).toMatch(/not in sync/);
    expect(fs.existsSync(path.join(pod.dataDir, "set-member"))).toBe(false);
    await pod.stop();
  });
});

describe("probe.sh while Redis loads a large AOF", () => {
  it("liveness accepts LOADING; startup and readiness wait for the data set", async () => {
    const pod = await startPod({ REDIS_APPENDFSYNC: "everysec" });
    // 200,000 keys through the real AOF, then a clean stop.
    const commands = Array.from({ length: 200_000 }, (_, i) => `SET note:${i} ${"x".repeat(64)}`).join("\r\n") + "\r\n";
    execFileSync("redis-cli", ["--no-auth-warning", "-h", pod.host, "-p", String(pod.redisPort), "--pipe"], {
      input: commands,
      env: { ...process.env, REDISCLI_AUTH: PASSWORD },
      stdio: ["pipe", "ignore", "ignore"],
    });
    expect(pod.redis("dbsize")).toBe("200000");
    await pod.stop();
    const aofBytes = fs.readdirSync(path.join(pod.dataDir, "appendonlydir")).reduce((n, f) => n + fs.statSync(path.join(pod.dataDir, "appendonlydir", f)).size, 0);
    expect(aofBytes).toBeGreaterThan(10 * 1024 * 1024);

    // The same redis.conf the script wrote, with loading slowed to 40 µs a key (about 8 s) so the probes can be watched.
    const loader = spawn("redis-server", [path.join(pod.dir, "run", "redis.conf"), "--key-load-delay", "40"], { stdio: "ignore" });
    loaders.push(loader);
    await waitFor("Redis to report LOADING", 10_000, () => {
      try {
        return /LOADING/.test(cli(pod.host, pod.redisPort, PASSWORD, "ping")) ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const [live, startup, ready] = await Promise.all([pod.run("probe.sh", "live"), pod.run("probe.sh", "startup"), pod.run("probe.sh", "ready")]);
    expect(/LOADING/.test(cli(pod.host, pod.redisPort, PASSWORD, "ping"))).toBe(true);
    expect(live.code).toBe(0);
    expect(startup.code).toBe(1);
    expect(startup.output).toMatch(/LOADING/);
    expect(ready.code).toBe(1);

    await waitFor("the data set to load", 60_000, () => (cli(pod.host, pod.redisPort, PASSWORD, "ping") === "PONG" ? true : undefined));
    expect(cli(pod.host, pod.redisPort, PASSWORD, "dbsize")).toBe("200000");
    for (const mode of ["live", "startup", "ready"]) expect((await pod.run("probe.sh", mode)).code).toBe(0);
    loader.kill("SIGTERM");
  }, 120_000);
});

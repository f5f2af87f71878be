/** Runs the pods' start scripts against a real redis-server: the generated redis.conf must be valid and applied. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_SCRIPTS } from "../redis/scripts";

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function cli(port: number, password: string | undefined, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, REDISCLI_AUTH: password };
  if (password === undefined) delete env["REDISCLI_AUTH"];
  return execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { env, encoding: "utf8", timeout: 5000 }).trim();
}

async function start(vars: Record<string, string>): Promise<{ port: number; password: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-script-"));
  dirs.push(dir);
  for (const sub of ["scripts", "run", "data"]) fs.mkdirSync(path.join(dir, sub));
  for (const [file, text] of Object.entries(REDIS_SCRIPTS)) fs.writeFileSync(path.join(dir, "scripts", file), text);
  const port = await freePort();
  const password = "test-password-123";
  const child = spawn("sh", [path.join(dir, "scripts", "redis.sh")], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      SCRIPTS_DIR: path.join(dir, "scripts"),
      RUN_DIR: path.join(dir, "run"),
      DATA_DIR: path.join(dir, "data"),
      REDIS_PORT: String(port),
      SENTINEL_PORT: String(await freePort()),
      REDIS_PASSWORD: password,
      REDIS_MODE: "standalone",
      REDIS_REPLICAS: "1",
      STATEFULSET: "redis",
      POD_NAME: "redis-0",
      HEADLESS_SERVICE: "redis-headless",
      MASTER_NAME: "main",
      SENTINEL_QUORUM: "2",
      REDIS_APPENDFSYNC: "always",
      REDIS_MAXMEMORY_MB: "64",
      REDIS_MAXMEMORY_POLICY: "noeviction",
      ...vars,
    },
    stdio: "ignore",
  });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      if (cli(port, password, "ping") === "PONG") return { port, password, dir };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis.sh did not bring Redis up on port ${port}`);
}

describe("redis.sh against a real redis-server", () => {
  it("standalone: password required, AOF with the fsync policy, maxmemory and policy applied, config file private", async () => {
    const { port, password, dir } = await start({});
    expect(cli(port, undefined, "set", "k", "v")).toMatch(/NOAUTH/);
    expect(cli(port, password, "config", "get", "appendonly")).toBe("appendonly\nyes");
    expect(cli(port, password, "config", "get", "appendfsync")).toBe("appendfsync\nalways");
    expect(cli(port, password, "config", "get", "maxmemory")).toBe(`maxmemory\n${64 * 1024 * 1024}`);
    expect(cli(port, password, "config", "get", "maxmemory-policy")).toBe("maxmemory-policy\nnoeviction");
    expect(cli(port, password, "set", "note:1", "hello")).toBe("OK");
    expect(fs.readdirSync(path.join(dir, "data")).some((f) => f.startsWith("appendonly"))).toBe(true);
    expect(fs.statSync(path.join(dir, "run", "redis.conf")).mode & 0o077).toBe(0);
  });

  it("sentinel mode, first start: pod 0 becomes master, refusing writes without a replica", async () => {
    const { port, password } = await start({ REDIS_MODE: "sentinel", REDIS_REPLICAS: "1" });
    expect(cli(port, password, "role").split("\n")[0]).toBe("master");
    expect(cli(port, password, "config", "get", "min-replicas-to-write")).toBe("min-replicas-to-write\n1");
    expect(cli(port, password, "set", "k", "v")).toMatch(/NOREPLICAS/);
  });

  it("sentinel mode, another pod with no Sentinel answering: starts as a replica of pod 0", async () => {
    const { port, password } = await start({ REDIS_MODE: "sentinel", REDIS_REPLICAS: "2", POD_NAME: "redis-1" });
    const info = cli(port, password, "info", "replication");
    expect(info).toMatch(/role:slave/);
    expect(info).toMatch(/master_host:redis-0\.redis-headless/);
  });
});

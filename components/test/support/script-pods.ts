/**
 * Runs the Redis pods' own scripts (components/redis/scripts.ts) outside Kubernetes: each "pod" is a
 * folder (scripts, run, data) with redis.sh, and sentinel.sh in Sentinel mode, bound to its own
 * loopback address (127.0.0.2, 127.0.0.3, ...) so that every pod uses the same ports, as in a cluster.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { REDIS_SCRIPTS } from "../../redis/scripts";
import { freePort } from "../../testing/net";
import { waitFor } from "../../testing/wait";

export { freePort, waitFor };

const execFileAsync = promisify(execFile);
export const PASSWORD = "test-password-123";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** redis-cli against host:port; undefined password means no AUTH. Throws when redis-cli fails. */
export function cli(host: string, port: number, password: string | undefined, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, REDISCLI_AUTH: password };
  if (password === undefined) delete env["REDISCLI_AUTH"];
  return execFileSync("redis-cli", ["--no-auth-warning", "-h", host, "-p", String(port), ...args], { env, encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Every pod folder and process made by the tests of one file, for the afterAll cleanup. */
export class PodRegistry {
  private readonly pods: ScriptPod[] = [];
  private readonly dirs: string[] = [];

  tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  add(pod: ScriptPod): ScriptPod {
    this.pods.push(pod);
    return pod;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.pods.map((p) => p.stop("SIGKILL")));
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

/** One pod: its folder, environment, and the redis.sh and sentinel.sh processes while it runs. */
export class ScriptPod {
  private procs: { name: "redis" | "sentinel"; child: ChildProcess }[] = [];
  readonly scriptsDir: string;
  readonly dataDir: string;

  constructor(
    readonly dir: string,
    readonly host: string,
    readonly redisPort: number,
    readonly sentinelPort: number,
    readonly env: Readonly<Record<string, string>>,
  ) {
    this.scriptsDir = path.join(dir, "scripts");
    this.dataDir = path.join(dir, "data");
    for (const sub of ["scripts", "run", "data"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    for (const [file, text] of Object.entries(REDIS_SCRIPTS)) fs.writeFileSync(path.join(this.scriptsDir, file), text);
  }

  private fullEnv(): NodeJS.ProcessEnv {
    return {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      SCRIPTS_DIR: this.scriptsDir,
      RUN_DIR: path.join(this.dir, "run"),
      DATA_DIR: this.dataDir,
      REDIS_PORT: String(this.redisPort),
      SENTINEL_PORT: String(this.sentinelPort),
      REDIS_PASSWORD: PASSWORD,
      ...this.env,
    };
  }

  get sentinelMode(): boolean {
    return this.env["REDIS_MODE"] === "sentinel";
  }

  /** Starts redis.sh (and sentinel.sh in Sentinel mode), or only `only`; logs go to redis.log and sentinel.log in the pod folder. */
  start(only?: readonly ("redis" | "sentinel")[]): void {
    const names: readonly ("redis" | "sentinel")[] = only ?? (this.sentinelMode ? ["redis", "sentinel"] : ["redis"]);
    const started = names.map((name) => {
      const log = fs.openSync(path.join(this.dir, `${name}.log`), "a");
      const child = spawn("sh", [path.join(this.scriptsDir, `${name}.sh`)], { env: this.fullEnv(), stdio: ["ignore", log, log] });
      fs.closeSync(log);
      return { name, child };
    });
    this.procs = [...this.procs, ...started];
  }

  /** Stops the processes (or only `only`) with `signal` (SIGTERM: Redis' graceful shutdown) and waits for them to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", only?: readonly ("redis" | "sentinel")[]): Promise<void> {
    const stopping = this.procs.filter((p) => !only || only.includes(p.name));
    this.procs = this.procs.filter((p) => !stopping.includes(p));
    await Promise.all(
      stopping.map(
        ({ child: p }) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once("exit", () => resolve());
            p.kill(signal);
          }),
      ),
    );
  }

  get running(): boolean {
    return this.procs.length > 0;
  }

  redis(...args: string[]): string {
    return cli(this.host, this.redisPort, PASSWORD, ...args);
  }

  sentinel(...args: string[]): string {
    return cli(this.host, this.sentinelPort, PASSWORD, ...args);
  }

  /** ROLE's first line, or undefined when Redis does not answer. */
  role(): string | undefined {
    try {
      return this.redis("role").split("\n")[0];
    } catch {
      return undefined;
    }
  }

  info(section: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of this.redis("info", section).split(/\r?\n/)) {
      const i = line.indexOf(":");
      if (i > 0 && !line.startsWith("#")) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  }

  /** Runs a script of the pod (probe.sh mode, prestop.sh) as the kubelet would; resolves to its exit code. */
  async run(script: string, ...args: string[]): Promise<{ code: number; output: string }> {
    try {
      const { stdout, stderr } = await execFileAsync("sh", [path.join(this.scriptsDir, script), ...args], { env: this.fullEnv(), timeout: 60_000 });
      return { code: 0, output: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === "number" ? err.code : 1, output: `${err.stdout ?? ""}${err.stderr ?? ""}` };
    }
  }

  logs(): string {
    return ["redis", "sentinel"]
      .map((n) => path.join(this.dir, `${n}.log`))
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${f}\n${fs.readFileSync(f, "utf8")}`)
      .join("\n");
  }
}

/** A Sentinel-mode set of `size` pods on 127.0.0.2... sharing one Redis and one Sentinel port. */
export async function sentinelSet(registry: PodRegistry, size: number, extraEnv: Record<string, string> = {}): Promise<ScriptPod[]> {
  const root = registry.tempDir("redis-set-");
  const [redisPort, sentinelPort] = [await freePort(), await freePort()];
  const hosts = Array.from({ length: size }, (_, i) => `127.0.0.${i + 2}`);
  return hosts.map((host, i) =>
    registry.add(
      new ScriptPod(path.join(root, `redis-${i}`), host, redisPort, sentinelPort, {
        REDIS_MODE: "sentinel",
        REDIS_REPLICAS: String(size),
        STATEFULSET: "redis",
        POD_NAME: `redis-${i}`,
        POD_HOSTS: hosts.join(" "),
        REDIS_BIND: host,
        LOCAL_HOST: host,
        HEADLESS_SERVICE: "redis-headless",
        POD_NAMESPACE: "test",
        MASTER_NAME: "main",
        SENTINEL_QUORUM: String(Math.floor(size / 2) + 1),
        SENTINEL_DOWN_AFTER_MS: "1000",
        SENTINEL_FAILOVER_TIMEOUT_MS: "5000",
        REDIS_APPENDFSYNC: "always",
        REDIS_MAXMEMORY_MB: "64",
        REDIS_MAXMEMORY_POLICY: "noeviction",
        REDIS_REPLICA_BUFFER_MB: "16",
        ...extraEnv,
      }),
    ),
  );
}

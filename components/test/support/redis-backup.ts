/**
 * Runs the backup job's own program (components/redis-backup/redis-backup.sh) outside Kubernetes,
 * against real redis-server processes on free ports, and reads what it stored and logged.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import Redis from "ioredis";
import { BACKUP_SCRIPT_PATH } from "../../redis-backup/scripts";
import { freePort, sleep, waitFor } from "./script-pods";

export { freePort, sleep, waitFor };

export const PASSWORD = "backup-test-password";

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr's JSON log lines, parsed; a line that is not JSON fails the run's caller. */
  readonly logs: Record<string, unknown>[];
  readonly nonJsonLines: string[];
}

/** Runs redis-backup.sh with ARGS and ENV (added to a clean PATH/HOME environment). */
export function runBackupScript(args: string[], env: Record<string, string>, opts: { detached?: boolean; onSpawn?: (p: ChildProcess) => void } = {}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [BACKUP_SCRIPT_PATH, ...args], {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: opts.detached ?? false,
    });
    opts.onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const logs: Record<string, unknown>[] = [];
      const nonJsonLines: string[] = [];
      for (const line of stderr.split("\n").filter(Boolean)) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          nonJsonLines.push(line);
        }
      }
      resolve({ code, stdout, stderr, logs, nonJsonLines });
    });
  });
}

/** A redis-server with a password, in its own directory; stop() kills it. */
export class TestRedis {
  readonly client: Redis;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly proc: ChildProcess,
  ) {
    this.client = new Redis({ port, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    this.client.on("error", () => undefined); // refused connections while it starts or after stop(): the callers check

  }

  static async start(dir: string, extra: string[] = []): Promise<TestRedis> {
    const port = await freePort();
    fs.mkdirSync(dir, { recursive: true });
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--requirepass", PASSWORD, "--masterauth", PASSWORD, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", ...extra], {
      stdio: "ignore",
    });
    const r = new TestRedis(port, dir, proc);
    await waitFor(`redis-server on ${port}`, 10_000, async () => {
      try {
        await r.client.connect();
        return (await r.client.ping()) === "PONG" ? true : undefined;
      } catch {
        r.client.disconnect();
        return undefined;
      }
    });
    return r;
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await exited;
  }
}

export interface KeyState {
  readonly type: string;
  /** The value in a canonical form: members of sets and fields of hashes sorted, bytes as base64. */
  readonly value: string;
  /** TTL in ms; -1: none. */
  readonly pttl: number;
}

/** Every key (base64 of its bytes) with its type, value and TTL. */
export async function snapshotKeys(client: Redis): Promise<Map<string, KeyState>> {
  const keys = await client.keysBuffer("*");
  const out = new Map<string, KeyState>();
  const b64 = (v: unknown) => (Buffer.isBuffer(v) ? v.toString("base64") : String(v));
  for (let i = 0; i < keys.length; i += 2000) {
    const batch = keys.slice(i, i + 2000);
    const types = client.pipeline();
    for (const k of batch) types.type(k).pttl(k);
    const meta = (await types.exec()) ?? [];
    const values = client.pipeline();
    batch.forEach((k, j) => {
      const type = meta[2 * j]?.[1] as string;
      if (type === "string") values.getBuffer(k);
      else if (type === "hash") values.hgetallBuffer(k);
      else if (type === "list") values.lrangeBuffer(k, 0, -1);
      else if (type === "set") values.smembersBuffer(k);
      else if (type === "zset") values.zrangeBuffer(k, "0", "-1", "WITHSCORES");
      else throw new Error(`snapshotKeys: no reader for type ${type}`);
    });
    const read = (await values.exec()) ?? [];
    batch.forEach((k, j) => {
      const type = meta[2 * j]?.[1] as string;
      const raw = read[j]?.[1];
      let value: string;
      if (type === "hash") value = JSON.stringify(Object.entries(raw as Record<string, Buffer>).map(([f, v]) => [f, b64(v)]).sort());
      else if (type === "set") value = JSON.stringify((raw as Buffer[]).map(b64).sort());
      else if (Array.isArray(raw)) value = JSON.stringify(raw.map(b64));
      else value = b64(raw);
      out.set(k.toString("base64"), { type, value, pttl: meta[2 * j + 1]?.[1] as number });
    });
  }
  return out;
}

/** The stored backups: folder names with a manifest (complete), and which of them are verified. */
export function storedBackups(dir: string): { complete: string[]; verified: string[] } {
  const ids = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => !d.startsWith(".") && fs.existsSync(path.join(dir, d, "manifest.json"))) : [];
  return { complete: ids.sort(), verified: ids.filter((d) => fs.existsSync(path.join(dir, d, "verified.json"))).sort() };
}


/**
 * COUNT keys of every kind, in tenths: strings (three tenths, one more of binary names and values), hashes, sorted sets,
 * lists, sets, strings with a TTL and hashes with a TTL (a fifth of the keys expire, in 1 to 2 hours).
 */
export async function loadDataset(c: Redis, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5000) {
    const p = c.pipeline();
    for (let i = start; i < Math.min(count, start + 5000); i++) {
      const kind = i % 10;
      if (kind < 3) p.set(`str:${i}`, `value-${i}-${"x".repeat(i % 50)}`);
      // Binary names too: a newline, a NUL and a byte that is not UTF-8.
      else if (kind === 3) p.set(Buffer.from(`bin\n:${i}\u0000\u00ff`, "latin1"), crypto.randomBytes(16 + (i % 64)));
      else if (kind === 4) p.hset(`hash:${i}`, { name: `n${i}`, count: String(i), blob: crypto.randomBytes(8) });
      else if (kind === 5) p.zadd(`zset:${i}`, 1.5, "a", i, "b", -i / 3, "c");
      else if (kind === 6) p.rpush(`list:${i}`, "first", String(i), "last");
      else if (kind === 7) p.sadd(`set:${i}`, "x", "y", String(i));
      else if (kind === 8) p.set(`ttl:${i}`, `expiring-${i}`, "EX", 3600 + (i % 1000));
      else p.hset(`ttlhash:${i}`, "f", "v").pexpire(`ttlhash:${i}`, 7_200_000);
    }
    await p.exec();
  }
}

/**
 * The backup job's program (components/redis-backup/redis-backup.sh) against real redis-server processes:
 * a 100,000-key dataset backed up, flushed and restored; corrupt and unverified backups refused; runs
 * killed mid-write; retention; the outcome pushed to a real Pushgateway; a Sentinel set.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithTool, itWithTool } from "../testing";
import { BACKUP_SCRIPT_PATH } from "../redis-backup/scripts";
import { PASSWORD, type ScriptRun, TestRedis, freePort, loadDataset, runBackupScript, snapshotKeys, storedBackups, waitFor } from "./support/redis-backup";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-backup-test-"));
const servers: TestRedis[] = [];
const processes: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const p of processes) if (p.exitCode === null) p.kill("SIGKILL");
  fs.rmSync(root, { recursive: true, force: true });
}, 30_000);

async function redis(name: string, extra: string[] = []): Promise<TestRedis> {
  const r = await TestRedis.start(path.join(root, name), extra);
  servers.push(r);
  return r;
}

function envFor(r: TestRedis, store: string, extra: Record<string, string> = {}): Record<string, string> {
  fs.mkdirSync(path.join(root, "scratch"), { recursive: true });
  return { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(r.port), REDIS_PASSWORD: PASSWORD, BACKUP_DIR: store, SCRATCH_DIR: path.join(root, "scratch"), ...extra };
}

function expectCleanLogs(run: ScriptRun): void {
  expect(run.nonJsonLines, "every line on stderr is a JSON log line").toEqual([]);
}

function spawnSyncText(cmd: string, args: string[], env: Record<string, string>): string {
  return spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } }).stdout;
}

function spawnSyncStatus(cmd: string, args: string[], env: Record<string, string>): number | null {
  return spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } }).status;
}

function errorOf(run: ScriptRun): string {
  return run.logs.filter((l) => l["level"] === "error").map((l) => String(l["msg"])).join(" | ");
}

describe("backup and restore of a 100,000-key dataset", () => {
  let live: TestRedis;
  const store = path.join(root, "store-main");

  beforeAll(async () => {
    live = await redis("main");
    await loadDataset(live.client, 100_000);
  }, 60_000);

  it("backs up every key, and after a flush restores every key, type, value and TTL", async () => {
    const before = await snapshotKeys(live.client);
    expect(before.size).toBe(100_000);

    const t0 = Date.now();
    const backup = await runBackupScript(["backup"], envFor(live, store));
    const backupMs = Date.now() - t0;
    expect(backup.code, backup.stderr).toBe(0);
    expectCleanLogs(backup);
    const { complete, verified } = storedBackups(store);
    expect(complete).toHaveLength(1);
    expect(verified).toEqual(complete);
    const id = complete[0] as string;
    const manifest = JSON.parse(fs.readFileSync(path.join(store, id, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ format: 1, id, keys: 100_000, file: "dump.rdb.gz", source: { host: "127.0.0.1", port: live.port, role: "standalone" } });
    const gz = fs.readFileSync(path.join(store, id, "dump.rdb.gz"));
    expect(manifest["compressed_bytes"]).toBe(gz.length);
    expect(manifest["sha256"]).toBe(crypto.createHash("sha256").update(gz).digest("hex"));
    expect(fs.readFileSync(path.join(store, id, "SHA256SUMS"), "utf8")).toBe(`${manifest["sha256"]}  dump.rdb.gz\n`);
    expect(JSON.parse(fs.readFileSync(path.join(store, id, "verified.json"), "utf8"))).toMatchObject({ keys_loaded: 100_000, keys_expired_on_load: 0 });
    expect(backup.logs.map((l) => l["msg"])).toEqual(["taking a snapshot", "backup stored", "backup verified by a restore", "backup done"]);

    await live.client.flushall();
    expect(await live.client.dbsize()).toBe(0);
    const t1 = Date.now();
    const restore = await runBackupScript(["restore"], envFor(live, store));
    const restoreMs = Date.now() - t1;
    expect(restore.code, restore.stderr).toBe(0);
    expectCleanLogs(restore);
    expect(restore.logs.at(-1)).toMatchObject({ msg: "restore done", backup: id, keys_restored: 100_000, live_dbsize: 100_000 });

    const after = await snapshotKeys(live.client);
    expect(after.size).toBe(before.size);
    const elapsed = Date.now() - t0 + 2000;
    let withTtl = 0;
    for (const [key, b] of before) {
      const a = after.get(key);
      expect(a, `key ${Buffer.from(key, "base64").toString()} is back`).toBeDefined();
      expect(a?.type, `key ${Buffer.from(key, "base64").toString()} has its type`).toBe(b.type);
      expect(a?.value === b.value, `key ${Buffer.from(key, "base64").toString()} has its value`).toBe(true);
      if (b.pttl === -1) {
        expect(a?.pttl).toBe(-1);
      } else {
        withTtl++;
        expect(a?.pttl).toBeLessThanOrEqual(b.pttl);
        expect(a?.pttl).toBeGreaterThan(b.pttl - elapsed);
      }
    }
    expect(withTtl).toBe(20_000);
    console.log(`redis-backup: 100,000 keys, backup+verify ${(backupMs / 1000).toFixed(1)} s (${gz.length} bytes gzipped), restore ${(restoreMs / 1000).toFixed(1)} s`);
  }, 180_000);

  it("lists the backups, newest first, with their state", async () => {
    const run = await runBackupScript(["list"], envFor(live, store));
    expect(run.code).toBe(0);
    const [header, row] = run.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+STATE\s+KEYS\s+BYTES\s+SOURCE$/);
    expect(row).toMatch(/^\d{8}T\d{6}Z\s+verified\s+100000\s+\d+\s+standalone$/);
  });
});

describe("bad backups are refused before anything live is touched", () => {
  let live: TestRedis;
  const store = path.join(root, "store-bad");
  let good: string;

  /** A copy of the good backup under another id, changed by EDIT. */
  function copyAs(id: string, edit: (dir: string) => void): string {
    const dir = path.join(store, id);
    fs.cpSync(path.join(store, good), dir, { recursive: true });
    edit(dir);
    return id;
  }

  beforeAll(async () => {
    live = await redis("bad");
    for (let i = 0; i < 500; i++) await live.client.set(`k${i}`, `v${i}`);
    const run = await runBackupScript(["backup"], envFor(live, store));
    expect(run.code, run.stderr).toBe(0);
    good = storedBackups(store).complete[0] as string;
    await live.client.set("written-after-the-backup", "must survive a refused restore");
  }, 60_000);

  it.each([
    ["a flipped byte in the snapshot", "20300101T000001Z", (dir: string) => {
      const f = path.join(dir, "dump.rdb.gz");
      const b = fs.readFileSync(f);
      const at = Math.floor(b.length / 2);
      b[at] = (b[at] ?? 0) ^ 0xff;
      fs.writeFileSync(f, b);
    }, /does not match its checksum: it is corrupt/],
    ["a wrong checksum", "20300101T000002Z", (dir: string) => fs.writeFileSync(path.join(dir, "SHA256SUMS"), `${"0".repeat(64)}  dump.rdb.gz\n`), /does not match its checksum/],
    ["a corrupt snapshot with a matching checksum", "20300101T000003Z", (dir: string) => {
      const rdb = execFileSync("gzip", ["-dc", path.join(dir, "dump.rdb.gz")]);
      const at = Math.floor(rdb.length / 2);
      rdb[at] = (rdb[at] ?? 0) ^ 0xff;
      fs.writeFileSync(path.join(dir, "dump.rdb.gz"), execFileSync("gzip", ["-c"], { input: rdb }));
      execFileSync("bash", ["-c", "sha256sum dump.rdb.gz > SHA256SUMS"], { cwd: dir });
    }, /does not load: refusing to restore it/],
    ["a backup never verified", "20300101T000004Z", (dir: string) => fs.rmSync(path.join(dir, "verified.json")), /was never verified: refusing to restore it/],
  ])("%s", async (_name, id, edit, message) => {
    copyAs(id, edit);
    const sizeBefore = await live.client.dbsize();
    const run = await runBackupScript(["restore", id], envFor(live, store));
    expect(run.code).toBe(1);
    expectCleanLogs(run);
    expect(errorOf(run)).toMatch(message);
    expect(await live.client.dbsize()).toBe(sizeBefore);
    expect(await live.client.get("written-after-the-backup")).toBe("must survive a refused restore");
  }, 30_000);

  it("verify finds the same faults: checksum and load", async () => {
    const checksum = await runBackupScript(["verify", "20300101T000001Z"], envFor(live, store));
    expect(checksum.code).toBe(1);
    expect(errorOf(checksum)).toMatch(/checksum mismatch/);
    const load = await runBackupScript(["verify", "20300101T000003Z"], envFor(live, store));
    expect(load.code).toBe(1);
    expect(errorOf(load)).toMatch(/refused the snapshot/);
    const ok = await runBackupScript(["verify", good], envFor(live, store));
    expect(ok.code, ok.stderr).toBe(0);
  }, 30_000);

  it("a dead Redis and a wrong password: a clear error, nothing stored", async () => {
    const before = storedBackups(store).complete;
    const dead = await runBackupScript(["backup"], { ...envFor(live, store), REDIS_PORT: String(await freePort()) });
    expect(dead.code).toBe(1);
    expectCleanLogs(dead);
    expect(errorOf(dead)).toMatch(/cannot reach Redis at 127\.0\.0\.1:\d+ \(or the password is wrong\)/);
    const wrong = await runBackupScript(["backup"], { ...envFor(live, store), REDIS_PASSWORD: "not-the-password" });
    expect(wrong.code).toBe(1);
    expect(errorOf(wrong)).toMatch(/password/);
    expect(storedBackups(store).complete).toEqual(before);
  }, 30_000);
});

describe("a run killed part-way never leaves a backup that looks complete or verified", () => {
  let live: TestRedis;
  const store = path.join(root, "store-kill");
  const shims = path.join(root, "shims");
  let first: string;

  beforeAll(async () => {
    live = await redis("kill");
    for (let i = 0; i < 2000; i++) await live.client.set(`k${i}`, `v${i}`);
    const run = await runBackupScript(["backup"], envFor(live, store));
    expect(run.code, run.stderr).toBe(0);
    first = storedBackups(store).complete[0] as string;
    fs.mkdirSync(shims, { recursive: true });
  }, 60_000);

  /** Runs a backup with SHIM (a command name) replaced by a script that signals and hangs; kills it there. */
  async function killedAt(shim: string, body: string): Promise<void> {
    const dir = path.join(shims, shim);
    fs.mkdirSync(dir, { recursive: true });
    const flag = path.join(dir, "reached");
    fs.writeFileSync(path.join(dir, shim), `#!/bin/bash\n${body.replaceAll("$FLAG", flag)}\n`, { mode: 0o755 });
    await new Promise((r) => setTimeout(r, 1100)); // a new second: a new backup id
    let child: ChildProcess | undefined;
    const run = runBackupScript(["backup"], { ...envFor(live, store), PATH: `${dir}:${process.env["PATH"]}` }, { detached: true, onSpawn: (c) => (child = c) });
    await waitFor(`the backup to reach ${shim}`, 30_000, () => (fs.existsSync(flag) ? true : undefined), 20);
    process.kill(-(child?.pid as number), "SIGKILL");
    await run;
  }

  it("killed while writing: the staged files are not a backup, and restore still takes the last verified one", async () => {
    await killedAt("sync", 'touch "$FLAG"; sleep 60');
    expect(storedBackups(store)).toEqual({ complete: [first], verified: [first] });
    expect(fs.readdirSync(path.join(store, ".incomplete"))).toHaveLength(1);
  }, 60_000);

  it("killed while verifying: the backup is complete but not verified, and is never restored as good", async () => {
    const real = execFileSync("bash", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
    await killedAt("redis-server", `case "$*" in *--unixsocket*) touch "$FLAG"; sleep 60 ;; esac\nexec ${real} "$@"`);
    const { complete, verified } = storedBackups(store);
    expect(complete).toHaveLength(2);
    expect(verified).toEqual([first]);
    const restore = await runBackupScript(["restore"], envFor(live, store));
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.logs.at(-1)).toMatchObject({ msg: "restore done", backup: first });
  }, 60_000);
});

describe("retention", () => {
  const store = path.join(root, "store-retention");
  // A fixed clock: Sunday 2026-03-15 12:00 UTC (ISO week 11).
  const now = Date.UTC(2026, 2, 15, 12) / 1000;
  const ids = [
    "20260315T110000Z", "20260315T100000Z", "20260315T090000Z", "20260315T080000Z",
    "20260314T230000Z", "20260314T050000Z", "20260313T120000Z", "20260310T120000Z", "20260309T120000Z",
    "20260308T120000Z", "20260303T120000Z", "20260301T120000Z", "20260220T120000Z", "20260210T120000Z",
    "20260105T120000Z",
  ];

  beforeAll(() => {
    for (const id of ids) {
      fs.mkdirSync(path.join(store, id), { recursive: true });
      fs.writeFileSync(path.join(store, id, "manifest.json"), JSON.stringify({ format: 1, id, keys: 1, compressed_bytes: 10 }));
    }
    // Verification has failed for weeks: the only verified backup is the oldest.
    fs.writeFileSync(path.join(store, "20260105T120000Z", "verified.json"), JSON.stringify({ verified_at_seconds: now - 69 * 86400 }));
    for (const [name, hoursAgo] of [["old-run", 2], ["running", 0]] as const) {
      const dir = path.join(store, ".incomplete", name);
      fs.mkdirSync(dir, { recursive: true });
      const t = new Date(Date.now() - hoursAgo * 3600_000);
      fs.utimesSync(dir, t, t);
    }
  });

  it("keeps the last 3, the newest of each of 7 days and of 4 weeks, and the newest verified backup however old", async () => {
    const env = { BACKUP_DIR: store, SCRATCH_DIR: path.join(root, "scratch"), RETAIN_LAST: "3", RETAIN_DAILY_DAYS: "7", RETAIN_WEEKLY_WEEKS: "4", RETENTION_NOW: String(now) };
    const run = await runBackupScript(["prune"], env);
    expect(run.code, run.stderr).toBe(0);
    expectCleanLogs(run);
    expect(storedBackups(store).complete.reverse()).toEqual([
      "20260315T110000Z", "20260315T100000Z", "20260315T090000Z", // the last 3
      "20260314T230000Z", "20260313T120000Z", "20260310T120000Z", "20260309T120000Z", // newest of each day within 7 days
      "20260308T120000Z", "20260301T120000Z", "20260220T120000Z", // newest of ISO weeks 10, 9 and 8 (within 4 weeks)
      "20260105T120000Z", // the newest verified
    ]);
    expect(run.logs.at(-1)).toMatchObject({ msg: "retention applied", deleted: "20260315T080000Z 20260314T050000Z 20260303T120000Z 20260210T120000Z ", kept: 11 });
    expect(fs.readdirSync(path.join(store, ".incomplete"))).toEqual(["running"]);
    const again = await runBackupScript(["prune"], env);
    expect(again.logs.at(-1)).toMatchObject({ deleted: "none", kept: 11 });
  });
});

itWithTool("pushgateway", "reports its outcome to a real Pushgateway, after a success and after a failure", async (pushgateway) => {
  const live = await redis("report");
  for (let i = 0; i < 300; i++) await live.client.set(`k${i}`, `v${i}`);
  const port = await freePort();
  const pg = spawn(pushgateway, [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  processes.push(pg);
  const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  await waitFor("the Pushgateway", 15_000, async () => ((await metrics().catch(() => "")) ? true : undefined));
  const store = path.join(root, "store-report");
  const env = { ...envFor(live, store), PUSHGATEWAY_URL: `http://127.0.0.1:${port}`, BACKUP_NAMESPACE: "notes", BACKUP_REDIS: "notes-redis" };
  const group = 'job="redis-backup",namespace="notes",redis="notes-redis"';
  const read = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*${group.replaceAll('"', '\\"')}[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]);

  const ok = await runBackupScript(["backup"], env);
  expect(ok.code, ok.stderr).toBe(0);
  const afterSuccess = await metrics();
  expect(read(afterSuccess, "redis_backup_last_run_success")).toBe(1);
  expect(read(afterSuccess, "redis_backup_keys")).toBe(300);
  const verifiedAt = read(afterSuccess, "redis_backup_last_verified_timestamp_seconds");
  expect(Math.abs(verifiedAt - Date.now() / 1000)).toBeLessThan(60);
  expect(read(afterSuccess, "redis_backup_last_success_timestamp_seconds")).toBeLessThanOrEqual(verifiedAt);
  expect(read(afterSuccess, "redis_backup_size_bytes")).toBeGreaterThan(0);
  expect(read(afterSuccess, "redis_backup_duration_seconds")).toBeGreaterThanOrEqual(0);

  await live.stop();
  const failed = await runBackupScript(["backup"], env);
  expect(failed.code).toBe(1);
  expect(errorOf(failed)).toMatch(/cannot reach Redis/);
  const afterFailure = await metrics();
  expect(read(afterFailure, "redis_backup_last_run_success")).toBe(0);
  // The newest verified backup is still the one before: the report says so, from the store.
  expect(read(afterFailure, "redis_backup_last_verified_timestamp_seconds")).toBe(verifiedAt);
}, 90_000);

describeWithTool("s5cmd", "the S3 target, against a real S3 server", (s5cmd) => {
  const bucket = "backups";
  let live: TestRedis;
  let env: Record<string, string>;
  const creds = { AWS_ACCESS_KEY_ID: "backup-test-key", AWS_SECRET_ACCESS_KEY: "backup-test-secret-123" };
  const objects = (prefix: string): string[] => {
    const out = spawnSyncText(s5cmd, ["--endpoint-url", env["S3_ENDPOINT"] as string, "ls", `s3://${bucket}/${prefix}*`], creds);
    return out.split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/).pop() as string).sort();
  };

  itWithTool("versitygw", "backs up to S3 and restores from it; an upload killed before its manifest is no backup; a corrupt object is refused", async (versitygw) => {
    const port = await freePort();
    const s3root = path.join(root, "s3root");
    fs.mkdirSync(s3root, { recursive: true });
    const gw = spawn(versitygw, ["--access", creds.AWS_ACCESS_KEY_ID, "--secret", creds.AWS_SECRET_ACCESS_KEY, "--port", `127.0.0.1:${port}`, "posix", s3root], { stdio: "ignore" });
    processes.push(gw);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor("versitygw", 15_000, () => (spawnSyncStatus(s5cmd, ["--endpoint-url", endpoint, "mb", `s3://${bucket}`], creds) === 0 ? true : undefined));
    live = await redis("s3");
    for (let i = 0; i < 2000; i++) await live.client.set(`k${i}`, `v${i}`, "EX", 3600);
    env = { ...envFor(live, path.join(root, "unused")), ...creds, BACKUP_TARGET: "s3", S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_PREFIX: "notes/redis", PATH: `${path.dirname(s5cmd)}:${process.env["PATH"]}` };

    const backup = await runBackupScript(["backup"], env);
    expect(backup.code, backup.stderr).toBe(0);
    expectCleanLogs(backup);
    const id = backup.logs.at(-1)?.["backup"] as string;
    expect(objects("notes/redis/")).toEqual([`${id}/SHA256SUMS`, `${id}/dump.rdb.gz`, `${id}/manifest.json`, `${id}/verified.json`]);

    // Killed while uploading, before the manifest: the objects it left are not a backup.
    const shimDir = path.join(root, "s3-shim");
    fs.mkdirSync(shimDir, { recursive: true });
    const flag = path.join(shimDir, "reached");
    // The shim writes its pid: the script runs s5cmd under timeout(1), which has a process group of its own.
    fs.writeFileSync(path.join(shimDir, "s5cmd"), `#!/bin/bash\ncase "$*" in *" cp "*manifest.json*) echo $$ > ${flag}; sleep 60 >/dev/null 2>&1 ;; esac\nexec ${s5cmd} "$@"\n`, { mode: 0o755 });
    await new Promise((r) => setTimeout(r, 1100));
    let child: ChildProcess | undefined;
    const killed = runBackupScript(["backup"], { ...env, PATH: `${shimDir}:${env["PATH"]}` }, { detached: true, onSpawn: (c) => (child = c) });
    const shimPid = await waitFor("the upload to reach the manifest", 30_000, () => (fs.existsSync(flag) && fs.readFileSync(flag, "utf8").trim() ? Number(fs.readFileSync(flag, "utf8")) : undefined), 20);
    process.kill(-(child?.pid as number), "SIGKILL");
    process.kill(shimPid, "SIGKILL");
    await killed;
    const list = await runBackupScript(["list"], env);
    expect(list.stdout.trim().split("\n").slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([[id, "verified"]]);

    // A stored object changed behind the job's back: refused before anything live is touched.
    await live.client.flushall();
    await live.client.set("live", "kept");
    const corrupt = path.join(root, "corrupt.gz");
    fs.writeFileSync(corrupt, Buffer.from("not the snapshot"));
    expect(spawnSyncStatus(s5cmd, ["--endpoint-url", endpoint, "cp", corrupt, `s3://${bucket}/notes/redis/${id}/dump.rdb.gz`], creds)).toBe(0);
    const refused = await runBackupScript(["restore"], env);
    expect(refused.code).toBe(1);
    expect(errorOf(refused)).toMatch(/does not match its checksum: it is corrupt/);
    expect(await live.client.dbsize()).toBe(1);

    // Put it back from a fresh backup, and restore that one: every key and its TTL.
    await live.client.flushall();
    for (let i = 0; i < 2000; i++) await live.client.set(`k${i}`, `v${i}`, "EX", 3600);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await runBackupScript(["backup"], env);
    expect(second.code, second.stderr).toBe(0);
    await live.client.flushall();
    const restore = await runBackupScript(["restore"], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.logs.at(-1)).toMatchObject({ msg: "restore done", backup: second.logs.at(-1)?.["backup"], keys_restored: 2000 });
    expect(await live.client.get("k1999")).toBe("v1999");
    expect(await live.client.ttl("k1999")).toBeGreaterThan(3500);

    const wrongKey = await runBackupScript(["list"], { ...env, AWS_SECRET_ACCESS_KEY: "wrong" });
    expect(wrongKey.code).toBe(1);
    expect(errorOf(wrongKey)).toMatch(/cannot list bucket backups at http:\/\/127\.0\.0\.1:\d+/);
  }, 120_000);
});

describe("a Sentinel set", () => {
  it("takes the snapshot from an in-sync replica and restores into the master, whose replica resyncs", async () => {
    const master = await redis("sentinel-master");
    const replica = await redis("sentinel-replica");
    await replica.client.replicaof("127.0.0.1", master.port);
    for (let i = 0; i < 1000; i++) await master.client.set(`k${i}`, `v${i}`);
    const sentinelPort = await freePort();
    const sentinelDir = path.join(root, "sentinel");
    fs.mkdirSync(sentinelDir, { recursive: true });
    fs.writeFileSync(
      path.join(sentinelDir, "sentinel.conf"),
      `port ${sentinelPort}\nbind 127.0.0.1\ndir ${sentinelDir}\nsentinel monitor main 127.0.0.1 ${master.port} 1\nsentinel auth-pass main ${PASSWORD}\n`,
    );
    const sentinel = spawn("redis-server", [path.join(sentinelDir, "sentinel.conf"), "--sentinel"], { stdio: "ignore" });
    processes.push(sentinel);
    const replicas = () => execFileSync("redis-cli", ["-p", String(sentinelPort), "SENTINEL", "replicas", "main"], { encoding: "utf8" });
    await waitFor("Sentinel to see the replica in sync", 30_000, () => {
      try {
        const r = replicas();
        return r.includes(String(replica.port)) && /master-link-status\nok/.test(r) ? true : undefined;
      } catch {
        return undefined;
      }
    });
    await waitFor("the replica to hold every key", 10_000, async () => ((await replica.client.dbsize()) === 1000 ? true : undefined));
    const store = path.join(root, "store-sentinel");
    const env = { SENTINEL_HOSTS: `127.0.0.1:${sentinelPort}`, SENTINEL_MASTER: "main", REDIS_PASSWORD: PASSWORD, BACKUP_DIR: store, SCRATCH_DIR: path.join(root, "scratch") };
    const backup = await runBackupScript(["backup"], env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.logs[0]).toMatchObject({ msg: "taking a snapshot", role: "replica", port: replica.port, dbsize: 1000 });

    await master.client.flushall();
    const restore = await runBackupScript(["restore"], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.logs.at(-1)).toMatchObject({ msg: "restore done", port: master.port, keys_restored: 1000 });
    await waitFor("the replica to resync", 10_000, async () => ((await replica.client.dbsize()) === 1000 ? true : undefined));
    expect(await replica.client.get("k999")).toBe("v999");
  }, 90_000);
});

it("passes shellcheck", () => {
  const shellcheck = execFileSync("bash", ["-c", "command -v shellcheck || true"], { encoding: "utf8" }).trim();
  if (!shellcheck) {
    console.log("skipped: shellcheck is not installed (apt-get install shellcheck)");
    return;
  }
  expect(execFileSync(shellcheck, [BACKUP_SCRIPT_PATH], { encoding: "utf8" })).toBe("");
});

/**
 * Backup figures against a real redis-server: backup + verify time, restore time and backup size against the
 * dataset's memory, for 100,000 and 1,000,000 keys of every kind (the tests' dataset).
 *
 *   npm run bench -w components [-- 100000 1000000]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TestRedis, loadDataset, runBackupScript } from "../test/support/redis-backup";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const counts = sizes.length > 0 ? sizes : [100_000, 1_000_000];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function measure(count: number): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-backup-bench-"));
  const redis = await TestRedis.start(path.join(root, "redis"));
  try {
    await loadDataset(redis.client, count);
    const info = await redis.client.info("memory");
    const used = Number(/^used_memory_dataset:(\d+)/m.exec(info)?.[1]);
    const env = { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: "backup-test-password", BACKUP_DIR: path.join(root, "store"), SCRATCH_DIR: path.join(root, "scratch") };
    fs.mkdirSync(env.SCRATCH_DIR);
    let t = performance.now();
    const backup = await runBackupScript(["backup"], env);
    const backupSeconds = (performance.now() - t) / 1000;
    if (backup.code !== 0) throw new Error(`backup failed: ${backup.stderr}`);
    const stored = backup.logs.find((l) => l["msg"] === "backup stored") ?? {};
    await redis.client.flushall();
    t = performance.now();
    const restore = await runBackupScript(["restore"], env);
    const restoreSeconds = (performance.now() - t) / 1000;
    if (restore.code !== 0) throw new Error(`restore failed: ${restore.stderr}`);
    const back = await redis.client.dbsize();
    if (back !== count) throw new Error(`restore brought back ${back} keys of ${count}`);
    const gz = Number(stored["compressed_bytes"]);
    return `| ${count.toLocaleString("en")} | ${mib(used)} | ${mib(Number(stored["rdb_bytes"]))} | ${mib(gz)} (${((100 * gz) / used).toFixed(0)} % of the dataset) | ${backupSeconds.toFixed(1)} s | ${restoreSeconds.toFixed(1)} s |`;
  } finally {
    await redis.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`redis-backup.sh on ${os.cpus().length} cores, redis-server on loopback (backup: snapshot, gzip, SHA-256, store, verify by a load; restore: checksum, load, MIGRATE)\n`);
  console.log("| keys | dataset in memory (used_memory_dataset) | snapshot (RDB) | stored (gzip) | backup + verify | restore |");
  console.log("|---|---|---|---|---|---|");
  for (const count of counts) console.log(await measure(count));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

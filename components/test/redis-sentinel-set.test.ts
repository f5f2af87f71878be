/**
 * Three Redis + Sentinel "pods" run from the pods' own scripts against real redis-server processes:
 * first boot, a full restart with pod 0's data older or lost (no acknowledged write may be lost),
 * and the preStop hand-over of a master.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { PodRegistry, type ScriptPod, sentinelSet, waitFor } from "./support/script-pods";

const registry = new PodRegistry();
afterAll(() => registry.cleanup());

/** Dumps the pods' logs when a test fails: these tests are about what the scripts decided. */
function showLogsOnFailure(pods: ScriptPod[]): void {
  onTestFailed(() => {
    for (const p of pods) console.error(p.logs());
  });
}

function linkedReplicas(p: ScriptPod): number {
  try {
    const info = p.info("replication");
    return info["role"] === "master" ? Number(info["connected_slaves"] ?? 0) : -1;
  } catch {
    return -1;
  }
}

function inSync(p: ScriptPod, master: ScriptPod): boolean {
  try {
    const info = p.info("replication");
    return info["role"] === "slave" && info["master_host"] === master.host && info["master_link_status"] === "up";
  } catch {
    return false;
  }
}

/** The kubelet's readiness probe, until it passes (it also records that the volume holds the set's data). */
async function ready(p: ScriptPod): Promise<void> {
  await waitFor(`${p.host} ready`, 30_000, async () => ((await p.run("probe.sh", "ready")).code === 0 ? true : undefined));
}

/** Whether the pod's Sentinel monitors `master` and knows every other pod's Redis and Sentinel. */
function sentinelKnowsAll(p: ScriptPod, master: ScriptPod, size: number): boolean {
  try {
    const fields = p.sentinel("sentinel", "master", "main").split("\n");
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    return field("ip") === master.host && field("num-slaves") === String(size - 1) && field("num-other-sentinels") === String(size - 1);
  } catch {
    return false;
  }
}

/**
 * Starts every pod at once (podManagementPolicy: Parallel) and waits until the set is healthy: one master,
 * every other pod in sync and ready, and every Sentinel aware of all of them (it learns of replicas from
 * the master's INFO every 10 s, and can only promote replicas it knows).
 */
async function startAll(pods: ScriptPod[], timeoutMs: number): Promise<ScriptPod> {
  for (const p of pods) p.start();
  const master = await waitFor("one master with every other pod in sync", timeoutMs, () => pods.find((p) => linkedReplicas(p) === pods.length - 1));
  for (const p of pods) await ready(p);
  await waitFor("every Sentinel to know the whole set", 30_000, () => (pods.every((p) => sentinelKnowsAll(p, master, pods.length)) ? true : undefined));
  return master;
}

/** A new set of three pods, started and healthy; their logs are shown if the test fails. */
async function healthySet(): Promise<{ pods: ScriptPod[]; master: ScriptPod }> {
  const pods = await sentinelSet(registry, 3);
  showLogsOnFailure(pods);
  return { pods, master: await startAll(pods, 45_000) };
}

/** Writes n keys through the master; returns those Redis acknowledged (OK), with their values. */
function write(master: ScriptPod, prefix: string, n: number): Map<string, string> {
  const acked = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const key = `${prefix}:${i}`;
    const value = `${prefix}-value-${i}-${Date.now()}`;
    if (master.redis("set", key, value) === "OK") acked.set(key, value);
  }
  return acked;
}

function missing(p: ScriptPod, acked: Map<string, string>): string[] {
  return [...acked].filter(([k, v]) => p.redis("get", k) !== v).map(([k]) => k);
}

describe("a Sentinel set run from the pods' scripts", () => {
  it("first boot: pod 0 bootstraps as master, the others replicate it, every volume is marked as the set's", async () => {
    const { pods, master } = await healthySet();
    expect(master.host).toBe(pods[0]?.host);
    for (const p of pods) expect(fs.existsSync(path.join(p.dataDir, "set-member"))).toBe(true);
    // Sentinel's state is on the data volume, where it survives a restart of the pod.
    expect(fs.readFileSync(path.join(pods[1]!.dataDir, "sentinel", "sentinel.conf"), "utf8")).toMatch(/^sentinel monitor main 127\.0\.0\.2 /m);
    await Promise.all(pods.map((p) => p.stop()));
  }, 90_000);

  it("full restart with pod 0's data older than the others': pod 0 follows the newest master and nothing acknowledged is lost", async () => {
    const { pods } = await healthySet();
    const [pod0, pod1, pod2] = pods as [ScriptPod, ScriptPod, ScriptPod];
    const before = write(pod0, "before", 50);
    expect(pod0.redis("wait", "2", "5000")).toBe("2");

    // Pod 0 dies; the Sentinels of pods 1 and 2 promote one of them, which takes more writes.
    await pod0.stop("SIGKILL");
    const promoted = await waitFor("a failover to pod 1 or 2", 45_000, () => [pod1, pod2].find((p) => linkedReplicas(p) === 1));
    const after = write(promoted, "after", 50);
    expect(after.size).toBe(50);
    expect(promoted.redis("wait", "1", "5000")).toBe("1");

    // Every pod stops, then all start at once: pod 0's data (and its Sentinel's view) are older.
    await Promise.all([pod1.stop(), pod2.stop()]);
    const master = await startAll(pods, 60_000);
    expect(master.host).not.toBe(pod0.host);
    expect(missing(master, before)).toEqual([]);
    expect(missing(master, after)).toEqual([]);
    await waitFor("pod 0 in sync with the master", 30_000, () => (inSync(pod0, master) ? true : undefined));
    expect(missing(pod0, before)).toEqual([]);
    expect(missing(pod0, after)).toEqual([]);
    await Promise.all(pods.map((p) => p.stop()));
  }, 180_000);

  it("full restart with pod 0's volume lost: the empty pod never becomes master and nothing acknowledged is lost", async () => {
    const { pods } = await healthySet();
    const [pod0] = pods as [ScriptPod, ScriptPod, ScriptPod];
    const acked = write(pod0, "note", 100);
    expect(acked.size).toBe(100);
    expect(pod0.redis("wait", "2", "5000")).toBe("2");

    await Promise.all(pods.map((p) => p.stop()));
    fs.rmSync(pod0.dataDir, { recursive: true });
    fs.mkdirSync(pod0.dataDir);

    // The Sentinels remember pod 0 as master; it must hand the role to a pod that holds the data.
    const master = await startAll(pods, 120_000);
    expect(master.host).not.toBe(pod0.host);
    expect(missing(master, acked)).toEqual([]);
    expect(missing(pod0, acked)).toEqual([]);
    await Promise.all(pods.map((p) => p.stop()));
  }, 180_000);

  it("full restart with pod 0's volume lost, pod 0 deciding before any Sentinel is back: it makes a data holder promotable, nothing is lost", async () => {
    const { pods } = await healthySet();
    const [pod0, pod1, pod2] = pods as [ScriptPod, ScriptPod, ScriptPod];
    const acked = write(pod0, "note", 100);
    expect(pod0.redis("wait", "2", "5000")).toBe("2");
    await Promise.all(pods.map((p) => p.stop()));
    fs.rmSync(pod0.dataDir, { recursive: true });
    fs.mkdirSync(pod0.dataDir);

    // The data holders come back and follow pod 0 (their Sentinels remember it as master); then their Sentinels
    // go away again, so pod 0 decides with no quorum of Sentinels to ask, as it can when they are slow to start.
    pod1.start();
    pod2.start();
    await waitFor("the holders' Redis", 30_000, () => (pod1.role() === "slave" && pod2.role() === "slave" ? true : undefined));
    await Promise.all([pod1.stop("SIGKILL", ["sentinel"]), pod2.stop("SIGKILL", ["sentinel"])]);
    pod0.start(["redis"]);
    await waitFor("pod 0 to follow a holder", 30_000, () => (pod0.role() === "slave" ? true : undefined));
    expect(fs.readFileSync(path.join(pod0.dir, "redis.log"), "utf8")).toMatch(/making 127\.0\.0\.[34] promotable/);
    for (const p of pods) p.start(["sentinel"]);
    const master = await waitFor("one master with every other pod in sync", 120_000, () => pods.find((p) => linkedReplicas(p) === 2));
    expect(master.host).not.toBe(pod0.host);
    expect(missing(master, acked)).toEqual([]);
    await waitFor("pod 0 in sync", 30_000, () => (inSync(pod0, master) ? true : undefined));
    expect(missing(pod0, acked)).toEqual([]);
    await Promise.all(pods.map((p) => p.stop()));
  }, 240_000);

  it("preStop of the master: a Sentinel of another pod fails over and the hook returns once this Redis is demoted", async () => {
    const { pods } = await healthySet();
    const [pod0, pod1, pod2] = pods as [ScriptPod, ScriptPod, ScriptPod];
    const started = Date.now();
    const hook = await pod0.run("prestop.sh");
    expect(hook.code).toBe(0);
    expect(hook.output).toMatch(/demoted/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(pod0.role()).toBe("slave");
    const promoted = await waitFor("the new master", 10_000, () => [pod1, pod2].find((p) => p.role() === "master"));
    await waitFor("a replica linked to the new master", 20_000, () => (linkedReplicas(promoted) >= 1 ? true : undefined));
    expect(promoted.redis("set", "after-handover", "1")).toBe("OK");
    // On a replica the hook does nothing.
    expect((await pod1.run("prestop.sh")).code).toBe(0);
    await Promise.all(pods.map((p) => p.stop()));
  }, 120_000);
});

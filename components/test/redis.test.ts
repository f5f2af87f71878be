import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { AppendFsync, Redis, RedisMode, resolveRedisArgs } from "../redis";
import { MOCK_PASSWORD, byType, one, resetRegistered, secretValue, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

describe("resolveRedisArgs", () => {
  it("defaults to one standalone pod with AOF everysec and noeviction", () => {
    expect(resolveRedisArgs("redis", {})).toMatchObject({ mode: "standalone", replicas: 1, appendFsync: "everysec", evictionPolicy: "noeviction", maxMemoryMb: 100 });
    expect(resolveRedisArgs("redis", { mode: RedisMode.Sentinel })).toMatchObject({ replicas: 3, quorum: 2 });
  });
  it.each([
    ["standalone has replicas", { replicas: 2 }, /argument "replicas" is 2; must be 1 in standalone mode/],
    ["sentinel below quorum", { mode: RedisMode.Sentinel, replicas: 2 }, /argument "replicas" is 2; use an integer from 3 to 9/],
    ["no headroom", { maxMemoryMb: 200, memoryLimit: "200Mi" }, /argument "memoryLimit" is "200Mi"; must be at least 334Mi for maxMemoryMb 200 \(maxmemory at most 60% of the limit/],
    ["maxmemory above 60% of the limit", { maxMemoryMb: 768, memoryLimit: "1Gi" }, /"memoryLimit" is "1Gi"; must be at least 1280Mi for maxMemoryMb 768/],
    ["unknown eviction policy", { evictionPolicy: "lru" }, /argument "evictionPolicy" is "lru"; use one of noeviction, allkeys-lru/],
    ["unpinned image", { image: "redis" }, /argument "image" is "redis"; pin a tag or digest/],
    ["bad fsync", { appendFsync: "sometimes" as AppendFsync }, /argument "appendFsync" is "sometimes"/],
  ])("throws if %s", (_n, args, msg) => {
    expect(() => resolveRedisArgs("redis", args)).toThrow(msg);
  });
});

describe("Redis", () => {
  it("standalone: StatefulSet with AOF on a PVC, password Secret, exporter sidecar, NetworkPolicy", async () => {
    const redis = new Redis("redis", {
      namespace: "notes",
      appendFsync: AppendFsync.Always,
      clients: [{ podLabels: { "app.kubernetes.io/name": "notes" } }],
    });
    expect(await value(redis.host)).toBe("redis-client-mock.notes.svc");
    expect(await value(redis.url)).toBe("redis://redis-client-mock.notes.svc:6379/0");
    expect(await value(redis.sentinels)).toBe("");
    await settle();

    // The password is generated, kept secret in the outputs, and only reaches pods via secretKeyRef.
    expect(await pulumi.isSecret(redis.password)).toBe(true);
    expect(one("random:index/randomPassword:RandomPassword").inputs).toMatchObject({ length: 32, special: false });
    const secret = one("kubernetes:core/v1:Secret").inputs;
    expect(secretValue(secret.stringData)).toEqual({ "redis-password": MOCK_PASSWORD }); // stays a Pulumi secret

    const sts = one("kubernetes:apps/v1:StatefulSet").inputs;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe("redis-headless-mock");
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("1Gi");
    const pod = sts.spec.template.spec;
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["redis", "exporter"]);
    const [redisC, exporter] = pod.containers;
    expect(redisC.image).toBe("redis:8.8.0");
    expect(exporter.image).toMatch(/^oliver006\/redis_exporter:v[0-9.]+$/);
    expect(redisC.env).toContainEqual({ name: "REDIS_APPENDFSYNC", value: "always" });
    expect(redisC.env).toContainEqual({ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-password-mock", key: "redis-password" } } });
    expect(JSON.stringify(sts)).not.toContain(MOCK_PASSWORD);
    expect(redisC.securityContext).toMatchObject({ runAsUser: 999, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(exporter.securityContext).toMatchObject({ runAsUser: 59000, readOnlyRootFilesystem: true });
    expect(redisC.resources.limits.memory).toBe("192Mi");
    expect(pod.affinity).toBeUndefined();

    const scripts = one("kubernetes:core/v1:ConfigMap").inputs.data;
    expect(scripts["redis.sh"]).toContain("appendonly yes");
    expect(scripts["redis.sh"]).toContain('echo "appendfsync $REDIS_APPENDFSYNC"');
    expect(JSON.stringify(scripts)).not.toContain(MOCK_PASSWORD);

    const headless = one("kubernetes:core/v1:Service", "redis-headless").inputs.spec;
    const client = one("kubernetes:core/v1:Service", "redis-client").inputs.spec;
    expect(headless.clusterIP).toBe("None");
    expect(client.ports).toEqual([{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }]);
    expect(byType("kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);

    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.policyTypes).toEqual(["Ingress"]);
    // The client-label rule: pods carrying redis.clientLabels are admitted, then the explicit clients.
    expect(redis.clientLabels).toEqual({ "client.node-service-platform/redis": "true" });
    expect(np.ingress[1]).toEqual({ from: [{ podSelector: { matchLabels: redis.clientLabels } }], ports: [{ protocol: "TCP", port: 6379 }] });
    expect(np.ingress[2]).toEqual({ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "notes" } } }], ports: [{ protocol: "TCP", port: 6379 }] });
    expect(np.ingress[3].ports).toEqual([{ protocol: "TCP", port: 9121 }]);
  });

  it("sentinel: a Sentinel beside each Redis, PDB, anti-affinity, sentinel addresses for clients", async () => {
    const redis = new Redis("ha", { namespace: "notes", mode: RedisMode.Sentinel, replicas: 3, masterName: "main" });
    expect(await value(redis.sentinels)).toBe(
      ["ha-0", "ha-1", "ha-2"].map((p) => `${p}.ha-headless-mock.notes.svc:26379`).join(","),
    );
    expect(await value(redis.masterName)).toBe("main");
    await settle();
    const sts = one("kubernetes:apps/v1:StatefulSet").inputs;
    expect(sts.metadata.name).toBe("ha");
    expect(sts.spec.replicas).toBe(3);
    const pod = sts.spec.template.spec;
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(["redis", "sentinel", "exporter", "sentinel-exporter"]);
    expect(pod.containers[1].env).toContainEqual({ name: "SENTINEL_QUORUM", value: "2" });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    expect(one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec.maxUnavailable).toBe(1);
    const client = one("kubernetes:core/v1:Service", "ha-client").inputs.spec;
    expect(client.ports).toEqual([{ name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" }]);
    const scripts = one("kubernetes:core/v1:ConfigMap").inputs.data;
    expect(scripts["sentinel.sh"]).toContain("sentinel monitor $MASTER_NAME $master $REDIS_PORT $SENTINEL_QUORUM");
    expect(scripts["redis.sh"]).toContain('echo "replicaof $master $REDIS_PORT"');
    expect(scripts["redis.sh"]).toContain("min-replicas-to-write 1");
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress[0].ports.map((p: { port: number }) => p.port)).toEqual([6379, 26379]);
  });

  it("requires anti-affinity when asked", async () => {
    new Redis("strict", { mode: RedisMode.Sentinel, requireAntiAffinity: true });
    await settle();
    const pod = one("kubernetes:apps/v1:StatefulSet").inputs.spec.template.spec;
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it("takes a password from elsewhere instead of generating one, and keeps it secret", async () => {
    const redis = new Redis("byo", { namespace: "notes", password: pulumi.secret("from-the-vault-0123456789") });
    expect(await pulumi.isSecret(redis.password)).toBe(true);
    expect(await value(redis.password)).toBe("from-the-vault-0123456789");
    await settle();
    expect(byType("random:index/randomPassword:RandomPassword")).toEqual([]);
    expect(secretValue(one("kubernetes:core/v1:Secret").inputs.stringData)).toEqual({ "redis-password": "from-the-vault-0123456789" });
  });
});

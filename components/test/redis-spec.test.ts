/** The pure spec builders of Redis, without Pulumi mocks: plain values in, plain specs out. */
import { describe, expect, it } from "vitest";
import { RedisMode, resolveRedisArgs } from "../redis/args";
import {
  clientServiceSpec,
  headlessServiceSpec,
  networkPolicySpec,
  podAffinity,
  redisContainers,
  redisProbes,
  sentinelProbes,
  startupBudgetSeconds,
  topologySpread,
  sentinelAddresses,
  serviceDomain,
  statefulSetSpec,
} from "../redis/spec";

const selector = { "app.kubernetes.io/name": "cache", "app.kubernetes.io/component": "redis" };
const names = { passwordSecretName: "cache-password-x", headlessServiceName: "cache-headless-x", statefulSetName: "cache" };
const standalone = resolveRedisArgs("cache", {});
const sentinel = resolveRedisArgs("cache", { mode: RedisMode.Sentinel });

describe("redisContainers", () => {
  it("standalone: Redis and the exporter only", () => {
    const containers = redisContainers(standalone, names);
    expect(containers.map((c) => [c.name, c.ports])).toEqual([
      ["redis", [{ name: "redis", containerPort: 6379, protocol: "TCP" }]],
      ["exporter", [{ name: "metrics", containerPort: 9121, protocol: "TCP" }]],
    ]);
  });

  it("sentinel: Sentinel beside Redis with its state on the data volume, an exporter for each, a preStop hand-over", () => {
    const [redis, sentinelC, exporter, sentinelExporter] = redisContainers(sentinel, names);
    expect([redis?.name, sentinelC?.name, exporter?.name, sentinelExporter?.name]).toEqual(["redis", "sentinel", "exporter", "sentinel-exporter"]);
    expect(sentinelC?.command).toEqual(["sh", "/scripts/sentinel.sh"]);
    expect(sentinelC?.ports).toEqual([{ name: "sentinel", containerPort: 26379, protocol: "TCP" }]);
    expect(sentinelC?.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    expect(sentinelC?.readinessProbe).toEqual(sentinelProbes().readinessProbe);
    expect(redis?.lifecycle).toEqual({ preStop: { exec: { command: ["sh", "/scripts/prestop.sh"] } } });
    expect(redisContainers(standalone, names)[0]?.lifecycle).toBeUndefined();
    expect(sentinelExporter?.ports).toEqual([{ name: "sentinel-exp", containerPort: 9355, protocol: "TCP" }]);
    expect(sentinelExporter?.env).toContainEqual({ name: "REDIS_ADDR", value: "redis://127.0.0.1:26379" });
    expect(sentinelExporter?.env).toContainEqual({ name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: ":9355" });
  });

  it("passes the names and the resolved settings to the scripts, and the password only by reference", () => {
    const [redis, , exporter] = redisContainers(sentinel, names);
    const passwordRef = { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "cache-password-x", key: "redis-password" } } };
    expect(redis?.env).toContainEqual(passwordRef);
    expect(redis?.env).toContainEqual({ name: "STATEFULSET", value: "cache" });
    expect(redis?.env).toContainEqual({ name: "HEADLESS_SERVICE", value: "cache-headless-x" });
    expect(redis?.env).toContainEqual({ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    expect(redis?.env).toContainEqual({ name: "SENTINEL_QUORUM", value: "2" });
    expect(redis?.env).toContainEqual({ name: "REDIS_REPLICA_BUFFER_MB", value: "25" });
    expect(exporter?.env).toEqual([
      { name: "REDIS_ADDR", value: "redis://127.0.0.1:6379" },
      { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: ":9121" },
      passwordRef,
    ]);
  });
});

describe("probes", () => {
  it("Redis: probe.sh for each kind, with a startup budget that grows with maxmemory", () => {
    const probes = redisProbes(resolveRedisArgs("cache", { maxMemoryMb: 768, memoryLimit: "1280Mi" }));
    expect(probes.startupProbe).toEqual({ exec: { command: ["sh", "/scripts/probe.sh", "startup"] }, periodSeconds: 5, failureThreshold: 28, timeoutSeconds: 3 });
    expect(probes.livenessProbe).toEqual({ exec: { command: ["sh", "/scripts/probe.sh", "live"] }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 });
    expect(probes.readinessProbe).toEqual({ exec: { command: ["sh", "/scripts/probe.sh", "ready"] }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 });
    expect(startupBudgetSeconds(100)).toBe(70);
    expect(startupBudgetSeconds(768)).toBe(137);
    expect(startupBudgetSeconds(16384)).toBe(1699);
  });
  it("Sentinel: an authenticated PING", () => {
    const command = ["sh", "-c", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --no-auth-warning -h 127.0.0.1 -p 26379 ping | grep -q PONG'];
    expect(sentinelProbes().livenessProbe).toEqual({ exec: { command }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 });
  });
});

describe("topologySpread", () => {
  it("Sentinel mode: a soft spread over zones; none in standalone mode", () => {
    expect(topologySpread(standalone, selector)).toBeUndefined();
    expect(topologySpread(sentinel, selector)).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
    ]);
  });
});

describe("podAffinity", () => {
  const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
  it("none in standalone mode", () => {
    expect(podAffinity(standalone, selector)).toBeUndefined();
  });
  it("preferred by default in Sentinel mode", () => {
    expect(podAffinity(sentinel, selector)).toEqual({
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    });
  });
  it("required when asked", () => {
    const strict = resolveRedisArgs("cache", { mode: RedisMode.Sentinel, requireAntiAffinity: true });
    expect(podAffinity(strict, selector)).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } });
  });
});

describe("services", () => {
  const redisPort = { name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" };
  const sentinelPort = { name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" };
  it("standalone: both expose Redis", () => {
    expect(headlessServiceSpec(standalone, selector)).toEqual({ clusterIP: "None", publishNotReadyAddresses: true, selector, ports: [redisPort] });
    expect(clientServiceSpec(standalone, selector)).toEqual({ type: "ClusterIP", selector, ports: [redisPort] });
  });
  it("sentinel: the headless Service has both ports, the client Service only Sentinel", () => {
    expect(headlessServiceSpec(sentinel, selector).ports).toEqual([redisPort, sentinelPort]);
    expect(clientServiceSpec(sentinel, selector).ports).toEqual([sentinelPort]);
  });
});

describe("networkPolicySpec", () => {
  it("standalone: Redis port for peers and clients, exporter port for Prometheus", () => {
    const r = resolveRedisArgs("cache", { clients: [{ podLabels: { app: "api" } }] });
    expect(networkPolicySpec(r, selector)).toEqual({
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: "TCP", port: 6379 }] },
        { from: [{ podSelector: { matchLabels: { "client.node-service-platform/cache": "true" } } }], ports: [{ protocol: "TCP", port: 6379 }] },
        { from: [{ podSelector: { matchLabels: { app: "api" } } }], ports: [{ protocol: "TCP", port: 6379 }] },
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: {} } }],
          ports: [{ protocol: "TCP", port: 9121 }],
        },
      ],
    });
  });
  it("sentinel: Sentinel's port too, unless a client names its own ports", () => {
    const r = resolveRedisArgs("cache", { mode: RedisMode.Sentinel, clients: [{ namespace: "jobs" }, { podLabels: { app: "tool" }, ports: [26379] }] });
    expect(networkPolicySpec(r, selector).ingress).toMatchObject([
      { ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] },
      { ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "jobs" } } }], ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] },
      { ports: [{ protocol: "TCP", port: 26379 }] },
      { ports: [{ protocol: "TCP", port: 9121 }, { protocol: "TCP", port: 9355 }] },
    ]);
  });
});

describe("sentinelAddresses", () => {
  it("lists every pod's Sentinel through the headless Service", () => {
    expect(sentinelAddresses("cache", "cache-headless-x", serviceDomain("notes"), 3)).toBe(
      "cache-0.cache-headless-x.notes.svc:26379,cache-1.cache-headless-x.notes.svc:26379,cache-2.cache-headless-x.notes.svc:26379",
    );
    expect(sentinelAddresses("cache", "h", serviceDomain(undefined), 1)).toBe("cache-0.h:26379");
  });
});

describe("statefulSetSpec", () => {
  it("keeps the data on a retained PVC and mounts the scripts ConfigMap executable", () => {
    const spec = statefulSetSpec(sentinel, {
      ...names,
      scriptsConfigMapName: "cache-scripts-x",
      selector,
      podLabels: { ...selector, "app.kubernetes.io/instance": "cache" },
      storageClassName: "fast",
    });
    expect(spec.serviceName).toBe("cache-headless-x");
    expect(spec.replicas).toBe(3);
    expect(spec.podManagementPolicy).toBe("Parallel");
    expect(spec.template).toMatchObject({ spec: { terminationGracePeriodSeconds: 40, topologySpreadConstraints: topologySpread(sentinel, selector) } });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data", labels: selector },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "1Gi" } } },
      },
    ]);
    expect(spec.template).toMatchObject({
      metadata: { labels: { ...selector, "app.kubernetes.io/instance": "cache" } },
      spec: { volumes: [{ name: "run" }, { name: "tmp" }, { name: "scripts", configMap: { name: "cache-scripts-x", defaultMode: 0o555 } }] },
    });
  });
});

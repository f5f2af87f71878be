import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type NetworkPeer, peerSelector, recommendedLabels, restrictedContainer, restrictedPod, selectorLabels, tcpPorts } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkInt, checkMemory, checkOneOf, memoryBytes } from "../lib/validate";

const COMPONENT = "Redis";

export enum RedisMode {
  /** One Redis pod. */
  Standalone = "standalone",
  /** Replicas with a Sentinel beside each, for automatic failover; clients connect through Sentinel. */
  Sentinel = "sentinel",
}

export enum AppendFsync {
  Always = "always",
  EverySec = "everysec",
  No = "no",
}

export const EVICTION_POLICIES = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;

/** Official images, pinned. */
export const REDIS_IMAGE = "redis:8.8.0";
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.90.0";
const REDIS_UID = 999; // the `redis` user of the official Debian-based image
const EXPORTER_UID = 59000; // the user of the redis_exporter image

export interface RedisArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the Redis pods. @default the component name */
  readonly appName?: string;
  /** Standalone or Sentinel (HA). @default RedisMode.Standalone */
  readonly mode?: RedisMode;
  /** Redis pods: 1 in standalone mode, 3 to 9 in Sentinel mode. @default 1 (standalone), 3 (sentinel) */
  readonly replicas?: number;
  /** Redis image. @default REDIS_IMAGE (official `redis`, pinned) */
  readonly image?: string;
  /** redis_exporter image. @default REDIS_EXPORTER_IMAGE (pinned) */
  readonly exporterImage?: string;
  /** Size of each pod's volume. @default "1Gi" */
  readonly storageSize?: string;
  /** StorageClass of the volumes. @default unset: the cluster's default class */
  readonly storageClassName?: string;
  /** AOF fsync policy. @default AppendFsync.EverySec */
  readonly appendFsync?: AppendFsync;
  /** maxmemory in MiB. @default 100 */
  readonly maxMemoryMb?: number;
  /** Memory request and limit of the Redis container; must exceed maxMemoryMb by 10%. @default "192Mi" */
  readonly memoryLimit?: string;
  /** CPU request of the Redis container. @default "50m" */
  readonly cpuRequest?: string;
  /** CPU limit of the Redis container. @default "500m" */
  readonly cpuLimit?: string;
  /** maxmemory-policy. @default "noeviction" (writes fail when full; nothing is lost silently) */
  readonly evictionPolicy?: string;
  /** Sentinel master name. @default "main" */
  readonly masterName?: string;
  /** Pods allowed to connect (6379, and 26379 in Sentinel mode). @default [] (nobody but the Redis pods themselves) */
  readonly clients?: NetworkPeer[];
  /** Prometheus, admitted to the exporter port 9121. @default { namespace: "monitoring" } */
  readonly prometheus?: NetworkPeer;
  /** Require Redis pods on distinct nodes (Sentinel mode); otherwise it is only preferred. @default false */
  readonly requireAntiAffinity?: boolean;
}

export interface ResolvedRedisArgs {
  readonly appName: string;
  readonly mode: RedisMode;
  readonly replicas: number;
  readonly image: string;
  readonly exporterImage: string;
  readonly storageSize: string;
  readonly appendFsync: AppendFsync;
  readonly maxMemoryMb: number;
  readonly memoryLimit: string;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly evictionPolicy: string;
  readonly masterName: string;
  readonly clients: NetworkPeer[];
  readonly prometheus: NetworkPeer;
  readonly requireAntiAffinity: boolean;
  readonly quorum: number;
}

/** Pure: validates the args and resolves every default. */
export function resolveRedisArgs(name: string, args: RedisArgs): ResolvedRedisArgs {
  const mode = checkOneOf(COMPONENT, "mode", args.mode ?? RedisMode.Standalone, [RedisMode.Standalone, RedisMode.Sentinel]);
  const sentinel = mode === RedisMode.Sentinel;
  const replicas = args.replicas ?? (sentinel ? 3 : 1);
  if (!sentinel && replicas !== 1) {
    throw new ArgumentError(COMPONENT, "replicas", replicas, 'must be 1 in standalone mode; use mode RedisMode.Sentinel for replicas with failover.');
  }
  if (sentinel) checkInt(COMPONENT, "replicas", replicas, 3, 9);
  const maxMemoryMb = checkInt(COMPONENT, "maxMemoryMb", args.maxMemoryMb ?? 100, 16, 65536);
  const memoryLimit = checkMemory(COMPONENT, "memoryLimit", args.memoryLimit ?? "192Mi");
  if (!(memoryBytes(memoryLimit) > maxMemoryMb * 1024 * 1024 * 1.1)) {
    throw new ArgumentError(COMPONENT, "memoryLimit", memoryLimit, `must exceed maxMemoryMb (${maxMemoryMb} MiB) by at least 10% for replication buffers and AOF rewrites.`);
  }
  const image = args.image ?? REDIS_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. redis:8.8.0.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    mode,
    replicas,
    image,
    exporterImage: args.exporterImage ?? REDIS_EXPORTER_IMAGE,
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "1Gi"),
    appendFsync: checkOneOf(COMPONENT, "appendFsync", args.appendFsync ?? AppendFsync.EverySec, [AppendFsync.Always, AppendFsync.EverySec, AppendFsync.No]),
    maxMemoryMb,
    memoryLimit,
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "50m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "500m"),
    evictionPolicy: checkOneOf(COMPONENT, "evictionPolicy", args.evictionPolicy ?? "noeviction", EVICTION_POLICIES),
    masterName: checkDnsLabel(COMPONENT, "masterName", args.masterName ?? "main"),
    clients: args.clients ?? [],
    prometheus: args.prometheus ?? { namespace: "monitoring" },
    requireAntiAffinity: args.requireAntiAffinity ?? false,
    quorum: Math.floor(replicas / 2) + 1,
  };
}

/** Shell shared by both containers: find the current master by asking the other Sentinels. */
const COMMON_SH = `#!/bin/sh
# Paths and ports are the pod's; the variables exist so the scripts can be tested outside a pod.
SCRIPTS_DIR="\${SCRIPTS_DIR:-/scripts}"
RUN_DIR="\${RUN_DIR:-/run/redis}"
DATA_DIR="\${DATA_DIR:-/data}"
REDIS_PORT="\${REDIS_PORT:-6379}"
SENTINEL_PORT="\${SENTINEL_PORT:-26379}"
# Prints the master's host as the Sentinels know it, or nothing when none answers.
find_master() {
  i=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    peer="$STATEFULSET-$i.$HEADLESS_SERVICE"
    if [ "$peer" != "$SELF" ]; then
      m=$(REDISCLI_AUTH="$REDIS_PASSWORD" timeout 3 redis-cli -h "$peer" -p "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 || true)
      if [ -n "$m" ]; then echo "$m"; return 0; fi
    fi
    i=$((i + 1))
  done
}
SELF="$POD_NAME.$HEADLESS_SERVICE"
`;

const REDIS_SH = `#!/bin/sh
# Writes redis.conf from the environment (the password never lands in a ConfigMap) and starts Redis.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
conf="$RUN_DIR/redis.conf"
umask 077
{
  echo "bind * -::*"
  echo "port $REDIS_PORT"
  echo "dir $DATA_DIR"
  echo "appendonly yes"
  echo "appendfsync $REDIS_APPENDFSYNC"
  echo "save 900 1 300 10 60 10000"
  echo "maxmemory \${REDIS_MAXMEMORY_MB}mb"
  echo "maxmemory-policy $REDIS_MAXMEMORY_POLICY"
  echo "requirepass $REDIS_PASSWORD"
  echo "masterauth $REDIS_PASSWORD"
} > "$conf"
if [ "$REDIS_MODE" = "sentinel" ]; then
  echo "replica-announce-ip $SELF" >> "$conf"
  # A master cut off from every replica stops taking writes after 10 s, which bounds what a
  # partitioned old master can accept (and lose) once Sentinel has promoted another pod.
  echo "min-replicas-to-write 1" >> "$conf"
  echo "min-replicas-max-lag 10" >> "$conf"
  master=$(find_master)
  # First start of the set: nobody knows a master yet, pod 0 is it.
  [ -n "$master" ] || master="$STATEFULSET-0.$HEADLESS_SERVICE"
  if [ "$master" != "$SELF" ]; then echo "replicaof $master $REDIS_PORT" >> "$conf"; fi
fi
exec redis-server "$conf"
`;

const SENTINEL_SH = `#!/bin/sh
# Writes sentinel.conf (rewritten by Sentinel at run time, so it lives in an emptyDir) and starts Sentinel.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
conf="$RUN_DIR/sentinel.conf"
master=$(find_master)
[ -n "$master" ] || master="$STATEFULSET-0.$HEADLESS_SERVICE"
umask 077
{
  echo "port $SENTINEL_PORT"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $SELF"
  echo "requirepass $REDIS_PASSWORD"
  echo "sentinel monitor $MASTER_NAME $master $REDIS_PORT $SENTINEL_QUORUM"
  echo "sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD"
  echo "sentinel down-after-milliseconds $MASTER_NAME 5000"
  echo "sentinel failover-timeout $MASTER_NAME 60000"
  echo "sentinel parallel-syncs $MASTER_NAME 1"
} > "$conf"
exec redis-server "$conf" --sentinel
`;

/** The start scripts the pods run (exported for the tests that run them against a real redis-server). */
export const REDIS_SCRIPTS: Readonly<Record<string, string>> = { "common.sh": COMMON_SH, "redis.sh": REDIS_SH, "sentinel.sh": SENTINEL_SH };

/**
 * Redis on a StatefulSet: password from @pulumi/random in a Secret, AOF on a
 * PVC, redis_exporter sidecar, NetworkPolicy; in Sentinel mode replicas with a
 * Sentinel beside each, a PDB and anti-affinity.
 */
export class Redis extends pulumi.ComponentResource {
  /** Client Service host (standalone: Redis on 6379; Sentinel: Sentinel on 26379). */
  readonly host: pulumi.Output<string>;
  /** Redis port. */
  readonly port: pulumi.Output<number>;
  /** `redis://host:6379/0` without password (standalone mode; the client host in Sentinel mode too, for tools). */
  readonly url: pulumi.Output<string>;
  /** Comma list of Sentinel `host:26379` (Sentinel mode), empty otherwise. */
  readonly sentinels: pulumi.Output<string>;
  /** Sentinel master name. */
  readonly masterName: pulumi.Output<string>;
  /** Secret holding the password. */
  readonly passwordSecretName: pulumi.Output<string>;
  /** Key of the password in that Secret. */
  readonly passwordSecretKey: pulumi.Output<string>;
  /** The password itself, as a Pulumi secret. */
  readonly password: pulumi.Output<string>;
  /** Labels of the Redis pods. */
  readonly podLabels: pulumi.Output<Record<string, string>>;
  /** Name of the StatefulSet. */
  readonly statefulSetName: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Redis", name, {}, opts);
    const r = resolveRedisArgs(name, args);
    const sentinel = r.mode === RedisMode.Sentinel;
    const selector = selectorLabels(r.appName, "redis");
    const labels = recommendedLabels(r.appName, "redis", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };
    const passwordKey = "redis-password";

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child);
    const secret = new k8s.core.v1.Secret(
      `${name}-password`,
      { metadata: meta, type: "Opaque", stringData: { [passwordKey]: password.result } },
      { ...child, additionalSecretOutputs: ["data", "stringData"] },
    );

    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-scripts`,
      { metadata: meta, data: { ...REDIS_SCRIPTS } },
      child,
    );

    const ports = [{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }];
    const sentinelPort = { name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" };
    const headless = new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: meta,
        spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: sentinel ? [...ports, sentinelPort] : ports },
      },
      child,
    );
    const client = new k8s.core.v1.Service(
      `${name}-client`,
      { metadata: meta, spec: { type: "ClusterIP", selector, ports: sentinel ? [sentinelPort] : ports } },
      child,
    );

    const passwordEnv = { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: passwordKey } } };
    const statefulSetName = `${name}`.slice(0, 40);
    const env = [
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      passwordEnv,
      { name: "REDIS_MODE", value: r.mode },
      { name: "REDIS_REPLICAS", value: String(r.replicas) },
      { name: "STATEFULSET", value: statefulSetName },
      { name: "HEADLESS_SERVICE", value: headless.metadata.name },
      { name: "MASTER_NAME", value: r.masterName },
      { name: "SENTINEL_QUORUM", value: String(r.quorum) },
      { name: "REDIS_APPENDFSYNC", value: r.appendFsync },
      { name: "REDIS_MAXMEMORY_MB", value: String(r.maxMemoryMb) },
      { name: "REDIS_MAXMEMORY_POLICY", value: r.evictionPolicy },
    ];
    const mounts = [
      { name: "data", mountPath: "/data" },
      { name: "run", mountPath: "/run/redis" },
      { name: "scripts", mountPath: "/scripts", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ];
    const cli = (port: number) => ["sh", "-c", `REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p ${port} ping | grep -q PONG`];

    const containers: k8s.types.input.core.v1.Container[] = [
      {
        name: "redis",
        image: r.image,
        command: ["sh", "/scripts/redis.sh"],
        ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
        env,
        resources: { requests: { cpu: r.cpuRequest, memory: r.memoryLimit }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } },
        startupProbe: { exec: { command: cli(6379) }, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
        livenessProbe: { exec: { command: cli(6379) }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
        readinessProbe: { exec: { command: cli(6379) }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
        securityContext: restrictedContainer(REDIS_UID),
        volumeMounts: mounts,
      },
    ];
    if (sentinel) {
      containers.push({
        name: "sentinel",
        image: r.image,
        command: ["sh", "/scripts/sentinel.sh"],
        ports: [{ name: "sentinel", containerPort: 26379, protocol: "TCP" }],
        env,
        resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
        startupProbe: { exec: { command: cli(26379) }, periodSeconds: 5, failureThreshold: 60, timeoutSeconds: 3 },
        livenessProbe: { exec: { command: cli(26379) }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
        readinessProbe: { exec: { command: cli(26379) }, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
        securityContext: restrictedContainer(REDIS_UID),
        volumeMounts: mounts.filter((m) => m.name !== "data"),
      });
    }
    containers.push({
      name: "exporter",
      image: r.exporterImage,
      ports: [{ name: "metrics", containerPort: 9121, protocol: "TCP" }],
      env: [{ name: "REDIS_ADDR", value: "redis://127.0.0.1:6379" }, passwordEnv],
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
      livenessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 15, failureThreshold: 3 },
      readinessProbe: { httpGet: { path: "/health", port: "metrics" }, periodSeconds: 10 },
      securityContext: restrictedContainer(EXPORTER_UID),
    });

    const antiAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { ...meta, name: statefulSetName },
        spec: {
          serviceName: headless.metadata.name,
          replicas: r.replicas,
          podManagementPolicy: "OrderedReady",
          selector: { matchLabels: selector },
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: {
              labels,
              annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9121", "prometheus.io/path": "/metrics" },
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPod(REDIS_UID),
              terminationGracePeriodSeconds: 30,
              affinity: sentinel
                ? {
                    podAntiAffinity: r.requireAntiAffinity
                      ? { requiredDuringSchedulingIgnoredDuringExecution: [antiAffinityTerm] }
                      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiAffinityTerm }] },
                  }
                : undefined,
              containers,
              volumes: [
                { name: "run", emptyDir: { sizeLimit: "16Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                { name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels: selector },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: r.storageSize } },
              },
            },
          ],
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        },
      },
      child,
    );

    if (sentinel) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, child);
    }

    const redisPorts = sentinel ? [6379, 26379] : [6379];
    new k8s.networking.v1.NetworkPolicy(
      `${name}-netpol`,
      {
        metadata: meta,
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress"],
          ingress: [
            { from: [peerSelector({ podLabels: selector })], ports: tcpPorts(redisPorts) },
            ...r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? redisPorts) })),
            { from: [peerSelector(r.prometheus)], ports: tcpPorts(r.prometheus.ports ?? [9121]) },
          ],
        },
      },
      child,
    );

    const domain = pulumi.output(args.namespace).apply((ns) => (ns ? `.${ns}.svc` : ""));
    this.host = pulumi.interpolate`${client.metadata.name}${domain}`;
    this.port = pulumi.output(6379);
    this.url = pulumi.interpolate`redis://${this.host}:6379/0`;
    this.sentinels = sentinel
      ? pulumi
          .all([headless.metadata.name, domain])
          .apply(([h, d]) => Array.from({ length: r.replicas }, (_, i) => `${statefulSetName}-${i}.${h}${d}:26379`).join(","))
      : pulumi.output("");
    this.masterName = pulumi.output(r.masterName);
    this.passwordSecretName = secret.metadata.name;
    this.passwordSecretKey = pulumi.output(passwordKey);
    this.password = pulumi.secret(password.result);
    this.podLabels = pulumi.output(selector);
    this.statefulSetName = statefulSet.metadata.name;
    this.registerOutputs({
      host: this.host,
      port: this.port,
      url: this.url,
      sentinels: this.sentinels,
      masterName: this.masterName,
      passwordSecretName: this.passwordSecretName,
      passwordSecretKey: this.passwordSecretKey,
      password: this.password,
      podLabels: this.podLabels,
      statefulSetName: this.statefulSetName,
    });
  }
}

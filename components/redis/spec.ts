/** Pure builders of the Redis objects' specs, from the resolved args and the names Pulumi assigns. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { clientLabels, peerSelector, prometheusScrapeAnnotations, restrictedContainer, restrictedPod, tcpPorts } from "../lib/k8s";
import { RedisMode, type ResolvedRedisArgs } from "./args";

type Labels = Record<string, string>;

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
export const METRICS_PORT = 9121;
/** Second redis_exporter, pointed at Sentinel, so quorum and failover state can be alerted on. */
export const SENTINEL_METRICS_PORT = 9355;
/** Key of the password in its Secret. */
export const PASSWORD_KEY = "redis-password";
const REDIS_UID = 999; // the `redis` user of the official Debian-based image
const EXPORTER_UID = 59000; // the user of the redis_exporter image

/** Names of sibling objects the containers refer to; the Service's and Secret's are known only once Pulumi creates them. */
export interface RedisContainerNames {
  readonly passwordSecretName: pulumi.Input<string>;
  readonly headlessServiceName: pulumi.Input<string>;
  readonly statefulSetName: string;
}

export interface RedisStatefulSetParts extends RedisContainerNames {
  readonly scriptsConfigMapName: pulumi.Input<string>;
  /** Labels the StatefulSet selects its pods by. */
  readonly selector: Labels;
  /** All labels of the pods (selector plus recommended labels). */
  readonly podLabels: Labels;
  /** Unset: the cluster's default StorageClass. */
  readonly storageClassName: string | undefined;
}

export function isSentinelMode(r: ResolvedRedisArgs): boolean {
  return r.mode === RedisMode.Sentinel;
}

/** Fixed so the script env (STATEFULSET) and the sentinel addresses can name the pods before they exist. */
export function redisStatefulSetName(componentName: string): string {
  return componentName.slice(0, 40);
}

/** ".<ns>.svc" so clients in other namespaces resolve the Services; empty when the namespace is the provider's. */
export function serviceDomain(namespace: string | undefined): string {
  return namespace ? `.${namespace}.svc` : "";
}

/** Comma list of every pod's Sentinel, through the headless Service (clients need all of them to survive a failover). */
export function sentinelAddresses(statefulSetName: string, headlessServiceName: string, domain: string, replicas: number): string {
  return Array.from({ length: replicas }, (_, i) => `${statefulSetName}-${i}.${headlessServiceName}${domain}:${SENTINEL_PORT}`).join(",");
}

function servicePort(name: "redis" | "sentinel", port: number): k8s.types.input.core.v1.ServicePort {
  return { name, port, targetPort: name, protocol: "TCP" };
}

/** Gives each pod a stable DNS name; not-ready pods are published so peers can find a master during startup. */
export function headlessServiceSpec(r: ResolvedRedisArgs, selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return {
    clusterIP: "None",
    publishNotReadyAddresses: true,
    selector,
    ports: isSentinelMode(r) ? [servicePort("redis", REDIS_PORT), servicePort("sentinel", SENTINEL_PORT)] : [servicePort("redis", REDIS_PORT)],
  };
}

/** In Sentinel mode clients must ask Sentinel for the master, so only Sentinel is exposed. */
export function clientServiceSpec(r: ResolvedRedisArgs, selector: Labels): k8s.types.input.core.v1.ServiceSpec {
  return { type: "ClusterIP", selector, ports: isSentinelMode(r) ? [servicePort("sentinel", SENTINEL_PORT)] : [servicePort("redis", REDIS_PORT)] };
}

function passwordEnv(passwordSecretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar {
  return { name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: passwordSecretName, key: PASSWORD_KEY } } };
}

/** What the start scripts read (see scripts.ts). */
export function scriptEnv(r: ResolvedRedisArgs, names: RedisContainerNames): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    passwordEnv(names.passwordSecretName),
    { name: "REDIS_MODE", value: r.mode },
    { name: "REDIS_REPLICAS", value: String(r.replicas) },
    { name: "STATEFULSET", value: names.statefulSetName },
    { name: "HEADLESS_SERVICE", value: names.headlessServiceName },
    { name: "MASTER_NAME", value: r.masterName },
    { name: "SENTINEL_QUORUM", value: String(r.quorum) },
    { name: "REDIS_APPENDFSYNC", value: r.appendFsync },
    { name: "REDIS_MAXMEMORY_MB", value: String(r.maxMemoryMb) },
    { name: "REDIS_MAXMEMORY_POLICY", value: r.evictionPolicy },
    { name: "REDIS_REPLICA_BUFFER_MB", value: String(r.replicaBufferMb) },
  ];
}

/** Sentinel's probes: an authenticated PING, so a Sentinel that refuses the password is not ready. */
export function sentinelProbes(): Pick<k8s.types.input.core.v1.Container, "livenessProbe" | "readinessProbe"> {
  const exec = { command: ["sh", "-c", `REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --no-auth-warning -h 127.0.0.1 -p ${SENTINEL_PORT} ping | grep -q PONG`] };
  return {
    livenessProbe: { exec, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    readinessProbe: { exec, periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 3 },
  };
}

/**
 * Seconds Redis may take to load its data before the kubelet restarts it: a minute, plus a second per
 * 10 MiB of maxmemory. A 1.8 GB AOF loaded in 15 s on a full core; at a 500m limit and with an AOF up
 * to twice the data set before its rewrite, 10 MiB/s keeps a threefold margin.
 */
export function startupBudgetSeconds(maxMemoryMb: number): number {
  return 60 + Math.ceil(maxMemoryMb / 10);
}

/** Redis' probes run probe.sh (scripts.ts): liveness accepts LOADING and MASTERDOWN; a replica is ready only in sync. */
export function redisProbes(r: ResolvedRedisArgs): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "livenessProbe" | "readinessProbe"> {
  const probe = (mode: string) => ({ command: ["sh", "/scripts/probe.sh", mode] });
  const period = 5;
  return {
    startupProbe: { exec: probe("startup"), periodSeconds: period, failureThreshold: Math.ceil(startupBudgetSeconds(r.maxMemoryMb) / period), timeoutSeconds: 3 },
    livenessProbe: { exec: probe("live"), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    readinessProbe: { exec: probe("ready"), periodSeconds: period, failureThreshold: 2, timeoutSeconds: 3 },
  };
}

/** redis_exporter pointed at the Redis (9121) or the Sentinel (9355) of this pod. */
function exporterContainer(r: ResolvedRedisArgs, names: RedisContainerNames, target: "redis" | "sentinel"): k8s.types.input.core.v1.Container {
  const [name, portName, port, targetPort] =
    target === "redis" ? ["exporter", "metrics", METRICS_PORT, REDIS_PORT] : ["sentinel-exporter", "sentinel-exp", SENTINEL_METRICS_PORT, SENTINEL_PORT];
  return {
    name,
    image: r.exporterImage,
    ports: [{ name: portName, containerPort: port, protocol: "TCP" }],
    env: [
      { name: "REDIS_ADDR", value: `redis://127.0.0.1:${targetPort}` },
      { name: "REDIS_EXPORTER_WEB_LISTEN_ADDRESS", value: `:${port}` },
      passwordEnv(names.passwordSecretName),
    ],
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    livenessProbe: { httpGet: { path: "/health", port: portName }, periodSeconds: 15, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: "/health", port: portName }, periodSeconds: 10 },
    securityContext: restrictedContainer(EXPORTER_UID),
  };
}

/** Redis, Sentinel beside it in Sentinel mode, and an exporter for each. */
export function redisContainers(r: ResolvedRedisArgs, names: RedisContainerNames): k8s.types.input.core.v1.Container[] {
  const env = scriptEnv(r, names);
  // Sentinel keeps its state on the data volume too (data/sentinel), so it survives a restart of every pod.
  const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [
    { name: "data", mountPath: "/data" },
    { name: "run", mountPath: "/run/redis" },
    { name: "scripts", mountPath: "/scripts", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ];
  // Redis and Sentinel run the same image from their start scripts, with the same environment.
  const scriptContainer = (name: "redis" | "sentinel", port: number): k8s.types.input.core.v1.Container => ({
    name,
    image: r.image,
    command: ["sh", `/scripts/${name}.sh`],
    ports: [{ name, containerPort: port, protocol: "TCP" }],
    env,
    securityContext: restrictedContainer(REDIS_UID),
    volumeMounts,
  });
  const redis: k8s.types.input.core.v1.Container = {
    ...scriptContainer("redis", REDIS_PORT),
    resources: { requests: { cpu: r.cpuRequest, memory: r.memoryLimit }, limits: { cpu: r.cpuLimit, memory: r.memoryLimit } },
    ...redisProbes(r),
    // Sentinel mode: a master hands over to a replica before it stops (prestop.sh).
    ...(isSentinelMode(r) ? { lifecycle: { preStop: { exec: { command: ["sh", "/scripts/prestop.sh"] } } } } : {}),
  };
  if (!isSentinelMode(r)) return [redis, exporterContainer(r, names, "redis")];
  const sentinel: k8s.types.input.core.v1.Container = {
    ...scriptContainer("sentinel", SENTINEL_PORT),
    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
    ...sentinelProbes(),
  };
  return [redis, sentinel, exporterContainer(r, names, "redis"), exporterContainer(r, names, "sentinel")];
}

/**
 * Sentinel mode: Redis pods on distinct nodes (required unless `requireAntiAffinity` is false, for
 * clusters with fewer nodes than pods), so one node cannot take the quorum; none in standalone mode.
 */
export function podAffinity(r: ResolvedRedisArgs, selector: Labels): k8s.types.input.core.v1.Affinity | undefined {
  if (!isSentinelMode(r)) return undefined;
  const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
  return {
    podAntiAffinity: r.requireAntiAffinity
      ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
      : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
  };
}

/**
 * Sentinel mode: spread over zones when the nodes carry zone labels. Soft (ScheduleAnyway), because a
 * hard constraint would make nodes without the label unusable and a single-zone cluster unschedulable.
 */
export function topologySpread(r: ResolvedRedisArgs, selector: Labels): k8s.types.input.core.v1.TopologySpreadConstraint[] | undefined {
  if (!isSentinelMode(r)) return undefined;
  return [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }];
}

export function statefulSetSpec(r: ResolvedRedisArgs, parts: RedisStatefulSetParts): k8s.types.input.apps.v1.StatefulSetSpec {
  return {
    serviceName: parts.headlessServiceName,
    replicas: r.replicas,
    // All pods start at once: each decides whom to follow from what the others say (redis.sh), and a
    // pod stuck on a lost node or volume cannot hold the others back, as it would with OrderedReady.
    podManagementPolicy: "Parallel",
    selector: { matchLabels: parts.selector },
    updateStrategy: { type: "RollingUpdate" },
    template: {
      metadata: {
        labels: parts.podLabels,
        annotations: prometheusScrapeAnnotations(METRICS_PORT),
      },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(REDIS_UID),
        // preStop failover (up to 20 s), then Redis' own shutdown (up to 10 s waiting for replicas).
        terminationGracePeriodSeconds: 40,
        affinity: podAffinity(r, parts.selector),
        topologySpreadConstraints: topologySpread(r, parts.selector),
        containers: redisContainers(r, parts),
        volumes: [
          { name: "run", emptyDir: { sizeLimit: "16Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
          { name: "scripts", configMap: { name: parts.scriptsConfigMapName, defaultMode: 0o555 } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: parts.selector },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: parts.storageClassName,
          resources: { requests: { storage: r.storageSize } },
        },
      },
    ],
    // The data outlives the StatefulSet: deleting or scaling down must not delete the AOF.
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
  };
}

/** Ingress only: the Redis pods among themselves, pods with the client label, further clients, and Prometheus on the exporter ports. */
export function networkPolicySpec(r: ResolvedRedisArgs, selector: Labels): k8s.types.input.networking.v1.NetworkPolicySpec {
  const redisPorts = isSentinelMode(r) ? [REDIS_PORT, SENTINEL_PORT] : [REDIS_PORT];
  return {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress"],
    ingress: [
      { from: [peerSelector({ podLabels: selector })], ports: tcpPorts(redisPorts) },
      { from: [peerSelector({ podLabels: clientLabels(r.appName) })], ports: tcpPorts(redisPorts) },
      ...r.clients.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? redisPorts) })),
      { from: [peerSelector(r.prometheus)], ports: tcpPorts(r.prometheus.ports ?? (isSentinelMode(r) ? [METRICS_PORT, SENTINEL_METRICS_PORT] : [METRICS_PORT])) },
    ],
  };
}

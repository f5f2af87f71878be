/** Redis arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPeer } from "../lib/k8s";
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
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.88.0";

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
  /**
   * Memory request and limit of the Redis container; maxMemoryMb may be at most 60% of it, because replica
   * output buffers and the copy-on-write of every fork (AOF rewrite, full sync) count against the same limit.
   * @default "192Mi"
   */
  readonly memoryLimit?: string;
  /** CPU request of the Redis container. @default "50m" */
  readonly cpuRequest?: string;
  /** CPU limit of the Redis container. @default "500m" */
  readonly cpuLimit?: string;
  /** maxmemory-policy. @default "noeviction" (writes fail when full; nothing is lost silently) */
  readonly evictionPolicy?: string;
  /** Sentinel master name. @default "main" */
  readonly masterName?: string;
  /**
   * Further pods allowed to connect (6379, and 26379 in Sentinel mode), e.g. in other namespaces. Pods of the
   * namespace that carry `Redis.clientLabels` are always admitted. @default [] (only those and the Redis pods)
   */
  readonly clients?: NetworkPeer[];
  /** Prometheus, admitted to the exporter port 9121. @default { namespace: "monitoring" } */
  readonly prometheus?: NetworkPeer;
  /**
   * The password clients and replicas authenticate with, when it comes from elsewhere (a vault, a stack
   * secret): a Pulumi secret, at least 16 characters, no whitespace. @default a generated 32-character one
   * (@pulumi/random), kept in the stack's state as a secret
   */
  readonly password?: pulumi.Input<string>;
  /** Require Redis pods on distinct nodes (Sentinel mode); otherwise it is only preferred (small clusters). @default false */
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
  /** Hard limit of a replica's output buffer (soft: half, for 60 s). */
  readonly replicaBufferMb: number;
}

/** maxmemory may use at most this share of the container's memory limit. */
export const MAX_MEMORY_SHARE = 0.6;

/** A quarter of maxmemory, between 16 and 256 MiB: with maxmemory at 60% this keeps a quarter of the limit for forks. */
export function replicaBufferMb(maxMemoryMb: number): number {
  return Math.min(256, Math.max(16, Math.floor(maxMemoryMb / 4)));
}

/** The smallest memory limit, in MiB, that leaves maxMemoryMb within MAX_MEMORY_SHARE of it. */
export function minimumMemoryLimitMb(maxMemoryMb: number): number {
  return Math.ceil(maxMemoryMb / MAX_MEMORY_SHARE);
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
  if (memoryBytes(memoryLimit) < minimumMemoryLimitMb(maxMemoryMb) * 1024 * 1024) {
    throw new ArgumentError(
      COMPONENT,
      "memoryLimit",
      memoryLimit,
      `must be at least ${minimumMemoryLimitMb(maxMemoryMb)}Mi for maxMemoryMb ${maxMemoryMb} (maxmemory at most 60% of the limit: replica buffers and fork copy-on-write during AOF rewrites and full syncs count against it); raise memoryLimit or lower maxMemoryMb.`,
    );
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
    replicaBufferMb: replicaBufferMb(maxMemoryMb),
  };
}

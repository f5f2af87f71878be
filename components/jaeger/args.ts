/** Jaeger's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkInt, checkMemory, checkOneOf } from "../lib/validate";

const COMPONENT = "Jaeger";

/** Official image, pinned: Jaeger v2 (the tools table builds the same release for the tests). */
export const JAEGER_IMAGE = "jaegertracing/jaeger:2.13.0";
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const QUERY_PORT = 16686;
export const JAEGER_METRICS_PORT = 8888;
export const HEALTH_PORT = 13133;

export enum JaegerStorage {
  /** In memory, bounded by maxTraces: lost on restart (dev). */
  Memory = "memory",
  /** Badger on a PVC, spans kept for `ttl` (prod). */
  Badger = "badger",
}

export interface JaegerArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod, and the name of its Service. @default the component name */
  readonly appName?: string;
  /** Image. @default JAEGER_IMAGE */
  readonly image?: string;
  /** Where spans are kept. @default JaegerStorage.Memory */
  readonly storage?: JaegerStorage;
  /** Memory storage: traces kept, oldest dropped first. @default 20000 */
  readonly maxTraces?: number;
  /** Badger storage: how long spans are kept, in hours. @default 72 */
  readonly ttlHours?: number;
  /** Badger storage: PVC size. @default "5Gi" */
  readonly storageSize?: string;
  /** Badger storage: StorageClass. @default the cluster's default */
  readonly storageClassName?: pulumi.Input<string>;
  /** Who sends spans (OTLP 4317 and 4318): the service. @default [] */
  readonly senders?: NetworkPeer[];
  /** Who reads traces (query API and UI, 16686): Grafana. Internal only. @default [] */
  readonly readers?: NetworkPeer[];
  /** Who scrapes its own metrics (8888, port name `metrics`): Prometheus. @default [] */
  readonly scrapers?: NetworkPeer[];
  /** CPU request. @default "20m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "500m" */
  readonly cpuLimit?: string;
  /** Memory request and limit. @default "128Mi" with memory storage, "256Mi" with Badger (its caches) */
  readonly memory?: string;
}

export interface ResolvedJaegerArgs {
  readonly appName: string;
  readonly image: string;
  readonly storage: JaegerStorage;
  readonly maxTraces: number;
  readonly ttlHours: number;
  readonly storageSize: string;
  readonly senders: NetworkPeer[];
  readonly readers: NetworkPeer[];
  readonly scrapers: NetworkPeer[];
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveJaegerArgs(name: string, args: JaegerArgs): ResolvedJaegerArgs {
  const image = args.image ?? JAEGER_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. jaegertracing/jaeger:2.13.0.");
  const storage = checkOneOf(COMPONENT, "storage", args.storage ?? JaegerStorage.Memory, [JaegerStorage.Memory, JaegerStorage.Badger]);
  if (storage === JaegerStorage.Memory && (args.ttlHours !== undefined || args.storageSize !== undefined)) {
    throw new ArgumentError(COMPONENT, "storage", storage, "ttlHours and storageSize apply to JaegerStorage.Badger only; memory storage is bounded by maxTraces.");
  }
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    storage,
    maxTraces: checkInt(COMPONENT, "maxTraces", args.maxTraces ?? 20_000, 100, 10_000_000),
    ttlHours: checkInt(COMPONENT, "ttlHours", args.ttlHours ?? 72, 1, 24 * 365),
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "5Gi"),
    senders: args.senders ?? [],
    readers: args.readers ?? [],
    scrapers: args.scrapers ?? [],
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "20m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "500m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? (storage === JaegerStorage.Badger ? "256Mi" : "128Mi")),
  };
}

/** host (no port) of its Service, named after the app, known before the component exists. */
export function jaegerHost(name: string, namespace: string, appName?: string): string {
  return `${appName ?? name}.${namespace}.svc`;
}

/** Its pods, as a peer (for the egress rules of the service and of Grafana). */
export function jaegerPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "jaeger") };
}

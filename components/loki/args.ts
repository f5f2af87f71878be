/** Loki's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { LOG_STREAM_ATTRIBUTES } from "../lib/logs";
import { ArgumentError, checkCpu, checkDnsLabel, checkInt, checkMemory } from "../lib/validate";

const COMPONENT = "Loki";

/** Official image, pinned (Loki 3, monolithic: one binary, `-target=all`). */
export const LOKI_IMAGE = "grafana/loki:3.7.6";
/** Loki's one HTTP port: push (OTLP and Loki's own API), queries, /ready and its own /metrics. */
export const LOKI_HTTP_PORT = 3100;
/** Where pushes arrive over OTLP/HTTP (the shipper's exporter appends /v1/logs). */
export const LOKI_OTLP_PATH = "/otlp";

export interface LokiArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod, and the name of its Service. @default the component name */
  readonly appName?: string;
  /** Image. @default LOKI_IMAGE */
  readonly image?: string;
  /** How long log lines are kept, in days; the compactor deletes older chunks. @default 7 */
  readonly retentionDays?: number;
  /** PVC size (chunks, TSDB index, WAL, compactor state). @default "10Gi" */
  readonly storageSize?: string;
  /** StorageClass. @default the cluster's default */
  readonly storageClassName?: pulumi.Input<string>;
  /** Per-tenant ingestion rate limit, in MB/s, and the burst above it. @default 4 and 8 */
  readonly ingestionRateMb?: number;
  readonly ingestionBurstMb?: number;
  /**
   * Most active streams (label sets): a guard against a high-cardinality label. With the stack's labels, a
   * stream is one container at one level. @default 2000
   */
  readonly maxStreams?: number;
  /**
   * OTLP resource attributes Loki indexes as stream labels; every other attribute is kept as structured
   * metadata. Loki's own default list (which includes the pod name) is ignored. @default LOG_STREAM_ATTRIBUTES
   */
  readonly indexLabels?: readonly string[];
  /** Who pushes logs (3100): the log shipper. @default [] */
  readonly pushers?: NetworkPeer[];
  /** Who queries (3100): Grafana. @default [] */
  readonly readers?: NetworkPeer[];
  /** Who scrapes its /metrics (3100, port name `metrics`): Prometheus. @default [] */
  readonly scrapers?: NetworkPeer[];
  /** CPU request. @default "50m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "1" */
  readonly cpuLimit?: string;
  /** Memory request and limit (its caches are sized from it). @default "256Mi" */
  readonly memory?: string;
}

export interface ResolvedLokiArgs {
  readonly appName: string;
  readonly image: string;
  readonly retentionDays: number;
  readonly storageSize: string;
  readonly ingestionRateMb: number;
  readonly ingestionBurstMb: number;
  readonly maxStreams: number;
  readonly indexLabels: readonly string[];
  readonly pushers: NetworkPeer[];
  readonly readers: NetworkPeer[];
  readonly scrapers: NetworkPeer[];
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveLokiArgs(name: string, args: LokiArgs): ResolvedLokiArgs {
  const image = args.image ?? LOKI_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, `pin a tag or digest, e.g. ${LOKI_IMAGE}.`);
  const ingestionRateMb = checkInt(COMPONENT, "ingestionRateMb", args.ingestionRateMb ?? 4, 1, 1024);
  const ingestionBurstMb = checkInt(COMPONENT, "ingestionBurstMb", args.ingestionBurstMb ?? 2 * ingestionRateMb, 1, 4096);
  if (ingestionBurstMb < ingestionRateMb) throw new ArgumentError(COMPONENT, "ingestionBurstMb", ingestionBurstMb, `must be at least ingestionRateMb (${ingestionRateMb}).`);
  const indexLabels = args.indexLabels ?? LOG_STREAM_ATTRIBUTES;
  if (indexLabels.length === 0 || indexLabels.length > 15 || new Set(indexLabels).size !== indexLabels.length) {
    throw new ArgumentError(COMPONENT, "indexLabels", indexLabels, "give 1 to 15 distinct resource attributes (Loki's limit on labels per stream is 15).");
  }
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    retentionDays: checkInt(COMPONENT, "retentionDays", args.retentionDays ?? 7, 1, 3650),
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "10Gi"),
    ingestionRateMb,
    ingestionBurstMb,
    maxStreams: checkInt(COMPONENT, "maxStreams", args.maxStreams ?? 2000, 10, 1_000_000),
    indexLabels,
    pushers: args.pushers ?? [],
    readers: args.readers ?? [],
    scrapers: args.scrapers ?? [],
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "50m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "1"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "256Mi"),
  };
}

/** host:port of its Service, named after the app, known before the component exists. */
export function lokiAddress(name: string, namespace: string, appName?: string): string {
  return `${appName ?? name}.${namespace}.svc:${LOKI_HTTP_PORT}`;
}

/** Its pods, as a peer (for the egress rules of the shipper and of Grafana). */
export function lokiPeer(name: string, namespace?: string, appName?: string): NetworkPeer {
  return { namespace, podLabels: selectorLabels(appName ?? name, "loki"), ports: [LOKI_HTTP_PORT] };
}

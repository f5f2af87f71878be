/** The log shipper's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory } from "../lib/validate";

const COMPONENT = "LogShipper";

/**
 * Official image, pinned: the OpenTelemetry Collector's Kubernetes distribution, which carries the components
 * the configuration uses (tools/otelcol/builder-config.yaml builds exactly those, at this release, for the tests).
 */
export const LOG_SHIPPER_IMAGE = "otel/opentelemetry-collector-k8s:0.159.0";
export const SHIPPER_METRICS_PORT = 8888;
export const SHIPPER_HEALTH_PORT = 13133;

export interface LogShipperArgs {
  /**
   * Namespace the DaemonSet runs in. It reads the node's /var/log/pods through a hostPath volume, which Pod
   * Security's baseline level forbids: give it a namespace of its own whose `enforce` level is privileged, not
   * the service's. Required (no default).
   */
  readonly namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pods. @default the component name */
  readonly appName?: string;
  /** Image. @default LOG_SHIPPER_IMAGE */
  readonly image?: string;
  /** The namespace whose pods' logs it ships (a Role there lets it read those pods' labels). Required (no default). */
  readonly sourceNamespace: string;
  /** Loki's OTLP/HTTP endpoint, e.g. http://loki.notes.svc:3100/otlp. Required (no default). */
  readonly lokiOtlpEndpoint: pulumi.Input<string>;
  /** Loki's pods, for the egress rule (namespace included: the shipper runs in another). Required (no default). */
  readonly lokiPeer: NetworkPeer;
  /** Who scrapes its own metrics (8888, port name `metrics`): Prometheus. @default [] */
  readonly scrapers?: NetworkPeer[];
  /**
   * Node directory (hostPath) where it keeps its read offsets and its send queue, so that a restart neither
   * ships a line twice nor loses the lines not yet sent. One per shipper on a node.
   * @default /var/lib/otelcol/<sourceNamespace>-<appName>
   */
  readonly stateHostPath?: string;
  /** CPU request. @default "25m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "500m" */
  readonly cpuLimit?: string;
  /** Memory request and limit (its memory limiter refuses new lines above 80% of it). @default "128Mi" */
  readonly memory?: string;
}

export interface ResolvedLogShipperArgs {
  readonly appName: string;
  readonly image: string;
  readonly sourceNamespace: string;
  readonly lokiPeer: NetworkPeer;
  readonly scrapers: NetworkPeer[];
  readonly stateHostPath: string;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveLogShipperArgs(name: string, args: LogShipperArgs): ResolvedLogShipperArgs {
  const image = args.image ?? LOG_SHIPPER_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, `pin a tag or digest, e.g. ${LOG_SHIPPER_IMAGE}.`);
  const appName = checkDnsLabel(COMPONENT, "appName", args.appName ?? name);
  const sourceNamespace = checkDnsLabel(COMPONENT, "sourceNamespace", args.sourceNamespace);
  if (args.lokiPeer.namespace === undefined) {
    throw new ArgumentError(COMPONENT, "lokiPeer", args.lokiPeer, "name Loki's namespace: the shipper runs in a namespace of its own.");
  }
  const stateHostPath = args.stateHostPath ?? `/var/lib/otelcol/${sourceNamespace}-${appName}`;
  if (!/^\/[A-Za-z0-9._/-]+$/.test(stateHostPath) || stateHostPath.split("/").includes("..") || /^\/(var\/log|proc|sys|dev|etc)?\/?$/.test(stateHostPath)) {
    throw new ArgumentError(COMPONENT, "stateHostPath", stateHostPath, "use an absolute node directory of its own, e.g. /var/lib/otelcol/notes-log-shipper.");
  }
  return {
    appName,
    image,
    sourceNamespace,
    lokiPeer: args.lokiPeer,
    scrapers: args.scrapers ?? [],
    stateHostPath,
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "25m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "500m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "128Mi"),
  };
}

/** Its pods, as a peer (for Loki's ingress rule), in the namespace it runs in. */
export function logShipperPeer(name: string, namespace: string, appName?: string): NetworkPeer {
  return { namespace, podLabels: selectorLabels(appName ?? name, "log-shipper") };
}

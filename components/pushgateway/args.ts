/** The Pushgateway's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory } from "../lib/validate";

const COMPONENT = "Pushgateway";

/** Official image, pinned (the version tools/platform-tools.json builds for the tests). */
export const PUSHGATEWAY_IMAGE = "prom/pushgateway:v1.11.1";
export const PUSHGATEWAY_PORT = 9091;

export interface PushgatewayArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod, and the name of its Service. @default the component name */
  readonly appName?: string;
  /** Image. @default PUSHGATEWAY_IMAGE */
  readonly image?: string;
  /** Who may push and scrape (9091): the batch jobs and Prometheus. @default [] */
  readonly clients?: NetworkPeer[];
  /**
   * Size of the PVC it keeps pushed metrics on (`--persistence.file`), so a restart does not drop the last
   * outcome of a job that runs hourly or daily. @default "256Mi"
   */
  readonly storageSize?: string;
  /** StorageClass of that PVC. @default the cluster's default */
  readonly storageClassName?: pulumi.Input<string>;
  /** CPU request. @default "10m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "100m" */
  readonly cpuLimit?: string;
  /** Memory request and limit. @default "32Mi" */
  readonly memory?: string;
}

export interface ResolvedPushgatewayArgs {
  readonly appName: string;
  readonly image: string;
  readonly clients: NetworkPeer[];
  readonly storageSize: string;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolvePushgatewayArgs(name: string, args: PushgatewayArgs): ResolvedPushgatewayArgs {
  const image = args.image ?? PUSHGATEWAY_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. prom/pushgateway:v1.11.1.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    clients: args.clients ?? [],
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "256Mi"),
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "10m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "100m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "32Mi"),
  };
}

/** host:port of its Service (named after the app, so others can name it before it exists). */
export function pushgatewayAddress(name: string, namespace: string, appName?: string): string {
  return `${appName ?? name}.${namespace}.svc:${PUSHGATEWAY_PORT}`;
}

/** Its pods, as a peer (for the egress rules of Prometheus and of the jobs that push). */
export function pushgatewayPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "pushgateway"), ports: [PUSHGATEWAY_PORT] };
}

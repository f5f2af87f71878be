/** kube-state-metrics' arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory } from "../lib/validate";

const COMPONENT = "KubeStateMetrics";

/** Official image, pinned. */
export const KUBE_STATE_METRICS_IMAGE = "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0";
export const KUBE_STATE_METRICS_PORT = 8080;

/** The object kinds the alerts and dashboards use (restarts, availability, HPA at max, backups' CronJob and Jobs). */
export const KSM_RESOURCES = ["deployments", "pods", "horizontalpodautoscalers", "statefulsets", "cronjobs", "jobs"] as const;

export interface KubeStateMetricsArgs {
  /** Namespace of its own objects. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod, and the name of its Service. @default the component name */
  readonly appName?: string;
  /** Image. @default KUBE_STATE_METRICS_IMAGE */
  readonly image?: string;
  /** Namespaces whose objects it reports on; it gets a read-only Role in each, nothing cluster-wide. Required (no default). */
  readonly watchNamespaces: string[];
  /** Who may scrape it (8080): Prometheus. @default [] */
  readonly clients?: NetworkPeer[];
  /** CPU request. @default "10m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "100m" */
  readonly cpuLimit?: string;
  /** Memory request and limit. @default "64Mi" */
  readonly memory?: string;
}

export interface ResolvedKubeStateMetricsArgs {
  readonly appName: string;
  readonly image: string;
  readonly watchNamespaces: string[];
  readonly clients: NetworkPeer[];
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveKubeStateMetricsArgs(name: string, args: KubeStateMetricsArgs): ResolvedKubeStateMetricsArgs {
  if (args.watchNamespaces.length === 0) throw new ArgumentError(COMPONENT, "watchNamespaces", [], "name at least one namespace to report on.");
  for (const ns of args.watchNamespaces) checkDnsLabel(COMPONENT, "watchNamespaces", ns);
  const image = args.image ?? KUBE_STATE_METRICS_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    watchNamespaces: [...new Set(args.watchNamespaces)],
    clients: args.clients ?? [],
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "10m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "100m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "64Mi"),
  };
}

/** host:port of its Service (named after the app, so Prometheus' configuration can name it before it exists). */
export function kubeStateMetricsAddress(name: string, namespace: string, appName?: string): string {
  return `${appName ?? name}.${namespace}.svc:${KUBE_STATE_METRICS_PORT}`;
}

/** Its pods, as a peer (for Prometheus' egress rule). */
export function kubeStateMetricsPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "kube-state-metrics"), ports: [KUBE_STATE_METRICS_PORT] };
}

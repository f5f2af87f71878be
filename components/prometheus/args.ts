/** Prometheus' arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory } from "../lib/validate";
import type { RuleGroup } from "./rules";

const COMPONENT = "Prometheus";

/** Official image, pinned; the tests run promtool and Prometheus built at the same version (tools/platform-tools.json). */
export const PROMETHEUS_IMAGE = "prom/prometheus:v3.16.0";

export interface PrometheusArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the Prometheus pod. @default the component name */
  readonly appName?: string;
  /** Image. @default PROMETHEUS_IMAGE (official `prom/prometheus`, pinned) */
  readonly image?: string;
  /**
   * Namespaces whose pods are scraped: every container port named `metrics` (or `sentinel-exp`) of a
   * running pod. Prometheus gets a Role in each to list pods, nothing cluster-wide. Required (no default).
   */
  readonly scrapeNamespaces: string[];
  /** Rule groups to load (see rules.ts). @default [] */
  readonly ruleGroups?: RuleGroup[];
  /** Alertmanager to send alerts to (and scrape), as host:port. @default unset: alerts are evaluated but not sent */
  readonly alertmanagerAddress?: string;
  /** Its pods, for Prometheus' egress rule (port 9093). @default unset: no egress to an Alertmanager */
  readonly alertmanagerPeer?: NetworkPeer;
  /**
   * kube-state-metrics to scrape (job `kube-state-metrics`, keeping the namespace and pod labels it reports):
   * its host:port and its pods for the egress rule. @default unset: no workload-state metrics
   */
  readonly kubeStateMetrics?: { readonly address: string; readonly peer: NetworkPeer };
  /**
   * A Pushgateway to scrape (job `pushgateway`, keeping the labels the batch jobs pushed): its host:port and its
   * pods for the egress rule. @default unset: no pushed metrics (the Redis backups push theirs there)
   */
  readonly pushgateway?: { readonly address: string; readonly peer: NetworkPeer };
  /** How often targets are scraped and rules evaluated. @default "30s" */
  readonly scrapeInterval?: string;
  /** Keep samples this long. @default "15d" */
  readonly retentionTime?: string;
  /** And at most this much on disk (Prometheus units: MB, GB); keep it below storageSize. @default "4GB" */
  readonly retentionSize?: string;
  /** Size of the data volume. @default "5Gi" */
  readonly storageSize?: string;
  /** StorageClass of the volume. @default unset: the cluster's default class */
  readonly storageClassName?: string;
  /** CPU request. @default "100m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "1" */
  readonly cpuLimit?: string;
  /** Memory request and limit (series in the head block live in memory). @default "512Mi" */
  readonly memory?: string;
  /**
   * Also scrape container CPU and memory from every node's kubelet (cAdvisor), through the API server's node
   * proxy: needs a ClusterRole with `nodes`, `nodes/proxy` and `nodes/metrics` (get, list, watch). @default false
   */
  readonly scrapeKubelet?: boolean;
  /** Who may open the web UI and API (9090): e.g. Grafana. @default [] (nobody; use kubectl port-forward) */
  readonly clients?: NetworkPeer[];
}

export interface ResolvedPrometheusArgs {
  readonly appName: string;
  readonly image: string;
  readonly scrapeNamespaces: string[];
  readonly ruleGroups: RuleGroup[];
  readonly alertmanagerAddress?: string;
  readonly alertmanagerPeer?: NetworkPeer;
  readonly kubeStateMetrics?: { readonly address: string; readonly peer: NetworkPeer };
  readonly pushgateway?: { readonly address: string; readonly peer: NetworkPeer };
  readonly scrapeInterval: string;
  readonly retentionTime: string;
  readonly retentionSize: string;
  readonly storageSize: string;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
  readonly scrapeKubelet: boolean;
  readonly clients: NetworkPeer[];
}

const DURATION = /^[0-9]+(ms|s|m|h|d|w|y)$/;
const SIZE = /^[0-9]+(B|KB|MB|GB|TB|PB)$/;

/** Pure: validates the args and resolves every default. */
export function resolvePrometheusArgs(name: string, args: PrometheusArgs): ResolvedPrometheusArgs {
  if (args.scrapeNamespaces.length === 0) throw new ArgumentError(COMPONENT, "scrapeNamespaces", [], "name at least one namespace whose pods Prometheus scrapes.");
  for (const ns of args.scrapeNamespaces) checkDnsLabel(COMPONENT, "scrapeNamespaces", ns);
  const duration = (arg: string, v: string) => {
    if (!DURATION.test(v)) throw new ArgumentError(COMPONENT, arg, v, 'use a Prometheus duration such as "30s" or "15d".');
    return v;
  };
  const retentionSize = args.retentionSize ?? "4GB";
  if (!SIZE.test(retentionSize)) throw new ArgumentError(COMPONENT, "retentionSize", retentionSize, 'use a Prometheus size such as "4GB".');
  const image = args.image ?? PROMETHEUS_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. prom/prometheus:v3.16.0.");
  if (args.alertmanagerAddress !== undefined && !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(args.alertmanagerAddress)) {
    throw new ArgumentError(COMPONENT, "alertmanagerAddress", args.alertmanagerAddress, "use host:port, e.g. alertmanager.monitoring.svc:9093.");
  }
  const names = (args.ruleGroups ?? []).map((g) => g.name);
  if (new Set(names).size !== names.length) throw new ArgumentError(COMPONENT, "ruleGroups", names, "give every rule group its own name.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    scrapeNamespaces: [...new Set(args.scrapeNamespaces)],
    ruleGroups: args.ruleGroups ?? [],
    alertmanagerAddress: args.alertmanagerAddress,
    alertmanagerPeer: args.alertmanagerPeer,
    kubeStateMetrics: args.kubeStateMetrics,
    pushgateway: args.pushgateway,
    scrapeInterval: duration("scrapeInterval", args.scrapeInterval ?? "30s"),
    retentionTime: duration("retentionTime", args.retentionTime ?? "15d"),
    retentionSize,
    storageSize: checkMemory(COMPONENT, "storageSize", args.storageSize ?? "5Gi"),
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "100m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "1"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "512Mi"),
    scrapeKubelet: args.scrapeKubelet ?? false,
    clients: args.clients ?? [],
  };
}

/** The pods of a Prometheus this component runs, as a peer the scraped workloads' NetworkPolicies admit (known before it exists). */
export function prometheusPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "prometheus") };
}

/** PromQL label matchers of the series Prometheus scrapes from pods with these `app.kubernetes.io/*` labels (see podScrapeConfig). */
export function seriesSelector(namespace: string, podLabels: Readonly<Record<string, string>>, component?: string): string {
  const app = podLabels["app.kubernetes.io/name"];
  const comp = component ?? podLabels["app.kubernetes.io/component"];
  if (app === undefined || comp === undefined) throw new ArgumentError(COMPONENT, "podLabels", podLabels, "need app.kubernetes.io/name and app.kubernetes.io/component.");
  return `namespace="${namespace}", app="${app}", component="${comp}"`;
}

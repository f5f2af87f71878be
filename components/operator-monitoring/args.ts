/** OperatorMonitoring's arguments: what a cluster's prometheus-operator needs to watch the stack. */
import type * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checkDnsLabel, checkLabels } from "../lib/validate";
import type { RuleGroup } from "../prometheus/rules";

const COMPONENT = "OperatorMonitoring";

export interface OperatorMonitoringArgs {
  /** Namespace of the PodMonitor and PrometheusRule (the watched pods' namespace). @default the provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` label of the objects. @default the component name */
  readonly appName?: string;
  /** Labels of the pods to scrape (one PodMonitor selects them all); they expose ports named `metrics` or `sentinel-exp`. Required. */
  readonly podSelector: Record<string, string>;
  /** Rule groups (see prometheus/rules.ts), emitted as one PrometheusRule. @default [] */
  readonly ruleGroups?: RuleGroup[];
  /**
   * Labels the cluster's Prometheus selects PodMonitors and PrometheusRules by (kube-prometheus-stack: its
   * `release` label). @default { release: "kube-prometheus-stack" }
   */
  readonly selectorLabels?: Record<string, string>;
  /** Scrape interval. @default "30s" */
  readonly interval?: string;
  /** Container port names to scrape: `metrics`, and `sentinel-exp` where a Redis Sentinel set runs. @default ["metrics"] */
  readonly ports?: string[];
  /** Namespaces whose pods the PodMonitor selects besides its own (the log shipper's). @default [] */
  readonly otherNamespaces?: string[];
}

export interface ResolvedOperatorMonitoringArgs {
  readonly appName: string;
  readonly podSelector: Record<string, string>;
  readonly ruleGroups: RuleGroup[];
  readonly selectorLabels: Record<string, string>;
  readonly interval: string;
  readonly ports: string[];
  readonly otherNamespaces: string[];
}

/** Pure: validates the args and resolves every default. */
export function resolveOperatorMonitoringArgs(name: string, args: OperatorMonitoringArgs): ResolvedOperatorMonitoringArgs {
  if (Object.keys(args.podSelector).length === 0) throw new ArgumentError(COMPONENT, "podSelector", {}, "give the labels of the pods to scrape; an empty selector would scrape every pod.");
  const interval = args.interval ?? "30s";
  if (!/^[0-9]+(s|m)$/.test(interval)) throw new ArgumentError(COMPONENT, "interval", interval, 'use a duration such as "30s".');
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    podSelector: checkLabels(COMPONENT, "podSelector", args.podSelector),
    ruleGroups: args.ruleGroups ?? [],
    selectorLabels: checkLabels(COMPONENT, "selectorLabels", args.selectorLabels ?? { release: "kube-prometheus-stack" }),
    interval,
    ports: args.ports ?? ["metrics"],
    otherNamespaces: (args.otherNamespaces ?? []).map((ns) => checkDnsLabel(COMPONENT, "otherNamespaces", ns)),
  };
}

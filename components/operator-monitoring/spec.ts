/** Pure builders of the prometheus-operator objects: the same targets and rules as the stack's own Prometheus. */
import type { ResolvedOperatorMonitoringArgs } from "./args";

const META = "__meta_kubernetes_pod";

/** The same labels as the Prometheus component's pod scrape (app, component; namespace, pod and container are the operator's). */
function relabelings(component?: string): object[] {
  return [
    { sourceLabels: [`${META}_label_app_kubernetes_io_name`], targetLabel: "app" },
    component
      ? { targetLabel: "component", replacement: component }
      : { sourceLabels: [`${META}_label_app_kubernetes_io_component`], targetLabel: "component" },
    { sourceLabels: ["app"], targetLabel: "job" },
  ];
}

/**
 * PodMonitor spec: every selected pod's metrics ports; `sentinel-exp` is labelled component="sentinel". With
 * other namespaces, `namespace` is the PodMonitor's own namespace, known once it exists.
 */
export function podMonitorSpec(r: ResolvedOperatorMonitoringArgs, namespace?: string): object {
  return {
    selector: { matchLabels: r.podSelector },
    ...(r.otherNamespaces.length > 0 && namespace ? { namespaceSelector: { matchNames: [namespace, ...r.otherNamespaces] } } : {}),
    podMetricsEndpoints: r.ports.map((port) => ({ port, path: "/metrics", interval: r.interval, relabelings: relabelings(port === "sentinel-exp" ? "sentinel" : undefined) })),
  };
}

/** PrometheusRule spec: the rule groups as they are. */
export function prometheusRuleSpec(r: ResolvedOperatorMonitoringArgs): object {
  return { groups: r.ruleGroups };
}

/** prometheus-operator mode: the same targets and rules as objects the cluster's Prometheus picks up. */
import { beforeEach, describe, expect, it } from "vitest";
import { OperatorMonitoring, resolveOperatorMonitoringArgs } from "../operator-monitoring";
import { byType, one, resetRegistered, settle, setupMocks } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const base = { namespace: "notes", podSelector: { "app.kubernetes.io/part-of": "node-service-platform" } };

describe("OperatorMonitoring", () => {
  it("refuses an empty pod selector (it would scrape every pod of the namespace)", () => {
    expect(() => resolveOperatorMonitoringArgs("m", { ...base, podSelector: {} })).toThrow(/argument "podSelector" .*empty selector would scrape every pod/);
  });

  it("labels a PodMonitor and a PrometheusRule for the cluster's Prometheus, relabelled like the stack's own scrape", async () => {
    const groups = [{ name: "g", rules: [{ alert: "X", expr: "up == 0", labels: { severity: "critical" as const }, annotations: { summary: "s", description: "d", runbook_url: "https://x" } }] }];
    new OperatorMonitoring("monitoring", { ...base, ruleGroups: groups, ports: ["metrics", "sentinel-exp"] });
    await settle();
    const monitor = one("kubernetes:monitoring.coreos.com/v1:PodMonitor").inputs;
    expect(monitor.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(monitor.spec.selector).toEqual({ matchLabels: base.podSelector });
    const [metrics, sentinel] = monitor.spec.podMetricsEndpoints;
    expect(metrics.relabelings).toContainEqual({ sourceLabels: ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], targetLabel: "component" });
    expect(sentinel.relabelings).toContainEqual({ targetLabel: "component", replacement: "sentinel" });
    expect(one("kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs.spec).toEqual({ groups });
  });

  it("emits no PrometheusRule without rules, and selects pods of its own namespace only unless told", async () => {
    new OperatorMonitoring("monitoring", base);
    await settle();
    expect(byType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")).toHaveLength(0);
    expect(one("kubernetes:monitoring.coreos.com/v1:PodMonitor").inputs.spec.namespaceSelector).toBeUndefined();
  });

  it("selects the pods of other namespaces too (the log shipper's) when given", async () => {
    new OperatorMonitoring("monitoring", { ...base, namespace: "notes", otherNamespaces: ["notes-logs"] });
    await settle();
    expect(one("kubernetes:monitoring.coreos.com/v1:PodMonitor").inputs.spec.namespaceSelector).toEqual({ matchNames: ["notes", "notes-logs"] });
    expect(() => new OperatorMonitoring("bad", { ...base, otherNamespaces: ["Not A Namespace"] })).toThrow(/otherNamespaces/);
  });
});

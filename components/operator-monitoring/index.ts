import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels } from "../lib/k8s";
import { type OperatorMonitoringArgs, resolveOperatorMonitoringArgs } from "./args";
import { podMonitorSpec, prometheusRuleSpec } from "./spec";

export * from "./args";

const MONITORING = "monitoring.coreos.com/v1";

/**
 * For clusters that already run prometheus-operator (kube-prometheus-stack): a PodMonitor and a PrometheusRule
 * from the same targets and rules the stack's own Prometheus uses, labelled for the cluster's Prometheus to pick up.
 */
export class OperatorMonitoring extends pulumi.ComponentResource {
  constructor(name: string, args: OperatorMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:OperatorMonitoring", name, {}, opts);
    const r = resolveOperatorMonitoringArgs(name, args);
    const metadata = { namespace: args.namespace, labels: { ...recommendedLabels(r.appName, "monitoring", name), ...r.selectorLabels } };
    const child = { parent: this };
    new k8s.apiextensions.CustomResource(`${name}-podmonitor`, { apiVersion: MONITORING, kind: "PodMonitor", metadata, spec: pulumi.output(args.namespace).apply((ns) => podMonitorSpec(r, ns)) }, child);
    if (r.ruleGroups.length > 0) {
      new k8s.apiextensions.CustomResource(`${name}-rules`, { apiVersion: MONITORING, kind: "PrometheusRule", metadata, spec: prometheusRuleSpec(r) }, child);
    }
    this.registerOutputs({});
  }
}

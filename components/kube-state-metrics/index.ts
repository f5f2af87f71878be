import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels, selectorLabels, serviceAddress } from "../lib/k8s";
import { KUBE_STATE_METRICS_PORT, type KubeStateMetricsArgs, resolveKubeStateMetricsArgs } from "./args";
import { KSM_RULES, deploymentSpec, networkPolicySpec, serviceSpec } from "./spec";

export * from "./args";

/**
 * kube-state-metrics for the watched namespaces only: Deployments, pods, HPAs, StatefulSets, CronJobs and Jobs as
 * metrics (restarts, availability, autoscaler limits, backup runs), with a read-only Role in each namespace.
 */
export class KubeStateMetrics extends pulumi.ComponentResource {
  /** host:port Prometheus scrapes. */
  readonly address: pulumi.Output<string>;

  constructor(name: string, args: KubeStateMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:KubeStateMetrics", name, {}, opts);
    const r = resolveKubeStateMetricsArgs(name, args);
    const selector = selectorLabels(r.appName, "kube-state-metrics");
    const labels = recommendedLabels(r.appName, "kube-state-metrics", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta }, child);
    for (const ns of r.watchNamespaces) {
      const role = new k8s.rbac.v1.Role(`${name}-read-${ns}`, { metadata: { namespace: ns, labels }, rules: KSM_RULES }, child);
      new k8s.rbac.v1.RoleBinding(
        `${name}-read-${ns}`,
        {
          metadata: { namespace: ns, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace }],
        },
        child,
      );
    }
    new k8s.apps.v1.Deployment(`${name}-deployment`, { metadata: meta, spec: deploymentSpec(r, { serviceAccountName: sa.metadata.name, selector, podLabels: labels }) }, child);
    // Named after the app: Prometheus' configuration names it before this component exists (kubeStateMetricsAddress).
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: { ...meta, name: r.appName }, spec: serviceSpec(selector) }, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    this.address = serviceAddress(service.metadata.name, args.namespace, KUBE_STATE_METRICS_PORT);
    this.registerOutputs({ address: this.address });
  }
}

import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels, serviceAddress } from "../lib/k8s";
import { type PrometheusArgs, resolvePrometheusArgs } from "./args";
import { KUBELET_READER_RULES, POD_READER_RULES, PROMETHEUS_PORT, networkPolicySpec, prometheusConfig, rulesFile, serviceSpec, statefulSetSpec } from "./spec";

export * from "./args";
export * from "./rules";
export { EXPORTER_METRICS, type MetricSource } from "./metric-sources";

/**
 * Prometheus on a StatefulSet with its data on a PVC: scrapes the `metrics` ports of the watched namespaces'
 * pods (a Role in each, nothing cluster-wide unless scrapeKubelet), loads the stack's rules, sends alerts to
 * Alertmanager; internal only (NetworkPolicy, ClusterIP Service).
 */
export class Prometheus extends pulumi.ComponentResource {
  /** In-cluster address of the web UI and API, host:port. */
  readonly address: pulumi.Output<string>;
  /** Labels of the Prometheus pod, for the NetworkPolicies of the pods it scrapes. */
  readonly podSelector: Record<string, string>;
  /** Name of the ServiceAccount (what the RoleBindings grant to). */
  readonly serviceAccountName: pulumi.Output<string>;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Prometheus", name, {}, opts);
    const r = resolvePrometheusArgs(name, args);
    const selector = selectorLabels(r.appName, "prometheus");
    const labels = recommendedLabels(r.appName, "prometheus", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const configYaml = stringify(prometheusConfig(r));
    const rulesYaml = stringify(rulesFile(r));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { "prometheus.yml": configYaml } }, child);
    const rules = new k8s.core.v1.ConfigMap(`${name}-rules`, { metadata: meta, data: { "rules.yaml": rulesYaml } }, child);
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta }, child);
    const saNamespace = sa.metadata.namespace;
    for (const ns of r.scrapeNamespaces) {
      const role = new k8s.rbac.v1.Role(`${name}-pods-${ns}`, { metadata: { namespace: ns, labels }, rules: POD_READER_RULES }, child);
      new k8s.rbac.v1.RoleBinding(
        `${name}-pods-${ns}`,
        {
          metadata: { namespace: ns, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: saNamespace }],
        },
        child,
      );
    }
    if (r.scrapeKubelet) {
      const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-kubelet`, { metadata: { labels }, rules: KUBELET_READER_RULES }, child);
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-kubelet`,
        {
          metadata: { labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: saNamespace }],
        },
        child,
      );
    }
    const headless = new k8s.core.v1.Service(`${name}-headless`, { metadata: meta, spec: serviceSpec(selector, true) }, child);
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta, spec: serviceSpec(selector, false) }, child);
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: meta,
        spec: statefulSetSpec(r, {
          serviceAccountName: sa.metadata.name,
          configMapName: config.metadata.name,
          rulesConfigMapName: rules.metadata.name,
          checksum: crypto.createHash("sha256").update(configYaml).update(rulesYaml).digest("hex"),
          selector,
          podLabels: labels,
          headlessServiceName: headless.metadata.name,
          storageClassName: args.storageClassName,
        }),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    this.address = serviceAddress(service.metadata.name, args.namespace, PROMETHEUS_PORT);
    this.podSelector = selector;
    this.serviceAccountName = sa.metadata.name;
    this.registerOutputs({ address: this.address, serviceAccountName: this.serviceAccountName });
  }
}

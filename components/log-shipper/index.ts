import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels } from "../lib/k8s";
import { type LogShipperArgs, resolveLogShipperArgs } from "./args";
import { CONFIG_FILE, daemonSetSpec, logShipperConfig, networkPolicySpec, podReaderRules } from "./spec";

export * from "./args";
export { logShipperConfig, type LogShipperPaths } from "./spec";

/**
 * Ships the pods' logs of one namespace to Loki: an OpenTelemetry Collector DaemonSet that tails each node's
 * /var/log/pods (read-only), parses the service's JSON lines, labels each stream with the pod's app and
 * component, its namespace, container and level, carries trace_id as structured metadata, and sends over OTLP.
 *
 * Why a DaemonSet on the node's files rather than the Kubernetes API's log endpoint: the files survive the API
 * server and the shipper's restarts (offsets are kept on the node), cost the API server nothing, and are what
 * the kubelet rotates; the price is a hostPath mount and root (the files are root's), confined to a namespace
 * of its own. Its RBAC is one Role in the source namespace: get, list and watch pods, for their labels.
 */
export class LogShipper extends pulumi.ComponentResource {
  /** The DaemonSet's name. */
  readonly daemonSetName: pulumi.Output<string>;

  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:LogShipper", name, {}, opts);
    const r = resolveLogShipperArgs(name, args);
    const selector = selectorLabels(r.appName, "log-shipper");
    const labels = recommendedLabels(r.appName, "log-shipper", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const configYaml = pulumi.output(args.lokiOtlpEndpoint).apply((endpoint) => stringify(logShipperConfig(r, endpoint)));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { [CONFIG_FILE]: configYaml } }, child);
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta }, child);
    const role = new k8s.rbac.v1.Role(`${name}-pod-reader`, { metadata: { namespace: r.sourceNamespace, labels }, rules: podReaderRules() }, child);
    new k8s.rbac.v1.RoleBinding(
      `${name}-pod-reader`,
      {
        metadata: { namespace: r.sourceNamespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }],
      },
      child,
    );
    const daemonSet = new k8s.apps.v1.DaemonSet(
      `${name}-daemonset`,
      {
        metadata: meta,
        spec: daemonSetSpec(r, {
          configMapName: config.metadata.name,
          checksum: configYaml.apply((y) => crypto.createHash("sha256").update(y).digest("hex")),
          serviceAccountName: account.metadata.name,
          selector,
          podLabels: labels,
        }),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    this.daemonSetName = daemonSet.metadata.name;
    this.registerOutputs({ daemonSetName: this.daemonSetName });
  }
}

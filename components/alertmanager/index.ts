import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels, serviceAddress } from "../lib/k8s";
import { type AlertmanagerArgs, ReceiverKind, resolveAlertmanagerArgs } from "./args";
import { ALERTMANAGER_PORT, RECEIVER_URL_KEY, alertmanagerConfig, deploymentSpec, networkPolicySpec, serviceSpec } from "./spec";

export * from "./args";

/**
 * Alertmanager: routes Prometheus' alerts by severity (critical pages, warnings make tickets), groups them and
 * inhibits a slow SLO burn under the fast one; the receiver's URL lives in a Secret. Internal only.
 */
export class Alertmanager extends pulumi.ComponentResource {
  /** host:port Prometheus sends alerts to. */
  readonly address: pulumi.Output<string>;
  /** Labels of the Alertmanager pod (plain value). */
  readonly podSelector: Record<string, string>;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Alertmanager", name, {}, opts);
    const r = resolveAlertmanagerArgs(name, args);
    const selector = selectorLabels(r.appName, "alertmanager");
    const labels = recommendedLabels(r.appName, "alertmanager", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const configYaml = stringify(alertmanagerConfig(r));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { "alertmanager.yml": configYaml } }, child);
    const secret =
      r.receiver === ReceiverKind.None
        ? undefined
        : new k8s.core.v1.Secret(
            `${name}-receiver`,
            { metadata: meta, type: "Opaque", stringData: { [RECEIVER_URL_KEY]: pulumi.secret(args.receiverUrl as pulumi.Input<string>) } },
            { ...child, additionalSecretOutputs: ["data", "stringData"] },
          );
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: deploymentSpec(r, {
          configMapName: config.metadata.name,
          secretName: secret?.metadata.name,
          checksum: crypto.createHash("sha256").update(configYaml).digest("hex"),
          selector,
          podLabels: labels,
        }),
      },
      child,
    );
    // Named after the app: Prometheus' configuration names it before this component exists (alertmanagerAddress).
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: { ...meta, name: r.appName }, spec: serviceSpec(selector) }, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    this.address = serviceAddress(service.metadata.name, args.namespace, ALERTMANAGER_PORT);
    this.podSelector = selector;
    this.registerOutputs({ address: this.address });
  }
}

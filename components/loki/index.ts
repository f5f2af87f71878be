import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels } from "../lib/k8s";
import { LOKI_HTTP_PORT, LOKI_OTLP_PATH, type LokiArgs, resolveLokiArgs } from "./args";
import { CONFIG_FILE, headlessServiceSpec, lokiConfig, networkPolicySpec, serviceSpec, statefulSetSpec } from "./spec";

export * from "./args";
export { lokiConfig, type LokiPaths } from "./spec";

/**
 * Loki 3 in monolithic mode: receives log lines over OTLP/HTTP (and Loki's own push API), keeps them on a PVC
 * with a TSDB index and structured metadata for `retentionDays`, and answers LogQL queries (Grafana's Loki
 * datasource), inside the cluster only.
 */
export class Loki extends pulumi.ComponentResource {
  /** Its HTTP API, for Grafana's datasource: http://host:3100. */
  readonly url: pulumi.Output<string>;
  /** Where a log shipper's OTLP/HTTP exporter sends: http://host:3100/otlp. */
  readonly otlpEndpoint: pulumi.Output<string>;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Loki", name, {}, opts);
    const r = resolveLokiArgs(name, args);
    const selector = selectorLabels(r.appName, "loki");
    const labels = recommendedLabels(r.appName, "loki", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const configYaml = stringify(lokiConfig(r));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { [CONFIG_FILE]: configYaml } }, child);
    // Named after the app: the shipper and Grafana name it before this exists (lokiAddress).
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: { ...meta, name: r.appName }, spec: serviceSpec(selector) }, child);
    const headless = new k8s.core.v1.Service(`${name}-headless`, { metadata: meta, spec: headlessServiceSpec(selector) }, child);
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: meta,
        spec: statefulSetSpec(
          r,
          {
            configMapName: config.metadata.name,
            checksum: crypto.createHash("sha256").update(configYaml).digest("hex"),
            selector,
            podLabels: labels,
            storageClassName: args.storageClassName,
          },
          headless.metadata.name,
        ),
      },
      child,
    );
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    const host = pulumi.all([service.metadata.name, args.namespace]).apply(([svc, ns]) => (ns ? `${svc}.${ns}.svc` : svc));
    this.url = pulumi.interpolate`http://${host}:${LOKI_HTTP_PORT}`;
    this.otlpEndpoint = pulumi.interpolate`${this.url}${LOKI_OTLP_PATH}`;
    this.registerOutputs({ url: this.url, otlpEndpoint: this.otlpEndpoint });
  }
}

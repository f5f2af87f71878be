import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels } from "../lib/k8s";
import { type JaegerArgs, OTLP_HTTP_PORT, QUERY_PORT, resolveJaegerArgs } from "./args";
import { CONFIG_FILE, headlessServiceSpec, jaegerConfig, networkPolicySpec, serviceSpec, statefulSetSpec } from "./spec";

export * from "./args";
export { jaegerConfig } from "./spec";

/**
 * Jaeger v2: receives OTLP traces (gRPC 4317, HTTP 4318), keeps them in memory (dev) or in Badger on a PVC with a
 * TTL (prod), and serves the query API and UI on 16686, inside the cluster only (kubectl port-forward, or Grafana).
 */
export class Jaeger extends pulumi.ComponentResource {
  /** OTLP/HTTP endpoint for OTEL_EXPORTER_OTLP_ENDPOINT: http://host:4318. */
  readonly otlpHttpEndpoint: pulumi.Output<string>;
  /** The query API and UI (Grafana's Jaeger datasource): http://host:16686. */
  readonly queryUrl: pulumi.Output<string>;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Jaeger", name, {}, opts);
    const r = resolveJaegerArgs(name, args);
    const selector = selectorLabels(r.appName, "jaeger");
    const labels = recommendedLabels(r.appName, "jaeger", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const configYaml = stringify(jaegerConfig(r));
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: { [CONFIG_FILE]: configYaml } }, child);
    // Named after the app: the service's OTLP endpoint and Grafana's datasource name it before this exists (jaegerHost).
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
    this.otlpHttpEndpoint = pulumi.interpolate`http://${host}:${OTLP_HTTP_PORT}`;
    this.queryUrl = pulumi.interpolate`http://${host}:${QUERY_PORT}`;
    this.registerOutputs({ otlpHttpEndpoint: this.otlpHttpEndpoint, queryUrl: this.queryUrl });
  }
}

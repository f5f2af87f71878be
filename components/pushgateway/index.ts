import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readWriteOnceClaim, recommendedLabels, selectorLabels, serviceAddress } from "../lib/k8s";
import { PUSHGATEWAY_PORT, type PushgatewayArgs, resolvePushgatewayArgs } from "./args";
import { deploymentSpec, networkPolicySpec, serviceSpec } from "./spec";

export * from "./args";

/**
 * Prometheus' Pushgateway, where batch jobs (the Redis backups) leave their outcome for Prometheus to scrape;
 * what was pushed is kept on a small PVC across restarts. Internal only.
 */
export class Pushgateway extends pulumi.ComponentResource {
  /** host:port to push to and to scrape. */
  readonly address: pulumi.Output<string>;
  /** http://host:port, for the jobs that push. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: PushgatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Pushgateway", name, {}, opts);
    const r = resolvePushgatewayArgs(name, args);
    const selector = selectorLabels(r.appName, "pushgateway");
    const labels = recommendedLabels(r.appName, "pushgateway", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, { metadata: meta, spec: readWriteOnceClaim(r.storageSize, args.storageClassName) }, child);
    new k8s.apps.v1.Deployment(`${name}-deployment`, { metadata: meta, spec: deploymentSpec(r, { claimName: claim.metadata.name, selector, podLabels: labels }) }, child);
    // Named after the app: the jobs and Prometheus name it before this component exists (pushgatewayAddress).
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: { ...meta, name: r.appName }, spec: serviceSpec(selector) }, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, selector) }, child);

    this.address = serviceAddress(service.metadata.name, args.namespace, PUSHGATEWAY_PORT);
    this.url = pulumi.interpolate`http://${this.address}`;
    this.registerOutputs({ address: this.address, url: this.url });
  }
}

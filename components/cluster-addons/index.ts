import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterAddonsArgs, resolveClusterAddonsArgs } from "./args";
import {
  CERT_MANAGER_NAMESPACE,
  GATEWAY_API_CRDS_OPTIONS,
  NGINX_GATEWAY_NAMESPACE,
  certManagerReleaseArgs,
  gatewayApiCrdsArgs,
  gatewayClassName,
  namespaceArgs,
  nginxGatewayFabricReleaseArgs,
} from "./spec";

export * from "./args";

/** Cluster-wide add-ons the stack needs when the cluster does not have them: cert-manager, Gateway API CRDs and an implementation. */
export class ClusterAddons extends pulumi.ComponentResource {
  /** Resources later objects must wait for (CRDs and controllers). */
  readonly ready: pulumi.Output<pulumi.Resource[]>;
  /** The GatewayClass the Gateway API implementation provides, or empty. */
  readonly gatewayClassName: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:ClusterAddons", name, {}, opts);
    const r = resolveClusterAddonsArgs(args);
    const child = { parent: this };
    const ready: pulumi.Resource[] = [];
    const crds = r.gatewayApi ? new k8s.yaml.v2.ConfigFile(`${name}-gateway-api-crds`, gatewayApiCrdsArgs(r), { ...child, ...GATEWAY_API_CRDS_OPTIONS }) : undefined;
    if (crds) ready.push(crds);
    const afterCrds = (): pulumi.CustomResourceOptions => ({ ...child, dependsOn: crds ? [crds] : [] });

    if (r.certManager) {
      const ns = new k8s.core.v1.Namespace(`${name}-cert-manager-ns`, namespaceArgs(CERT_MANAGER_NAMESPACE), child);
      ready.push(new k8s.helm.v3.Release(`${name}-cert-manager`, certManagerReleaseArgs(r, ns.metadata.name), afterCrds()));
    }

    if (r.gatewayApi) {
      const ns = new k8s.core.v1.Namespace(`${name}-nginx-gateway-ns`, namespaceArgs(NGINX_GATEWAY_NAMESPACE), child);
      ready.push(new k8s.helm.v3.Release(`${name}-nginx-gateway-fabric`, nginxGatewayFabricReleaseArgs(r, ns.metadata.name), afterCrds()));
    }

    this.ready = pulumi.output(ready);
    this.gatewayClassName = pulumi.output(gatewayClassName(r));
    this.registerOutputs({ gatewayClassName: this.gatewayClassName });
  }
}

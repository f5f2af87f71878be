/**
 * Pure builders of ClusterAddons' inputs: resolved args (plus the namespaces Pulumi
 * creates) in, @pulumi/kubernetes input types out. No resource is created here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedClusterAddonsArgs } from "./args";

/** Namespace cert-manager is installed into (also its cluster resource namespace). */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** Namespace NGINX Gateway Fabric is installed into. */
export const NGINX_GATEWAY_NAMESPACE = "nginx-gateway";
/** The GatewayClass NGINX Gateway Fabric provides. */
export const NGINX_GATEWAY_CLASS = "nginx";

/** A namespace created by the add-ons, with a fixed name. */
export function namespaceArgs(namespace: string): k8s.core.v1.NamespaceArgs {
  return { metadata: { name: namespace } };
}

/**
 * Options of the Gateway API CRDs: kept on `pulumi destroy`, because deleting a CRD deletes every object of
 * its kind in the cluster, including Gateways and routes other stacks own.
 */
export const GATEWAY_API_CRDS_OPTIONS = { retainOnDelete: true } as const;

/** The standard-channel Gateway API CRDs of the pinned release. */
export function gatewayApiCrdsArgs(r: ResolvedClusterAddonsArgs): k8s.yaml.v2.ConfigFileArgs {
  return { file: `https://github.com/kubernetes-sigs/gateway-api/releases/download/${r.gatewayApiVersion}/standard-install.yaml` };
}

/** cert-manager from jetstack's chart: CRDs installed and kept on uninstall, Gateway API support on. */
export function certManagerReleaseArgs(r: ResolvedClusterAddonsArgs, namespace: pulumi.Input<string>): k8s.helm.v3.ReleaseArgs {
  return {
    name: "cert-manager",
    chart: "cert-manager",
    version: r.certManagerVersion,
    repositoryOpts: { repo: "https://charts.jetstack.io" },
    namespace,
    atomic: true,
    values: {
      crds: { enabled: true, keep: true },
      config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
      resources: { requests: { cpu: "10m", memory: "64Mi" } },
    },
  };
}

/** NGINX Gateway Fabric from its OCI chart, providing the `nginx` GatewayClass. */
export function nginxGatewayFabricReleaseArgs(r: ResolvedClusterAddonsArgs, namespace: pulumi.Input<string>): k8s.helm.v3.ReleaseArgs {
  return {
    name: "ngf",
    chart: "oci://ghcr.io/nginx/charts/nginx-gateway-fabric",
    version: r.nginxGatewayFabricVersion,
    namespace,
    atomic: true,
    values: { nginxGateway: { gatewayClassName: NGINX_GATEWAY_CLASS }, nginx: { replicas: r.edgeProxyReplicas } },
  };
}

/** The GatewayClass the installed Gateway API implementation provides, or empty when none is installed. */
export function gatewayClassName(r: ResolvedClusterAddonsArgs): string {
  return r.gatewayApi ? NGINX_GATEWAY_CLASS : "";
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../lib/validate";

const COMPONENT = "ClusterAddons";

/** Pinned versions of what the add-ons install. */
export const ADDON_VERSIONS = {
  certManager: "v1.20.2",
  gatewayApi: "v1.5.1",
  nginxGatewayFabric: "2.6.5",
} as const;

export interface ClusterAddonsArgs {
  /** Install cert-manager (chart jetstack/cert-manager, CRDs included, Gateway API support on). @default true */
  readonly certManager?: boolean;
  /** cert-manager chart version. @default ADDON_VERSIONS.certManager */
  readonly certManagerVersion?: string;
  /** Install the Gateway API standard CRDs and NGINX Gateway Fabric. @default true */
  readonly gatewayApi?: boolean;
  /** Gateway API release of the CRDs. @default ADDON_VERSIONS.gatewayApi */
  readonly gatewayApiVersion?: string;
  /** NGINX Gateway Fabric chart version. @default ADDON_VERSIONS.nginxGatewayFabric */
  readonly nginxGatewayFabricVersion?: string;
}

export interface ResolvedClusterAddonsArgs {
  readonly certManager: boolean;
  readonly certManagerVersion: string;
  readonly gatewayApi: boolean;
  readonly gatewayApiVersion: string;
  readonly nginxGatewayFabricVersion: string;
}

const SEMVER = /^v?[0-9]+\.[0-9]+\.[0-9]+$/;

/** Pure: validates the args and resolves every default. Versions must be exact (pinned), never ranges. */
export function resolveClusterAddonsArgs(args: ClusterAddonsArgs): ResolvedClusterAddonsArgs {
  const pinned = (arg: string, v: string) => {
    if (!SEMVER.test(v)) throw new ArgumentError(COMPONENT, arg, v, "pin an exact version such as v1.2.3 (no ranges, no 'latest').");
    return v;
  };
  return {
    certManager: args.certManager ?? true,
    certManagerVersion: pinned("certManagerVersion", args.certManagerVersion ?? ADDON_VERSIONS.certManager),
    gatewayApi: args.gatewayApi ?? true,
    gatewayApiVersion: pinned("gatewayApiVersion", args.gatewayApiVersion ?? ADDON_VERSIONS.gatewayApi),
    nginxGatewayFabricVersion: pinned("nginxGatewayFabricVersion", args.nginxGatewayFabricVersion ?? ADDON_VERSIONS.nginxGatewayFabric),
  };
}

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
    let crds: pulumi.Resource | undefined;

    if (r.gatewayApi) {
      crds = new k8s.yaml.v2.ConfigFile(
        `${name}-gateway-api-crds`,
        { file: `https://github.com/kubernetes-sigs/gateway-api/releases/download/${r.gatewayApiVersion}/standard-install.yaml` },
        child,
      );
      ready.push(crds);
    }

    if (r.certManager) {
      const ns = new k8s.core.v1.Namespace(`${name}-cert-manager-ns`, { metadata: { name: "cert-manager" } }, child);
      ready.push(
        new k8s.helm.v3.Release(
          `${name}-cert-manager`,
          {
            name: "cert-manager",
            chart: "cert-manager",
            version: r.certManagerVersion,
            repositoryOpts: { repo: "https://charts.jetstack.io" },
            namespace: ns.metadata.name,
            atomic: true,
            values: {
              crds: { enabled: true, keep: true },
              config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
              resources: { requests: { cpu: "10m", memory: "64Mi" } },
            },
          },
          { ...child, dependsOn: crds ? [crds] : [] },
        ),
      );
    }

    if (r.gatewayApi) {
      const ns = new k8s.core.v1.Namespace(`${name}-nginx-gateway-ns`, { metadata: { name: "nginx-gateway" } }, child);
      ready.push(
        new k8s.helm.v3.Release(
          `${name}-nginx-gateway-fabric`,
          {
            name: "ngf",
            chart: "oci://ghcr.io/nginx/charts/nginx-gateway-fabric",
            version: r.nginxGatewayFabricVersion,
            namespace: ns.metadata.name,
            atomic: true,
            values: { nginxGateway: { gatewayClassName: "nginx" } },
          },
          { ...child, dependsOn: crds ? [crds] : [] },
        ),
      );
    }

    this.ready = pulumi.output(ready);
    this.gatewayClassName = pulumi.output(r.gatewayApi ? "nginx" : "");
    this.registerOutputs({ gatewayClassName: this.gatewayClassName });
  }
}

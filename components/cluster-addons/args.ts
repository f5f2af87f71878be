/** ClusterAddons' public arguments, the pinned versions and their pure validation. */
import { ArgumentError, checkInt } from "../lib/validate";

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
  /** NGINX proxy pods per Gateway (chart value nginx.replicas), so a drain or a crash never takes the edge down. @default 2 */
  readonly edgeProxyReplicas?: number;
}

export interface ResolvedClusterAddonsArgs {
  readonly certManager: boolean;
  readonly certManagerVersion: string;
  readonly gatewayApi: boolean;
  readonly gatewayApiVersion: string;
  readonly nginxGatewayFabricVersion: string;
  readonly edgeProxyReplicas: number;
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
    edgeProxyReplicas: checkInt(COMPONENT, "edgeProxyReplicas", args.edgeProxyReplicas ?? 2, 1, 20),
  };
}

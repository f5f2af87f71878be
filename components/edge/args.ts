/** Edge's public arguments and their pure validation. */
import type * as pulumi from "@pulumi/pulumi";
import { ArgumentError, checkDnsLabel, checkDnsName, checkInt, checkOneOf } from "../lib/validate";

const COMPONENT = "Edge";

export enum EdgeMode {
  /** Gateway API: an HTTPRoute on an existing Gateway or on one this component creates. */
  Gateway = "gateway",
  /** Classic networking.k8s.io/v1 Ingress with cert-manager's annotation. */
  Ingress = "ingress",
}

/** An existing Gateway to attach the route to. */
export interface GatewayRef {
  /** Gateway name. Required (no default). */
  readonly name: string;
  /** @default the route's namespace */
  readonly namespace?: string;
  /** Listener to attach to. @default every listener that accepts the host */
  readonly sectionName?: string;
}

export interface EdgeArgs {
  /** Namespace of the route, Gateway, Ingress and certificate secret. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` label. @default the component name */
  readonly appName?: string;
  /** Public host name. Required (no default). */
  readonly hostname: string;
  /** Service that receives the traffic. Required (no default). */
  readonly serviceName: pulumi.Input<string>;
  /** Its port. @default 8080 */
  readonly servicePort?: number;
  /**
   * Path prefixes routed to the Service; nothing else of the host is. Add "/docs" and "/openapi.json" to
   * publish the service's API documentation. @default ["/v1"] (the API only: never /metrics or the probes)
   */
  readonly pathPrefixes?: string[];
  /** Gateway API or Ingress. @default EdgeMode.Gateway */
  readonly mode?: EdgeMode;
  /** Attach to this Gateway instead of creating one (gateway mode). @default unset: create a Gateway */
  readonly gateway?: GatewayRef;
  /** Name of the Gateway this component creates (fixed, so NetworkPolicies and ACME solvers can name it). @default the component name */
  readonly gatewayName?: string;
  /** GatewayClass of the created Gateway. @default "nginx" (NGINX Gateway Fabric) */
  readonly gatewayClassName?: string;
  /** IngressClass in ingress mode. @default unset: the cluster's default IngressClass (ingress-nginx, once the usual "nginx", was retired in March 2026) */
  readonly ingressClassName?: string;
  /** cert-manager ClusterIssuer that signs the certificate. @default unset: allowed only when attaching to an existing Gateway (which owns its certificate) */
  readonly clusterIssuerName?: pulumi.Input<string>;
  /** Add HSTS and security headers to every response (Gateway API ResponseHeaderModifier). @default true */
  readonly securityHeaders?: boolean;
  /** HSTS max-age. @default 31536000 (one year) */
  readonly hstsMaxAgeSeconds?: number;
}

/** EdgeArgs after validation, with every default applied. */
export interface ResolvedEdgeArgs {
  readonly appName: string;
  readonly hostname: string;
  readonly servicePort: number;
  readonly pathPrefixes: string[];
  readonly mode: EdgeMode;
  readonly gateway?: GatewayRef;
  readonly gatewayName: string;
  readonly gatewayClassName: string;
  readonly ingressClassName: string | undefined;
  readonly securityHeaders: boolean;
  readonly hstsMaxAgeSeconds: number;
  readonly createsGateway: boolean;
}

/** Absolute paths without spaces, query or fragment, each once; at least one. */
function checkPathPrefixes(prefixes: string[]): string[] {
  if (prefixes.length === 0 || prefixes.length > 16) throw new ArgumentError(COMPONENT, "pathPrefixes", prefixes, "list 1 to 16 path prefixes such as \"/v1\".");
  for (const p of prefixes) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(p) || p.length > 1024) {
      throw new ArgumentError(COMPONENT, "pathPrefixes", p, 'use an absolute path of letters, digits and "._~-/" such as "/v1".');
    }
  }
  if (new Set(prefixes).size !== prefixes.length) throw new ArgumentError(COMPONENT, "pathPrefixes", prefixes, "list each prefix once.");
  return prefixes;
}

/** Pure: validates the args and resolves every default. */
export function resolveEdgeArgs(name: string, args: EdgeArgs): ResolvedEdgeArgs {
  const mode = checkOneOf(COMPONENT, "mode", args.mode ?? EdgeMode.Gateway, [EdgeMode.Gateway, EdgeMode.Ingress]);
  if (mode === EdgeMode.Ingress && args.gateway) {
    throw new ArgumentError(COMPONENT, "gateway", args.gateway, "is only used in gateway mode; remove it or set mode to EdgeMode.Gateway.");
  }
  if (args.gateway) {
    checkDnsLabel(COMPONENT, "gateway.name", args.gateway.name);
    if (args.gateway.namespace !== undefined) checkDnsLabel(COMPONENT, "gateway.namespace", args.gateway.namespace);
    if (args.gateway.sectionName !== undefined) checkDnsLabel(COMPONENT, "gateway.sectionName", args.gateway.sectionName);
  }
  const createsGateway = mode === EdgeMode.Gateway && !args.gateway;
  if ((createsGateway || mode === EdgeMode.Ingress) && args.clusterIssuerName === undefined) {
    throw new ArgumentError(COMPONENT, "clusterIssuerName", undefined, "is required when the component terminates TLS (created Gateway or Ingress): name a cert-manager ClusterIssuer.");
  }
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    hostname: checkDnsName(COMPONENT, "hostname", args.hostname),
    servicePort: checkInt(COMPONENT, "servicePort", args.servicePort ?? 8080, 1, 65535),
    pathPrefixes: checkPathPrefixes(args.pathPrefixes ?? ["/v1"]),
    mode,
    gateway: args.gateway,
    gatewayName: checkDnsLabel(COMPONENT, "gatewayName", args.gatewayName ?? name),
    gatewayClassName: args.gatewayClassName ?? "nginx",
    ingressClassName: args.ingressClassName,
    securityHeaders: args.securityHeaders ?? true,
    hstsMaxAgeSeconds: checkInt(COMPONENT, "hstsMaxAgeSeconds", args.hstsMaxAgeSeconds ?? 31_536_000, 0, 63_072_000),
    createsGateway,
  };
}

/** Edge's public arguments and their pure validation. */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPeer } from "../lib/k8s";
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
  readonly servicePort?: pulumi.Input<number>;
  /**
   * Path prefixes routed to the Service; nothing else of the host is. Add "/docs" and "/openapi.json" to
   * publish the service's API documentation. @default ["/v1"] (the API only: never /metrics or the probes)
   */
  readonly pathPrefixes?: string[];
  /**
   * Further Services behind the same host and certificate, each on its own path prefix (Grafana at "/grafana",
   * say). Each must serve from that sub-path itself. @default []
   */
  readonly subPathServices?: SubPathService[];
  /** Gateway API or Ingress. @default EdgeMode.Gateway */
  readonly mode?: EdgeMode;
  /** Attach to this Gateway instead of creating one (gateway mode). @default unset: create a Gateway */
  readonly gateway?: GatewayRef;
  /**
   * Namespace of the proxy pods that call the Service: the Ingress controller's, or an existing Gateway's
   * proxies'. Only read by edgeClientPeer(). @default a created Gateway's proxies run beside it; an existing
   * Gateway's namespace; unset in ingress mode (every namespace's pods would be admitted, so set it)
   */
  readonly proxyNamespace?: string;
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

/** A Service published under a path prefix of the edge's host. */
export interface SubPathService {
  /** Path prefix, e.g. "/grafana"; must not overlap the service's prefixes. Required (no default). */
  readonly pathPrefix: string;
  /** Service name. Required (no default). */
  readonly serviceName: pulumi.Input<string>;
  /** Its port. Required (no default). */
  readonly servicePort: pulumi.Input<number>;
}

/** EdgeArgs after validation, with every default applied. */
export interface ResolvedEdgeArgs {
  readonly appName: string;
  readonly hostname: string;
  readonly servicePort: pulumi.Input<number>;
  readonly pathPrefixes: string[];
  readonly subPathServices: SubPathService[];
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

/** Whether one prefix routes requests of the other (PathPrefix matches whole path segments). */
function overlaps(a: string, b: string): boolean {
  const segments = (p: string) => p.split("/").filter(Boolean);
  const [x, y] = [segments(a), segments(b)];
  const shorter = x.length <= y.length ? x : y;
  const longer = shorter === x ? y : x;
  return shorter.every((seg, i) => seg === longer[i]);
}

/** Each sub-path service on its own prefix, apart from the service's and from each other's. */
function checkSubPathServices(services: SubPathService[], servicePrefixes: string[]): SubPathService[] {
  const taken = [...servicePrefixes];
  for (const s of services) {
    checkPathPrefixes([s.pathPrefix]);
    if (s.pathPrefix === "/") throw new ArgumentError(COMPONENT, "subPathServices", s.pathPrefix, 'give each one its own prefix such as "/grafana", not "/".');
    const clash = taken.find((p) => overlaps(p, s.pathPrefix));
    if (clash) throw new ArgumentError(COMPONENT, "subPathServices", s.pathPrefix, `overlaps "${clash}": give each Service a prefix of its own.`);
    if (typeof s.servicePort === "number") checkInt(COMPONENT, "subPathServices.servicePort", s.servicePort, 1, 65535);
    taken.push(s.pathPrefix);
  }
  return services;
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
  const creates = createsGateway(args);
  if ((creates || mode === EdgeMode.Ingress) && args.clusterIssuerName === undefined) {
    throw new ArgumentError(COMPONENT, "clusterIssuerName", undefined, "is required when the component terminates TLS (created Gateway or Ingress): name a cert-manager ClusterIssuer.");
  }
  const pathPrefixes = checkPathPrefixes(args.pathPrefixes ?? ["/v1"]);
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    hostname: checkDnsName(COMPONENT, "hostname", args.hostname),
    servicePort: typeof args.servicePort === "number" || args.servicePort === undefined ? checkInt(COMPONENT, "servicePort", args.servicePort ?? 8080, 1, 65535) : args.servicePort,
    pathPrefixes,
    subPathServices: checkSubPathServices(args.subPathServices ?? [], pathPrefixes),
    mode,
    gateway: args.gateway,
    gatewayName: checkDnsLabel(COMPONENT, "gatewayName", args.gatewayName ?? name),
    gatewayClassName: args.gatewayClassName ?? "nginx",
    ingressClassName: args.ingressClassName,
    securityHeaders: args.securityHeaders ?? true,
    hstsMaxAgeSeconds: checkInt(COMPONENT, "hstsMaxAgeSeconds", args.hstsMaxAgeSeconds ?? 31_536_000, 0, 63_072_000),
    createsGateway: creates,
  };
}

/**
 * Where the edge sits, known before the Edge exists (it needs the Service and the issuer, which need
 * this): pass the same values to the Edge and to the helpers below, so the decisions stay here.
 */
export type EdgePlacement = Pick<EdgeArgs, "mode" | "gateway" | "gatewayName" | "appName" | "proxyNamespace">;

/** Whether the Edge creates its own Gateway: gateway mode without an existing Gateway. */
export function createsGateway(args: Pick<EdgeArgs, "mode" | "gateway">): boolean {
  return (args.mode ?? EdgeMode.Gateway) === EdgeMode.Gateway && !args.gateway;
}

/** The listener ACME HTTP-01 challenges reach the cluster through (gateway mode), for TlsIssuer's http01Gateway. */
export function http01Gateway(
  name: string,
  placement: EdgePlacement,
  namespace: pulumi.Input<string>,
): { name: string; namespace: pulumi.Input<string>; sectionName?: string } | undefined {
  if ((placement.mode ?? EdgeMode.Gateway) !== EdgeMode.Gateway) return undefined;
  if (createsGateway(placement)) return { name: placement.gatewayName ?? name, namespace, sectionName: HTTP_LISTENER };
  const g = placement.gateway as GatewayRef;
  return { name: g.name, namespace: g.namespace ?? namespace, sectionName: g.sectionName };
}

/** The pods that call the Service from the edge, for the service's NetworkPolicy (AppService allowFrom). */
export function edgeClientPeer(name: string, placement: EdgePlacement): NetworkPeer {
  if (createsGateway(placement)) return { namespace: placement.proxyNamespace, podLabels: edgeProxyPodLabels(placement.appName ?? name) };
  return { namespace: placement.proxyNamespace ?? placement.gateway?.namespace };
}

/** Name of the created Gateway's plain-HTTP listener (redirects and ACME HTTP-01). */
export const HTTP_LISTENER = "http";

/**
 * Labels the proxy pods of a Gateway this component creates carry: the Gateway asks its implementation
 * for them (`spec.infrastructure.labels`), so the service's NetworkPolicy can admit exactly those pods.
 * Implementations agree on no pod label of their own: NGINX Gateway Fabric, for one, puts the
 * Gateway's name in an annotation, which a NetworkPolicy cannot select on. The keys avoid the
 * `name`, `instance` and `managed-by` labels that implementations use in their own selectors.
 */
export function edgeProxyPodLabels(appName: string): Record<string, string> {
  return { "app.kubernetes.io/part-of": appName, "app.kubernetes.io/component": "edge-proxy" };
}

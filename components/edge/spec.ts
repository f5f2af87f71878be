/**
 * Pure builders of Edge's Kubernetes specs: resolved args (plus the Service name)
 * in, plain inputs out. No resource is created here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { HTTP_LISTENER, type ResolvedEdgeArgs, edgeProxyPodLabels } from "./args";

// @pulumi/kubernetes has no types for Gateway API custom resources: these cover the fields this component sets.

export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

export interface GatewayListener {
  readonly name: string;
  readonly protocol: "HTTP" | "HTTPS";
  readonly port: number;
  readonly hostname: string;
  readonly tls?: { readonly mode: "Terminate"; readonly certificateRefs: { readonly kind: "Secret"; readonly group: ""; readonly name: string }[] };
  readonly allowedRoutes: { readonly namespaces: { readonly from: "Same" } };
}

export interface GatewaySpec {
  readonly gatewayClassName: string;
  readonly listeners: GatewayListener[];
  readonly infrastructure: { readonly labels: Record<string, string> };
}

export interface RouteParentRef {
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

export type RouteFilter =
  | { readonly type: "ResponseHeaderModifier"; readonly responseHeaderModifier: { readonly set: HttpHeader[] } }
  | { readonly type: "RequestRedirect"; readonly requestRedirect: { readonly scheme: "https"; readonly statusCode: 301 } };

export interface RouteRule {
  readonly matches?: { readonly path: { readonly type: "PathPrefix"; readonly value: string } }[];
  readonly filters: RouteFilter[];
  readonly backendRefs?: { readonly name: pulumi.Input<string>; readonly port: pulumi.Input<number> }[];
}

export interface HttpRouteSpec {
  readonly parentRefs: RouteParentRef[];
  readonly hostnames: string[];
  readonly rules: RouteRule[];
}

/** Headers every response gets at the edge. */
export function securityHeaders(hstsMaxAgeSeconds: number): { name: string; value: string }[] {
  return [
    { name: "Strict-Transport-Security", value: `max-age=${hstsMaxAgeSeconds}; includeSubDomains` },
    { name: "X-Content-Type-Options", value: "nosniff" },
    { name: "X-Frame-Options", value: "DENY" },
    { name: "Referrer-Policy", value: "no-referrer" },
  ];
}

/** Name of the Secret cert-manager writes the certificate into, when this component terminates TLS. */
export function tlsSecretName(name: string): string {
  return `${name}-tls`;
}

/** Asks cert-manager (ingress-shim / gateway-shim) for the certificate of the object's TLS hosts. */
export function certManagerAnnotations(clusterIssuerName: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
  return { "cert-manager.io/cluster-issuer": clusterIssuerName };
}

export function ingressSpec(r: ResolvedEdgeArgs, serviceName: pulumi.Input<string>, tlsSecret: string): k8s.types.input.networking.v1.IngressSpec {
  return {
    ...(r.ingressClassName ? { ingressClassName: r.ingressClassName } : {}),
    tls: [{ hosts: [r.hostname], secretName: tlsSecret }],
    rules: [
      {
        host: r.hostname,
        http: {
          paths: [
            ...r.pathPrefixes.map((path) => ({ path, pathType: "Prefix", backend: { service: { name: serviceName, port: { number: r.servicePort } } } })),
            ...r.subPathServices.map((s) => ({ path: s.pathPrefix, pathType: "Prefix", backend: { service: { name: s.serviceName, port: { number: s.servicePort } } } })),
          ],
        },
      },
    ],
  };
}

/** The created Gateway: plain HTTP on 80 (for the redirect and ACME), HTTPS on 443 with the cert-manager Secret; routes of its namespace only. */
export function gatewaySpec(r: ResolvedEdgeArgs, tlsSecret: string): GatewaySpec {
  return {
    gatewayClassName: r.gatewayClassName,
    listeners: [
      { name: HTTP_LISTENER, protocol: "HTTP", port: 80, hostname: r.hostname, allowedRoutes: { namespaces: { from: "Same" } } },
      {
        name: "https",
        protocol: "HTTPS",
        port: 443,
        hostname: r.hostname,
        tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: tlsSecret }] },
        allowedRoutes: { namespaces: { from: "Same" } },
      },
    ],
    infrastructure: { labels: edgeProxyPodLabels(r.appName) },
  };
}

/** Plain HTTP only redirects; ACME HTTP-01 challenge routes are more specific and win. */
export function redirectRouteSpec(r: ResolvedEdgeArgs): HttpRouteSpec {
  return {
    parentRefs: [{ name: r.gatewayName, sectionName: HTTP_LISTENER }],
    hostnames: [r.hostname],
    rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
  };
}

/** Where the route attaches: the given Gateway as referenced, else the HTTPS listener of the created one. */
export function routeParentRefs(r: ResolvedEdgeArgs): RouteParentRef[] {
  const g = r.gateway;
  if (!g) return [{ name: r.gatewayName, sectionName: "https" }];
  return [{ name: g.name, ...(g.namespace ? { namespace: g.namespace } : {}), ...(g.sectionName ? { sectionName: g.sectionName } : {}) }];
}

/** The path prefixes of the host to the Service, and each sub-path service's to its own (nothing else), with the security headers unless turned off. */
export function routeSpec(r: ResolvedEdgeArgs, serviceName: pulumi.Input<string>): HttpRouteSpec {
  const filters: RouteFilter[] = r.securityHeaders
    ? [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: securityHeaders(r.hstsMaxAgeSeconds) } }]
    : [];
  return {
    parentRefs: routeParentRefs(r),
    hostnames: [r.hostname],
    rules: [
      {
        matches: r.pathPrefixes.map((value) => ({ path: { type: "PathPrefix" as const, value } })),
        filters,
        backendRefs: [{ name: serviceName, port: r.servicePort }],
      },
      ...r.subPathServices.map((s) => ({
        matches: [{ path: { type: "PathPrefix" as const, value: s.pathPrefix } }],
        filters,
        backendRefs: [{ name: s.serviceName, port: s.servicePort }],
      })),
    ],
  };
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels } from "../lib/k8s";
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
  /** Gateway API or Ingress. @default EdgeMode.Gateway */
  readonly mode?: EdgeMode;
  /** Attach to this Gateway instead of creating one (gateway mode). @default unset: create a Gateway */
  readonly gateway?: GatewayRef;
  /** Name of the Gateway this component creates (fixed, so NetworkPolicies and ACME solvers can name it). @default the component name */
  readonly gatewayName?: string;
  /** GatewayClass of the created Gateway. @default "nginx" (NGINX Gateway Fabric) */
  readonly gatewayClassName?: string;
  /** IngressClass in ingress mode. @default "nginx" */
  readonly ingressClassName?: string;
  /** cert-manager ClusterIssuer that signs the certificate. @default unset: allowed only when attaching to an existing Gateway (which owns its certificate) */
  readonly clusterIssuerName?: pulumi.Input<string>;
  /** Add HSTS and security headers to every response (Gateway API ResponseHeaderModifier). @default true */
  readonly securityHeaders?: boolean;
  /** HSTS max-age. @default 31536000 (one year) */
  readonly hstsMaxAgeSeconds?: number;
}

export interface ResolvedEdgeArgs {
  readonly appName: string;
  readonly hostname: string;
  readonly servicePort: number;
  readonly mode: EdgeMode;
  readonly gateway?: GatewayRef;
  readonly gatewayName: string;
  readonly gatewayClassName: string;
  readonly ingressClassName: string;
  readonly securityHeaders: boolean;
  readonly hstsMaxAgeSeconds: number;
  readonly createsGateway: boolean;
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
    mode,
    gateway: args.gateway,
    gatewayName: checkDnsLabel(COMPONENT, "gatewayName", args.gatewayName ?? name),
    gatewayClassName: args.gatewayClassName ?? "nginx",
    ingressClassName: args.ingressClassName ?? "nginx",
    securityHeaders: args.securityHeaders ?? true,
    hstsMaxAgeSeconds: checkInt(COMPONENT, "hstsMaxAgeSeconds", args.hstsMaxAgeSeconds ?? 31_536_000, 0, 63_072_000),
    createsGateway,
  };
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

/** The public entry of the service, with TLS from cert-manager. */
export class Edge extends pulumi.ComponentResource {
  /** https URL of the service. */
  readonly url: pulumi.Output<string>;
  /** Gateway the route is attached to (gateway mode), empty in ingress mode. */
  readonly gatewayName: pulumi.Output<string>;
  /** Name of the Secret cert-manager writes the certificate into (when this component terminates TLS), else empty. */
  readonly tlsSecretName: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:edge:Edge", name, {}, opts);
    const r = resolveEdgeArgs(name, args);
    const labels = recommendedLabels(r.appName, "edge", name);
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };
    const tlsSecretName = `${name}-tls`;
    const filters = r.securityHeaders
      ? [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: securityHeaders(r.hstsMaxAgeSeconds) } }]
      : [];

    if (r.mode === EdgeMode.Ingress) {
      new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
          metadata: { ...meta, annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuerName as pulumi.Input<string> } },
          spec: {
            ingressClassName: r.ingressClassName,
            tls: [{ hosts: [r.hostname], secretName: tlsSecretName }],
            rules: [
              {
                host: r.hostname,
                http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { number: r.servicePort } } } }] },
              },
            ],
          },
        },
        child,
      );
      this.gatewayName = pulumi.output("");
      this.tlsSecretName = pulumi.output(tlsSecretName);
    } else {
      let parentRefs: Record<string, string>[];
      if (r.createsGateway) {
        new k8s.apiextensions.CustomResource(
          `${name}-gateway`,
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { ...meta, name: r.gatewayName, annotations: { "cert-manager.io/cluster-issuer": args.clusterIssuerName as pulumi.Input<string> } },
            spec: {
              gatewayClassName: r.gatewayClassName,
              listeners: [
                { name: "http", protocol: "HTTP", port: 80, hostname: r.hostname, allowedRoutes: { namespaces: { from: "Same" } } },
                {
                  name: "https",
                  protocol: "HTTPS",
                  port: 443,
                  hostname: r.hostname,
                  tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: tlsSecretName }] },
                  allowedRoutes: { namespaces: { from: "Same" } },
                },
              ],
            },
          },
          child,
        );
        // Plain HTTP only redirects; ACME HTTP-01 challenge routes are more specific and win.
        new k8s.apiextensions.CustomResource(
          `${name}-redirect`,
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: meta,
            spec: {
              parentRefs: [{ name: r.gatewayName, sectionName: "http" }],
              hostnames: [r.hostname],
              rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
            },
          },
          child,
        );
        parentRefs = [{ name: r.gatewayName, sectionName: "https" }];
        this.gatewayName = pulumi.output(r.gatewayName);
        this.tlsSecretName = pulumi.output(tlsSecretName);
      } else {
        const g = r.gateway as GatewayRef;
        parentRefs = [
          { name: g.name, ...(g.namespace ? { namespace: g.namespace } : {}), ...(g.sectionName ? { sectionName: g.sectionName } : {}) },
        ];
        this.gatewayName = pulumi.output(g.name);
        this.tlsSecretName = pulumi.output("");
      }
      new k8s.apiextensions.CustomResource(
        `${name}-route`,
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: meta,
          spec: {
            parentRefs,
            hostnames: [r.hostname],
            rules: [
              {
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                filters,
                backendRefs: [{ name: args.serviceName, port: r.servicePort }],
              },
            ],
          },
        },
        child,
      );
    }

    this.url = pulumi.output(`https://${r.hostname}`);
    this.registerOutputs({ url: this.url, gatewayName: this.gatewayName, tlsSecretName: this.tlsSecretName });
  }
}

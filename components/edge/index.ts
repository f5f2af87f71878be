import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { oneUnavailableBudget, recommendedLabels } from "../lib/k8s";
import { type EdgeArgs, EdgeMode, edgeProxyPodLabels, resolveEdgeArgs } from "./args";
import { certManagerAnnotations, gatewaySpec, ingressSpec, redirectRouteSpec, routeSpec, tlsSecretName } from "./spec";

export * from "./args";
export { securityHeaders } from "./spec";

const GATEWAY_API = "gateway.networking.k8s.io/v1";

/** The public entry of the service, with TLS from cert-manager. */
export class Edge extends pulumi.ComponentResource {
  /** https URL of the service. */
  readonly url: pulumi.Output<string>;
  /** Gateway the route is attached to (gateway mode), empty in ingress mode. */
  readonly gatewayName: pulumi.Output<string>;
  /** Name of the Secret cert-manager writes the certificate into (when this component terminates TLS), else empty. */
  readonly tlsSecretName: pulumi.Output<string>;
  /** Labels of the proxy pods of the Gateway this component creates (see edgeProxyPodLabels), else empty. */
  readonly proxyPodLabels: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:edge:Edge", name, {}, opts);
    const r = resolveEdgeArgs(name, args);
    const labels = recommendedLabels(r.appName, "edge", name);
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };
    const tlsSecret = tlsSecretName(name);
    // Only read where this component terminates TLS, and resolveEdgeArgs refuses an unset issuer there.
    const annotations = certManagerAnnotations(args.clusterIssuerName as pulumi.Input<string>);

    if (r.mode === EdgeMode.Ingress) {
      new k8s.networking.v1.Ingress(`${name}-ingress`, { metadata: { ...meta, annotations }, spec: ingressSpec(r, args.serviceName, tlsSecret) }, child);
      this.gatewayName = pulumi.output("");
      this.tlsSecretName = pulumi.output(tlsSecret);
    } else {
      if (r.createsGateway) {
        new k8s.apiextensions.CustomResource(
          `${name}-gateway`,
          { apiVersion: GATEWAY_API, kind: "Gateway", metadata: { ...meta, name: r.gatewayName, annotations }, spec: gatewaySpec(r, tlsSecret) },
          child,
        );
        // The Gateway's proxy pods (labelled through spec.infrastructure.labels): a drain takes one at a time.
        new k8s.policy.v1.PodDisruptionBudget(`${name}-proxy-pdb`, { metadata: meta, spec: oneUnavailableBudget(edgeProxyPodLabels(r.appName)) }, child);
        new k8s.apiextensions.CustomResource(`${name}-redirect`, { apiVersion: GATEWAY_API, kind: "HTTPRoute", metadata: meta, spec: redirectRouteSpec(r) }, child);
      }
      new k8s.apiextensions.CustomResource(`${name}-route`, { apiVersion: GATEWAY_API, kind: "HTTPRoute", metadata: meta, spec: routeSpec(r, args.serviceName) }, child);
      this.gatewayName = pulumi.output(r.gateway?.name ?? r.gatewayName);
      // An existing Gateway owns its certificate.
      this.tlsSecretName = pulumi.output(r.createsGateway ? tlsSecret : "");
    }

    this.proxyPodLabels = pulumi.output(r.createsGateway ? edgeProxyPodLabels(r.appName) : {});
    this.url = pulumi.output(`https://${r.hostname}`);
    this.registerOutputs({ url: this.url, gatewayName: this.gatewayName, tlsSecretName: this.tlsSecretName, proxyPodLabels: this.proxyPodLabels });
  }
}

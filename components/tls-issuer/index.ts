import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels } from "../lib/k8s";
import { IssuerKind, type TlsIssuerArgs, resolveTlsIssuerArgs } from "./args";
import { acmeIssuerSpec, caCertificateSpec, caIssuerSpec, selfSignedIssuerSpec } from "./spec";

export * from "./args";

const CERT_MANAGER_API = "cert-manager.io/v1";

/** A cert-manager ClusterIssuer: self-signed CA for dev, ACME for prod. */
export class TlsIssuer extends pulumi.ComponentResource {
  /** Name of the ClusterIssuer certificates should reference. */
  readonly clusterIssuerName: pulumi.Output<string>;

  constructor(name: string, args: TlsIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:edge:TlsIssuer", name, {}, opts);
    const r = resolveTlsIssuerArgs(name, args);
    const labels = recommendedLabels(r.appName, "tls", name);
    const child = { parent: this };
    const cr = (role: string, kind: string, metadata: Record<string, unknown>, spec: object, extra?: pulumi.CustomResourceOptions) =>
      new k8s.apiextensions.CustomResource(`${name}-${role}`, { apiVersion: CERT_MANAGER_API, kind, metadata: { labels, ...metadata }, spec }, { ...child, ...extra });

    if (r.kind === IssuerKind.SelfSigned) {
      const root = cr("selfsigned", "ClusterIssuer", {}, selfSignedIssuerSpec());
      const ca = cr("ca-certificate", "Certificate", { namespace: r.caNamespace }, caCertificateSpec(name, root.metadata.name));
      const issuer = cr("ca", "ClusterIssuer", {}, caIssuerSpec(name), { dependsOn: [ca] });
      this.clusterIssuerName = issuer.metadata.name;
    } else {
      const issuer = cr("acme", "ClusterIssuer", {}, acmeIssuerSpec(name, r, args));
      this.clusterIssuerName = issuer.metadata.name;
    }
    this.registerOutputs({ clusterIssuerName: this.clusterIssuerName });
  }
}

/**
 * Pure builders of TlsIssuer's cert-manager specs: resolved args (plus the component
 * name and the names Pulumi assigns) in, plain inputs out. No resource is created here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResolvedTlsIssuerArgs, TlsIssuerArgs } from "./args";

// @pulumi/kubernetes has no types for cert-manager custom resources: these cover the fields this component sets.

export interface IssuerRef {
  readonly name: pulumi.Input<string>;
  readonly kind: "ClusterIssuer";
  readonly group: "cert-manager.io";
}

export interface CertificateSpec {
  readonly isCA: boolean;
  readonly commonName: string;
  readonly secretName: string;
  readonly duration: string;
  readonly privateKey: { readonly algorithm: "ECDSA"; readonly size: number };
  readonly issuerRef: IssuerRef;
}

export interface GatewayParentRef {
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly kind: "Gateway";
  readonly sectionName?: string;
}

export type Http01Solver =
  | { readonly http01: { readonly gatewayHTTPRoute: { readonly parentRefs: GatewayParentRef[] } } }
  | { readonly http01: { readonly ingress: { readonly ingressClassName: string | undefined } } };

export interface AcmeIssuerSpec {
  readonly acme: {
    readonly email: string | undefined;
    readonly server: string;
    readonly privateKeySecretRef: { readonly name: string };
    readonly solvers: Http01Solver[];
  };
}

export type ClusterIssuerSpec = { readonly selfSigned: Record<string, never> } | { readonly ca: { readonly secretName: string } } | AcmeIssuerSpec;

/** Secret holding the local CA's key pair (self-signed). */
export function caSecretName(name: string): string {
  return `${name}-ca`;
}

/** The self-signed root ClusterIssuer: it only signs the CA certificate. */
export function selfSignedIssuerSpec(): ClusterIssuerSpec {
  return { selfSigned: {} };
}

/** The local CA: a ten-year ECDSA P-256 certificate signed by the root issuer, kept in cert-manager's namespace. */
export function caCertificateSpec(name: string, rootIssuerName: pulumi.Input<string>): CertificateSpec {
  return {
    isCA: true,
    commonName: `${name} local CA`,
    secretName: caSecretName(name),
    duration: "87600h",
    privateKey: { algorithm: "ECDSA", size: 256 },
    issuerRef: { name: rootIssuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
  };
}

/** The CA ClusterIssuer certificates reference (self-signed). */
export function caIssuerSpec(name: string): ClusterIssuerSpec {
  return { ca: { secretName: caSecretName(name) } };
}

/** HTTP-01 through the given Gateway if set, else through an Ingress of the given class. */
export function http01Solver(args: Pick<TlsIssuerArgs, "http01Gateway" | "http01IngressClassName">): Http01Solver {
  const g = args.http01Gateway;
  return g
    ? { http01: { gatewayHTTPRoute: { parentRefs: [{ name: g.name, namespace: g.namespace, kind: "Gateway", ...(g.sectionName ? { sectionName: g.sectionName } : {}) }] } } }
    : { http01: { ingress: { ingressClassName: args.http01IngressClassName } } };
}

/** The ACME ClusterIssuer; the account key is kept in `<name>-acme-account`. */
export function acmeIssuerSpec(
  name: string,
  r: ResolvedTlsIssuerArgs,
  args: Pick<TlsIssuerArgs, "acmeEmail" | "http01Gateway" | "http01IngressClassName">,
): AcmeIssuerSpec {
  return {
    acme: {
      email: args.acmeEmail,
      server: r.acmeServer,
      privateKeySecretRef: { name: `${name}-acme-account` },
      solvers: [http01Solver(args)],
    },
  };
}

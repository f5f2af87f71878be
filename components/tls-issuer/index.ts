import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { recommendedLabels } from "../lib/k8s";
import { ArgumentError, checkDnsLabel, checkOneOf } from "../lib/validate";

const COMPONENT = "TlsIssuer";

export enum IssuerKind {
  /** A self-signed root that signs a CA, and a CA ClusterIssuer (dev, local clusters). */
  SelfSigned = "selfSigned",
  /** Let's Encrypt (or another ACME server) with HTTP-01 through the Gateway or the Ingress. */
  Acme = "acme",
}

export interface TlsIssuerArgs {
  /** Which kind of ClusterIssuer. @default IssuerKind.SelfSigned */
  readonly kind?: IssuerKind;
  /** `app.kubernetes.io/name` label. @default the component name */
  readonly appName?: string;
  /** cert-manager's cluster resource namespace, where the CA key pair is kept (self-signed). @default "cert-manager" */
  readonly caNamespace?: string;
  /** ACME account e-mail (plain, not secret). Required for IssuerKind.Acme. @default unset */
  readonly acmeEmail?: string;
  /** ACME directory. @default "https://acme-v02.api.letsencrypt.org/directory" */
  readonly acmeServer?: string;
  /** HTTP-01 through this Gateway (Gateway API). @default unset */
  readonly http01Gateway?: { readonly name: string; readonly namespace: pulumi.Input<string>; readonly sectionName?: string };
  /** HTTP-01 through an Ingress of this class. @default unset */
  readonly http01IngressClassName?: string;
}

export interface ResolvedTlsIssuerArgs {
  readonly kind: IssuerKind;
  readonly appName: string;
  readonly caNamespace: string;
  readonly acmeServer: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveTlsIssuerArgs(name: string, args: TlsIssuerArgs): ResolvedTlsIssuerArgs {
  const kind = checkOneOf(COMPONENT, "kind", args.kind ?? IssuerKind.SelfSigned, [IssuerKind.SelfSigned, IssuerKind.Acme]);
  const acmeServer = args.acmeServer ?? "https://acme-v02.api.letsencrypt.org/directory";
  if (kind === IssuerKind.Acme) {
    if (!args.acmeEmail || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(args.acmeEmail)) {
      throw new ArgumentError(COMPONENT, "acmeEmail", args.acmeEmail, "set the ACME account e-mail, e.g. ops@example.com.");
    }
    if (!acmeServer.startsWith("https://")) throw new ArgumentError(COMPONENT, "acmeServer", acmeServer, "use the https URL of an ACME directory.");
    if ((args.http01Gateway === undefined) === (args.http01IngressClassName === undefined)) {
      throw new ArgumentError(COMPONENT, "http01Gateway", args.http01Gateway ?? null, "set exactly one of http01Gateway and http01IngressClassName for the HTTP-01 solver.");
    }
  }
  return {
    kind,
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    caNamespace: checkDnsLabel(COMPONENT, "caNamespace", args.caNamespace ?? "cert-manager"),
    acmeServer,
  };
}

/** A cert-manager ClusterIssuer: self-signed CA for dev, ACME for prod. */
export class TlsIssuer extends pulumi.ComponentResource {
  /** Name of the ClusterIssuer certificates should reference. */
  readonly clusterIssuerName: pulumi.Output<string>;

  constructor(name: string, args: TlsIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:edge:TlsIssuer", name, {}, opts);
    const r = resolveTlsIssuerArgs(name, args);
    const labels = recommendedLabels(r.appName, "tls", name);
    const child = { parent: this };
    const cr = (role: string, kind: string, metadata: Record<string, unknown>, spec: Record<string, unknown>, extra?: pulumi.CustomResourceOptions) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${role}`,
        { apiVersion: "cert-manager.io/v1", kind, metadata: { labels, ...metadata }, spec },
        { ...child, ...extra },
      );

    if (r.kind === IssuerKind.SelfSigned) {
      const root = cr("selfsigned", "ClusterIssuer", {}, { selfSigned: {} });
      const caSecretName = `${name}-ca`;
      const ca = cr(
        "ca-certificate",
        "Certificate",
        { namespace: r.caNamespace },
        {
          isCA: true,
          commonName: `${name} local CA`,
          secretName: caSecretName,
          duration: "87600h",
          privateKey: { algorithm: "ECDSA", size: 256 },
          issuerRef: { name: root.metadata.name, kind: "ClusterIssuer", group: "cert-manager.io" },
        },
      );
      const issuer = cr("ca", "ClusterIssuer", {}, { ca: { secretName: caSecretName } }, { dependsOn: [ca] });
      this.clusterIssuerName = issuer.metadata.name;
    } else {
      const solver = args.http01Gateway
        ? {
            http01: {
              gatewayHTTPRoute: {
                parentRefs: [
                  {
                    name: args.http01Gateway.name,
                    namespace: args.http01Gateway.namespace,
                    kind: "Gateway",
                    ...(args.http01Gateway.sectionName ? { sectionName: args.http01Gateway.sectionName } : {}),
                  },
                ],
              },
            },
          }
        : { http01: { ingress: { ingressClassName: args.http01IngressClassName } } };
      const issuer = cr(
        "acme",
        "ClusterIssuer",
        {},
        {
          acme: {
            email: args.acmeEmail,
            server: r.acmeServer,
            privateKeySecretRef: { name: `${name}-acme-account` },
            solvers: [solver],
          },
        },
      );
      this.clusterIssuerName = issuer.metadata.name;
    }
    this.registerOutputs({ clusterIssuerName: this.clusterIssuerName });
  }
}

/** TlsIssuer's public arguments and their pure validation. */
import type * as pulumi from "@pulumi/pulumi";
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

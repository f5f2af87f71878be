/** The pure spec builders of TlsIssuer, without Pulumi mocks: plain values in, cert-manager specs out. */
import { describe, expect, it } from "vitest";
import { IssuerKind, resolveTlsIssuerArgs } from "../tls-issuer/args";
import { acmeIssuerSpec, caCertificateSpec, caIssuerSpec, caSecretName, http01Solver, selfSignedIssuerSpec } from "../tls-issuer/spec";

describe("self-signed CA chain", () => {
  it("a self-signed root issuer", () => {
    expect(selfSignedIssuerSpec()).toEqual({ selfSigned: {} });
  });

  it("the root signs a ten-year ECDSA CA certificate into <name>-ca", () => {
    expect(caCertificateSpec("tls", "tls-selfsigned-x")).toEqual({
      isCA: true,
      commonName: "tls local CA",
      secretName: "tls-ca",
      duration: "87600h",
      privateKey: { algorithm: "ECDSA", size: 256 },
      issuerRef: { name: "tls-selfsigned-x", kind: "ClusterIssuer", group: "cert-manager.io" },
    });
  });

  it("the CA issuer signs with the CA certificate's Secret", () => {
    expect(caSecretName("tls")).toBe("tls-ca");
    expect(caIssuerSpec("tls")).toEqual({ ca: { secretName: "tls-ca" } });
  });
});

describe("http01Solver", () => {
  it("through the Gateway, with its listener when given", () => {
    expect(http01Solver({ http01Gateway: { name: "edge", namespace: "notes", sectionName: "http" } })).toEqual({
      http01: { gatewayHTTPRoute: { parentRefs: [{ name: "edge", namespace: "notes", kind: "Gateway", sectionName: "http" }] } },
    });
  });

  it("through the Gateway, without sectionName when not given", () => {
    expect(http01Solver({ http01Gateway: { name: "edge", namespace: "notes" } })).toEqual({
      http01: { gatewayHTTPRoute: { parentRefs: [{ name: "edge", namespace: "notes", kind: "Gateway" }] } },
    });
  });

  it("through an Ingress of the given class", () => {
    expect(http01Solver({ http01IngressClassName: "traefik" })).toEqual({ http01: { ingress: { ingressClassName: "traefik" } } });
  });
});

describe("acmeIssuerSpec", () => {
  it("Let's Encrypt by default, with the account key in <name>-acme-account", () => {
    const args = { kind: IssuerKind.Acme, acmeEmail: "ops@example.com", http01IngressClassName: "nginx" };
    expect(acmeIssuerSpec("tls", resolveTlsIssuerArgs("tls", args), args)).toEqual({
      acme: {
        email: "ops@example.com",
        server: "https://acme-v02.api.letsencrypt.org/directory",
        privateKeySecretRef: { name: "tls-acme-account" },
        solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
      },
    });
  });

  it("another ACME directory and HTTP-01 through the Gateway", () => {
    const args = {
      kind: IssuerKind.Acme,
      acmeEmail: "ops@example.com",
      acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory",
      http01Gateway: { name: "public", namespace: "edge" },
    };
    const spec = acmeIssuerSpec("prod", resolveTlsIssuerArgs("prod", args), args);
    expect(spec.acme.server).toBe("https://acme-staging-v02.api.letsencrypt.org/directory");
    expect(spec.acme.privateKeySecretRef).toEqual({ name: "prod-acme-account" });
    expect(spec.acme.solvers).toEqual([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: "public", namespace: "edge", kind: "Gateway" }] } } }]);
  });
});

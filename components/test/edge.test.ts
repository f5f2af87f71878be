import { beforeEach, describe, expect, it } from "vitest";
import { Edge, EdgeMode, resolveEdgeArgs } from "../edge";
import { IssuerKind, TlsIssuer, resolveTlsIssuerArgs } from "../tls-issuer";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const CR = "kubernetes:gateway.networking.k8s.io/v1:";
const base = { namespace: "notes", hostname: "notes.example.com", serviceName: "api-svc", clusterIssuerName: "ca-issuer" };

describe("resolveEdgeArgs", () => {
  it.each([
    ["hostname is not a DNS name", { hostname: "Notes Example" }, /argument "hostname" is "Notes Example"; use a DNS name/],
    ["no issuer for a created Gateway", { clusterIssuerName: undefined }, /argument "clusterIssuerName" is undefined; is required when the component terminates TLS/],
    ["gateway ref in ingress mode", { mode: EdgeMode.Ingress, gateway: { name: "shared" } }, /argument "gateway" .* is only used in gateway mode/],
    ["bad port", { servicePort: 0 }, /argument "servicePort" is 0/],
  ])("throws if %s", (_n, extra, msg) => {
    expect(() => resolveEdgeArgs("edge", { ...base, ...extra })).toThrow(msg);
  });
  it("needs no issuer when attaching to an existing Gateway", () => {
    expect(resolveEdgeArgs("edge", { ...base, clusterIssuerName: undefined, gateway: { name: "shared", namespace: "infra" } }).createsGateway).toBe(false);
  });
});

describe("Edge", () => {
  it("gateway mode creates an HTTPS Gateway with a cert-manager certificate, an HTTP→HTTPS redirect and a route with security headers", async () => {
    const edge = new Edge("edge", base);
    expect(await value(edge.url)).toBe("https://notes.example.com");
    await settle();
    const gw = one(`${CR}Gateway`).inputs;
    expect(gw.metadata).toMatchObject({ name: "edge", namespace: "notes", annotations: { "cert-manager.io/cluster-issuer": "ca-issuer" } });
    expect(gw.spec.listeners).toEqual([
      expect.objectContaining({ name: "http", protocol: "HTTP", port: 80, hostname: "notes.example.com" }),
      expect.objectContaining({ name: "https", protocol: "HTTPS", port: 443, tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: "edge-tls" }] } }),
    ]);
    expect(gw.spec.infrastructure).toEqual({ labels: { "app.kubernetes.io/part-of": "edge", "app.kubernetes.io/component": "edge-proxy" } });
    expect(await value(edge.proxyPodLabels)).toEqual(gw.spec.infrastructure.labels);
    const routes = byType(`${CR}HTTPRoute`).map((r) => r.inputs.spec);
    const redirect = routes.find((r) => r.parentRefs[0].sectionName === "http");
    const main = routes.find((r) => r.parentRefs[0].sectionName === "https");
    expect(redirect.rules[0].filters).toEqual([{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
    expect(main.rules[0].backendRefs).toEqual([{ name: "api-svc", port: 8080 }]);
    // A drain takes the Gateway's proxy pods one at a time.
    expect(one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: gw.spec.infrastructure.labels } });
    const headers = main.rules[0].filters[0].responseHeaderModifier.set;
    expect(headers).toContainEqual({ name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" });
    expect(headers.map((h: { name: string }) => h.name)).toContain("X-Content-Type-Options");
  });

  it("attaches to an existing Gateway without creating one", async () => {
    const edge = new Edge("edge", { ...base, gateway: { name: "shared", namespace: "infra", sectionName: "https" } });
    expect(await value(edge.gatewayName)).toBe("shared");
    await settle();
    expect(byType(`${CR}Gateway`)).toHaveLength(0);
    expect(byType("kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);
    expect(await value(edge.proxyPodLabels)).toEqual({});
    const routes = byType(`${CR}HTTPRoute`);
    expect(routes).toHaveLength(1);
    expect(routes[0]?.inputs.spec.parentRefs).toEqual([{ name: "shared", namespace: "infra", sectionName: "https" }]);
  });

  it("ingress mode creates an Ingress with cert-manager's annotation and TLS", async () => {
    new Edge("edge", { ...base, mode: EdgeMode.Ingress, ingressClassName: "traefik" });
    await settle();
    const ing = one("kubernetes:networking.k8s.io/v1:Ingress").inputs;
    expect(ing.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "ca-issuer" });
    expect(ing.spec.ingressClassName).toBe("traefik");
    expect(ing.spec.tls).toEqual([{ hosts: ["notes.example.com"], secretName: "edge-tls" }]);
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: "api-svc", port: { number: 8080 } } });
    expect(byType(`${CR}HTTPRoute`)).toHaveLength(0);
  });
});

describe("TlsIssuer", () => {
  it.each([
    ["ACME without e-mail", { kind: IssuerKind.Acme, http01IngressClassName: "nginx" }, /argument "acmeEmail" is undefined; set the ACME account e-mail/],
    ["ACME without solver", { kind: IssuerKind.Acme, acmeEmail: "ops@example.com" }, /set exactly one of http01Gateway and http01IngressClassName/],
    ["ACME over http", { kind: IssuerKind.Acme, acmeEmail: "ops@example.com", acmeServer: "http://x", http01IngressClassName: "nginx" }, /argument "acmeServer" is "http:\/\/x"/],
  ])("throws if %s", (_n, args, msg) => {
    expect(() => resolveTlsIssuerArgs("tls", args)).toThrow(msg);
  });

  it("self-signed: a root issuer signs a CA certificate that backs the CA ClusterIssuer", async () => {
    const issuer = new TlsIssuer("tls", {});
    expect(await value(issuer.clusterIssuerName)).toBe("tls-ca-mock");
    await settle();
    const crs = byType("kubernetes:cert-manager.io/v1:ClusterIssuer").map((r) => r.inputs);
    expect(crs.map((c) => Object.keys(c.spec)[0]).sort()).toEqual(["ca", "selfSigned"]);
    const cert = one("kubernetes:cert-manager.io/v1:Certificate").inputs;
    expect(cert.metadata.namespace).toBe("cert-manager");
    expect(cert.spec).toMatchObject({ isCA: true, secretName: "tls-ca", issuerRef: { name: "tls-selfsigned-mock", kind: "ClusterIssuer" } });
    expect(one("kubernetes:cert-manager.io/v1:ClusterIssuer", "tls-ca").inputs.spec.ca.secretName).toBe("tls-ca");
  });

  it("ACME: Let's Encrypt with HTTP-01 through the Gateway", async () => {
    new TlsIssuer("tls", { kind: IssuerKind.Acme, acmeEmail: "ops@example.com", http01Gateway: { name: "edge", namespace: "notes", sectionName: "http" } });
    await settle();
    const [acme] = byType("kubernetes:cert-manager.io/v1:ClusterIssuer").map((r) => r.inputs.spec.acme);
    expect(acme.email).toBe("ops@example.com");
    expect(acme.server).toBe("https://acme-v02.api.letsencrypt.org/directory");
    expect(acme.solvers).toEqual([{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: "edge", namespace: "notes", kind: "Gateway", sectionName: "http" }] } } }]);
  });
});

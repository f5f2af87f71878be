import { describe, expect, it } from "vitest";
import { EdgeMode, edgeClientPeer, edgeProxyPodLabels, http01Gateway, resolveEdgeArgs } from "../edge/args";
import {
  certManagerAnnotations,
  gatewaySpec,
  ingressSpec,
  redirectRouteSpec,
  routeParentRefs,
  routeSpec,
  securityHeaders,
  tlsSecretName,
} from "../edge/spec";

// The spec builders are pure: no Pulumi runtime, plain values in and out.
const base = { hostname: "notes.example.com", serviceName: "api-svc", clusterIssuerName: "ca-issuer" };

describe("gatewaySpec / redirectRouteSpec", () => {
  const r = resolveEdgeArgs("edge", { ...base, gatewayName: "public", gatewayClassName: "istio" });

  it("listens on HTTP 80 and on HTTPS 443 with the cert-manager Secret, for routes of its namespace", () => {
    expect(gatewaySpec(r, tlsSecretName("edge"))).toEqual({
      gatewayClassName: "istio",
      listeners: [
        { name: "http", protocol: "HTTP", port: 80, hostname: "notes.example.com", allowedRoutes: { namespaces: { from: "Same" } } },
        {
          name: "https",
          protocol: "HTTPS",
          port: 443,
          hostname: "notes.example.com",
          tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: "edge-tls" }] },
          allowedRoutes: { namespaces: { from: "Same" } },
        },
      ],
      infrastructure: { labels: { "app.kubernetes.io/part-of": "edge", "app.kubernetes.io/component": "edge-proxy" } },
    });
  });

  it("labels the proxy pods it asks for with names no implementation uses in its own selectors", () => {
    expect(edgeProxyPodLabels("notes")).toEqual({ "app.kubernetes.io/part-of": "notes", "app.kubernetes.io/component": "edge-proxy" });
  });

  it("redirects the HTTP listener to https with a 301", () => {
    expect(redirectRouteSpec(r)).toEqual({
      parentRefs: [{ name: "public", sectionName: "http" }],
      hostnames: ["notes.example.com"],
      rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
    });
  });
});

describe("routeSpec / routeParentRefs", () => {
  it("attaches to the HTTPS listener of the created Gateway and sends only the API prefix to the Service, with the security headers", () => {
    const spec = routeSpec(resolveEdgeArgs("edge", { ...base, servicePort: 3000, hstsMaxAgeSeconds: 600 }), "api-svc");
    expect(spec.parentRefs).toEqual([{ name: "edge", sectionName: "https" }]);
    expect(spec.rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/v1" } }],
        filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: securityHeaders(600) } }],
        backendRefs: [{ name: "api-svc", port: 3000 }],
      },
    ]);
  });

  it("routes each given prefix (the docs when asked), and refuses prefixes that are not absolute paths", () => {
    const spec = routeSpec(resolveEdgeArgs("edge", { ...base, pathPrefixes: ["/v1", "/docs", "/openapi.json"] }), "api-svc");
    expect(spec.rules[0]?.matches).toEqual([
      { path: { type: "PathPrefix", value: "/v1" } },
      { path: { type: "PathPrefix", value: "/docs" } },
      { path: { type: "PathPrefix", value: "/openapi.json" } },
    ]);
    expect(() => resolveEdgeArgs("edge", { ...base, pathPrefixes: ["v1"] })).toThrow(/argument "pathPrefixes" is "v1"; use an absolute path/);
    expect(() => resolveEdgeArgs("edge", { ...base, pathPrefixes: [] })).toThrow(/list 1 to 16 path prefixes/);
    expect(() => resolveEdgeArgs("edge", { ...base, pathPrefixes: ["/v1", "/v1"] })).toThrow(/list each prefix once/);
  });

  it("adds no filter when the security headers are off", () => {
    expect(routeSpec(resolveEdgeArgs("edge", { ...base, securityHeaders: false }), "api-svc").rules[0]?.filters).toEqual([]);
  });

  it("references an existing Gateway with only the fields that were given", () => {
    const ref = (gateway: { name: string; namespace?: string; sectionName?: string }) => routeParentRefs(resolveEdgeArgs("edge", { ...base, gateway }));
    expect(ref({ name: "shared" })).toEqual([{ name: "shared" }]);
    expect(ref({ name: "shared", namespace: "infra", sectionName: "https" })).toEqual([{ name: "shared", namespace: "infra", sectionName: "https" }]);
  });
});

describe("securityHeaders", () => {
  it("sets HSTS with the given max-age and the fixed hardening headers", () => {
    expect(securityHeaders(86400)).toEqual([
      { name: "Strict-Transport-Security", value: "max-age=86400; includeSubDomains" },
      { name: "X-Content-Type-Options", value: "nosniff" },
      { name: "X-Frame-Options", value: "DENY" },
      { name: "Referrer-Policy", value: "no-referrer" },
    ]);
  });
});

describe("ingressSpec / certManagerAnnotations", () => {
  it("routes the API prefix to the Service with TLS from the cert-manager Secret, through the cluster's default IngressClass unless one is named", () => {
    const r = resolveEdgeArgs("edge", { ...base, mode: EdgeMode.Ingress, servicePort: 3000 });
    expect(ingressSpec(r, "api-svc", tlsSecretName("edge"))).toEqual({
      tls: [{ hosts: ["notes.example.com"], secretName: "edge-tls" }],
      rules: [
        {
          host: "notes.example.com",
          http: { paths: [{ path: "/v1", pathType: "Prefix", backend: { service: { name: "api-svc", port: { number: 3000 } } } }] },
        },
      ],
    });
  });

  it("names the ClusterIssuer in cert-manager's annotation", () => {
    expect(certManagerAnnotations("letsencrypt")).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
  });
});

describe("EdgePlacement helpers: what the issuer and the service need before the Edge exists", () => {
  it("a created Gateway: ACME through its plain-HTTP listener, callers are its labelled proxy pods", () => {
    const placement = { appName: "notes", gatewayName: "public", proxyNamespace: "notes" };
    expect(http01Gateway("edge", placement, "notes")).toEqual({ name: "public", namespace: "notes", sectionName: "http" });
    expect(edgeClientPeer("edge", placement)).toEqual({ namespace: "notes", podLabels: edgeProxyPodLabels("notes") });
  });
  it("an existing Gateway: ACME through the listener given, callers are the pods of its namespace", () => {
    const placement = { gateway: { name: "shared", namespace: "infra", sectionName: "web" } };
    expect(http01Gateway("edge", placement, "notes")).toEqual({ name: "shared", namespace: "infra", sectionName: "web" });
    expect(edgeClientPeer("edge", placement)).toEqual({ namespace: "infra" });
  });
  it("ingress mode: no Gateway for ACME, callers are the controller's namespace", () => {
    const placement = { mode: EdgeMode.Ingress, proxyNamespace: "traefik" };
    expect(http01Gateway("edge", placement, "notes")).toBeUndefined();
    expect(edgeClientPeer("edge", placement)).toEqual({ namespace: "traefik" });
  });
});

describe("subPathServices: another Service behind the same host and certificate", () => {
  const grafana = { pathPrefix: "/grafana", serviceName: "grafana-svc", servicePort: 3000 };

  it("routes the prefix to that Service with the same security headers, in gateway and ingress mode", () => {
    const r = resolveEdgeArgs("edge", { ...base, subPathServices: [grafana] });
    const rules = routeSpec(r, "api-svc").rules;
    expect(rules).toHaveLength(2);
    expect(rules[1]).toEqual({ matches: [{ path: { type: "PathPrefix", value: "/grafana" } }], filters: rules[0]?.filters, backendRefs: [{ name: "grafana-svc", port: 3000 }] });
    const ing = ingressSpec(resolveEdgeArgs("edge", { ...base, mode: EdgeMode.Ingress, subPathServices: [grafana] }), "api-svc", "edge-tls");
    expect(JSON.parse(JSON.stringify(ing)).rules[0].http.paths).toEqual([
      { path: "/v1", pathType: "Prefix", backend: { service: { name: "api-svc", port: { number: 8080 } } } },
      { path: "/grafana", pathType: "Prefix", backend: { service: { name: "grafana-svc", port: { number: 3000 } } } },
    ]);
  });

  it("refuses a prefix that overlaps the service's or another one's, the root, and a bad port", () => {
    expect(() => resolveEdgeArgs("edge", { ...base, subPathServices: [{ ...grafana, pathPrefix: "/v1/admin" }] })).toThrow(/overlaps "\/v1"/);
    expect(() => resolveEdgeArgs("edge", { ...base, pathPrefixes: ["/v1", "/docs"], subPathServices: [{ ...grafana, pathPrefix: "/docs" }] })).toThrow(/overlaps "\/docs"/);
    expect(() => resolveEdgeArgs("edge", { ...base, subPathServices: [grafana, { ...grafana, pathPrefix: "/grafana/" }] })).toThrow(/overlaps "\/grafana"/);
    expect(() => resolveEdgeArgs("edge", { ...base, subPathServices: [{ ...grafana, pathPrefix: "/" }] })).toThrow(/its own prefix/);
    expect(() => resolveEdgeArgs("edge", { ...base, subPathServices: [{ ...grafana, servicePort: 0 }] })).toThrow(/servicePort/);
    // Segments, not characters: /v10 does not fall under /v1.
    expect(resolveEdgeArgs("edge", { ...base, subPathServices: [{ ...grafana, pathPrefix: "/v10" }] }).subPathServices).toHaveLength(1);
  });
});


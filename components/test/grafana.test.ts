/** Grafana: provisioned datasources and dashboards, a generated admin password kept secret, no anonymous access. */
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Grafana, resolveGrafanaArgs } from "../grafana";
import { logqlProblems } from "../testing/logql";
import { one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const base = { namespace: "notes", prometheusUrl: "http://prometheus.notes.svc:9090", prometheusPeer: { podLabels: { app: "prometheus" }, ports: [9090] } };
const dashboard = { uid: "notes-service", title: "Service", tags: [], panels: [] };

describe("Grafana", () => {
  it("refuses two dashboards with one uid and an unpinned image", () => {
    expect(() => resolveGrafanaArgs("grafana", { ...base, dashboards: [dashboard, dashboard] })).toThrow(/argument "dashboards" .*its own uid/);
    expect(() => resolveGrafanaArgs("grafana", { ...base, image: "grafana/grafana" })).toThrow(/pin a tag or digest/);
  });

  it("provisions Prometheus as the default datasource, Alertmanager, and the dashboards read-only", async () => {
    const g = new Grafana("grafana", { ...base, alertmanagerUrl: "http://alertmanager.notes.svc:9093", dashboards: [dashboard] });
    expect(await value(g.url)).toMatch(/^http:\/\/grafana-service-.*\.notes\.svc:3000$/);
    await settle();
    const ds = parse(one("kubernetes:core/v1:ConfigMap", "grafana-datasources").inputs.data["datasources.yaml"]) as { datasources: { uid: string; isDefault?: boolean; url: string }[] };
    expect(ds.datasources.map((d) => [d.uid, d.url, d.isDefault ?? false])).toEqual([
      ["prometheus", "http://prometheus.notes.svc:9090", true],
      ["alertmanager", "http://alertmanager.notes.svc:9093", false],
    ]);
    const providers = parse(one("kubernetes:core/v1:ConfigMap", "grafana-providers").inputs.data["dashboards.yaml"]) as { providers: { allowUiUpdates: boolean; disableDeletion: boolean }[] };
    expect(providers.providers[0]).toMatchObject({ allowUiUpdates: false, disableDeletion: true });
    expect(JSON.parse(one("kubernetes:core/v1:ConfigMap", "grafana-dashboards").inputs.data["notes-service.json"]).uid).toBe("notes-service");
  });

  it("with Loki and Jaeger: a line's trace_id opens its trace, a span opens its trace's lines, and egress reaches both", async () => {
    new Grafana("grafana", {
      ...base,
      lokiUrl: "http://loki.notes.svc:3100",
      lokiPeer: { podLabels: { app: "loki" }, ports: [3100] },
      jaegerUrl: "http://jaeger.notes.svc:16686",
      jaegerPeer: { podLabels: { app: "jaeger" }, ports: [16686] },
    });
    await settle();
    const yaml = one("kubernetes:core/v1:ConfigMap", "grafana-datasources").inputs.data["datasources.yaml"] as string;
    const ds = parse(yaml) as { datasources: { uid: string; type: string; url: string; jsonData: Record<string, unknown> }[] };
    const byUid = Object.fromEntries(ds.datasources.map((d) => [d.uid, d]));
    expect(byUid["loki"]).toMatchObject({ type: "loki", url: "http://loki.notes.svc:3100" });
    // `$$` because Grafana expands environment variables in provisioning files: it keeps `${__value.raw}` for the link.
    expect(byUid["loki"]?.jsonData["derivedFields"]).toEqual([
      { name: "Trace", matcherType: "label", matcherRegex: "^trace_id$", url: "$${__value.raw}", datasourceUid: "jaeger", urlDisplayLabel: "Open trace" },
    ]);
    expect(byUid["jaeger"]?.jsonData["tracesToLogsV2"]).toEqual({
      datasourceUid: "loki",
      spanStartTimeShift: "-1m",
      spanEndTimeShift: "1m",
      customQuery: true,
      query: '{k8s_namespace_name=~".+"} | trace_id=~"0*$${__trace.traceId}"',
    });
    expect(logqlProblems('{k8s_namespace_name=~".+"} | trace_id=~"0*0af7651916cd43dd8448eb211c80319c"')).toEqual([]);
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: "loki" } } }], ports: [{ protocol: "TCP", port: 3100 }] });
    expect(np.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: "jaeger" } } }], ports: [{ protocol: "TCP", port: 16686 }] });
  });

  it("takes the admin password from a generated Secret, keeps it a Pulumi secret, and turns anonymous access and sign-up off", async () => {
    const g = new Grafana("grafana", base);
    expect(await pulumi.isSecret(g.adminPassword)).toBe(true);
    await settle();
    const env = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName["GF_SECURITY_ADMIN_PASSWORD"]?.valueFrom).toEqual({ secretKeyRef: { name: await value(g.adminPasswordSecretName), key: "admin-password" } });
    expect(one("kubernetes:core/v1:Secret").inputs.type).toBe("Opaque");
    expect(byName["GF_AUTH_ANONYMOUS_ENABLED"]?.value).toBe("false");
    expect(byName["GF_USERS_ALLOW_SIGN_UP"]?.value).toBe("false");
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress).toEqual([]);
    expect(np.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 9090 }] });
  });

  it("published through the edge: serves from the public URL's path, cookies over TLS only, and admits only its clients", async () => {
    const edge = { podLabels: { "app.kubernetes.io/component": "edge-proxy" } };
    new Grafana("grafana", { ...base, publicUrl: "https://notes.example.com/grafana", clients: [edge] });
    await settle();
    const env = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(byName).toMatchObject({
      GF_SERVER_ROOT_URL: "https://notes.example.com/grafana/",
      GF_SERVER_SERVE_FROM_SUB_PATH: "true",
      GF_SECURITY_COOKIE_SECURE: "true",
      GF_AUTH_ANONYMOUS_ENABLED: "false",
    });
    expect(one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: edge.podLabels } }], ports: [{ protocol: "TCP", port: 3000 }] },
    ]);
  });

  it("internal by default: no root URL, no sub-path, and refuses a public URL that is not https", () => {
    expect(resolveGrafanaArgs("grafana", base).publicUrl).toBeUndefined();
    expect(() => resolveGrafanaArgs("grafana", { ...base, publicUrl: "http://notes.example.com/grafana/" })).toThrow(/argument "publicUrl" .*https URL/);
    expect(() => resolveGrafanaArgs("grafana", { ...base, publicUrl: "notes.example.com/grafana" })).toThrow(/publicUrl/);
  });
});

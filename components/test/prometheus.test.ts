/** The Prometheus component: argument checks, the configuration it writes, least-privilege RBAC and its NetworkPolicy. */
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Prometheus, prometheusPeer, resolvePrometheusArgs, seriesSelector } from "../prometheus";
import { networkPolicySpec, prometheusConfig } from "../prometheus/spec";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const base = { namespace: "notes", scrapeNamespaces: ["notes"] };

describe("resolvePrometheusArgs", () => {
  it.each([
    ["no namespace to scrape", { scrapeNamespaces: [] }, /argument "scrapeNamespaces" .*name at least one namespace/],
    ["a bad retention", { retentionTime: "two weeks" }, /argument "retentionTime" is "two weeks"; use a Prometheus duration/],
    ["a bad retention size", { retentionSize: "4Gi" }, /argument "retentionSize" is "4Gi"; use a Prometheus size such as "4GB"/],
    ["an unpinned image", { image: "prom/prometheus" }, /argument "image" is "prom\/prometheus"; pin a tag or digest/],
    ["an Alertmanager without port", { alertmanagerAddress: "alertmanager" }, /argument "alertmanagerAddress" is "alertmanager"; use host:port/],
    ["two groups with one name", { ruleGroups: [{ name: "a", rules: [] }, { name: "a", rules: [] }] }, /argument "ruleGroups" .*its own name/],
  ])("throws if %s", (_n, extra, msg) => {
    expect(() => resolvePrometheusArgs("prometheus", { ...base, ...extra })).toThrow(msg);
  });
});

describe("prometheusConfig", () => {
  it("scrapes every running pod's metrics ports in the watched namespaces, labelled as the rules select them", () => {
    const config = prometheusConfig(resolvePrometheusArgs("prometheus", { ...base, alertmanagerAddress: "am.notes.svc:9093" })) as {
      scrape_configs: { job_name: string; relabel_configs?: { target_label?: string; regex?: string; action?: string }[] }[];
      alerting: unknown;
      rule_files: string[];
    };
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual(["prometheus", "alertmanager", "pods"]);
    const pods = config.scrape_configs[2]?.relabel_configs ?? [];
    expect(pods[0]).toMatchObject({ regex: "metrics|sentinel-exp", action: "keep" });
    expect(pods.map((r) => r.target_label).filter(Boolean)).toEqual(["namespace", "pod", "container", "app", "component", "component", "job"]);
    expect(config.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["am.notes.svc:9093"] }] }] });
    expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.yaml"]);
  });

  it("scrapes kube-state-metrics keeping the namespace and pod labels it reports, and may reach it", () => {
    const r = resolvePrometheusArgs("prometheus", { ...base, kubeStateMetrics: { address: "ksm.notes.svc:8080", peer: { podLabels: { app: "ksm" }, ports: [8080] } } });
    expect((prometheusConfig(r) as { scrape_configs: object[] }).scrape_configs).toContainEqual({
      job_name: "kube-state-metrics",
      honor_labels: true,
      static_configs: [{ targets: ["ksm.notes.svc:8080"] }],
    });
    expect(networkPolicySpec(r, { app: "prometheus" }).egress).toContainEqual({ to: [{ podSelector: { matchLabels: { app: "ksm" } } }], ports: [{ protocol: "TCP", port: 8080 }] });
  });

  it("reads the kubelets' cAdvisor through the API server only when asked", () => {
    const jobs = (scrapeKubelet: boolean) =>
      (prometheusConfig(resolvePrometheusArgs("prometheus", { ...base, scrapeKubelet })) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name);
    expect(jobs(false)).not.toContain("kubelet-cadvisor");
    expect(jobs(true)).toContain("kubelet-cadvisor");
  });

  it("names series the way the scrape config labels them", () => {
    expect(seriesSelector("notes", { "app.kubernetes.io/name": "notes", "app.kubernetes.io/component": "api" })).toBe('namespace="notes", app="notes", component="api"');
    expect(seriesSelector("notes", { "app.kubernetes.io/name": "notes-redis", "app.kubernetes.io/component": "redis" }, "sentinel")).toBe(
      'namespace="notes", app="notes-redis", component="sentinel"',
    );
    expect(() => seriesSelector("notes", { app: "x" })).toThrow(/need app.kubernetes.io\/name and app.kubernetes.io\/component/);
  });
});

describe("networkPolicySpec", () => {
  it("admits only its clients; reaches DNS, the API server and the metrics ports of the watched namespaces", () => {
    const spec = networkPolicySpec(resolvePrometheusArgs("prometheus", { ...base, clients: [{ podLabels: { app: "grafana" } }] }), { app: "prometheus" });
    expect(spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: "grafana" } } }], ports: [{ protocol: "TCP", port: 9090 }] }]);
    expect(spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "notes" } }, podSelector: { matchLabels: {} } }],
      ports: [
        { protocol: "TCP", port: "metrics" },
        { protocol: "TCP", port: "sentinel-exp" },
      ],
    });
  });
});

describe("Prometheus", () => {
  it("runs as a StatefulSet with a retained volume, a pod Role per scraped namespace and nothing cluster-wide", async () => {
    const prom = new Prometheus("prometheus", { ...base, scrapeNamespaces: ["notes", "jobs"], ruleGroups: [{ name: "g", rules: [{ record: "a:b", expr: "up" }] }] });
    expect(await value(prom.address)).toMatch(/^prometheus-service-.*\.notes\.svc:9090$/);
    expect(prom.podSelector).toEqual(prometheusPeer("prometheus").podLabels);
    await settle();
    const sts = one("kubernetes:apps/v1:StatefulSet").inputs;
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(sts.spec.template.spec.containers[0].args).toContain("--storage.tsdb.retention.time=15d");
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:Role").map((r) => r.inputs.metadata.namespace).sort()).toEqual(["jobs", "notes"]);
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:Role")[0]?.inputs.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toHaveLength(0);
    const rules = parse(one("kubernetes:core/v1:ConfigMap", "prometheus-rules").inputs.data["rules.yaml"]) as { groups: { name: string }[] };
    expect(rules.groups.map((g) => g.name)).toEqual(["g"]);
    const annotations = sts.spec.template.metadata.annotations;
    expect(annotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gets a ClusterRole for the kubelets' metrics only with scrapeKubelet", async () => {
    new Prometheus("prometheus", { ...base, scrapeKubelet: true });
    await settle();
    expect(one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").inputs.rules).toEqual([
      { apiGroups: [""], resources: ["nodes", "nodes/proxy", "nodes/metrics"], verbs: ["get", "list", "watch"] },
    ]);
  });
});

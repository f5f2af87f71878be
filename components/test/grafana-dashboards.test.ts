/**
 * The Grafana dashboards: every query parses as PromQL and reads only metrics of the contract (the service's
 * table in app/README.md, the recording rules, the exporters' documented lists), selects through the input's
 * selectors, and queries the input's datasource; uids are unique and stable; the Sentinel panels come only
 * with Sentinel; the dashboards are plain JSON.
 */
import * as units from "@grafana/grafana-foundation-sdk/units";
import { describe, expect, it } from "vitest";
import {
  API_ROUTES,
  DASHBOARD_KINDS,
  type DashboardJson,
  type DashboardsInput,
  type PanelJson,
  type TargetJson,
  dashboardUid,
  dashboards,
  redisDashboard,
  sloDashboard,
} from "../grafana/dashboards";
import { EXPORTER_METRICS } from "../prometheus/metric-sources";
import { type AlertRulesInput, SLO_WINDOWS, type TargetSelectors, ruleGroups, sloRecordingRules } from "../prometheus/rules";
import { LOG_STREAM_ATTRIBUTES, lokiLabelName } from "../lib/logs";
import { logqlProblems, logqlStreamLabels } from "../testing/logql";
import { PROM_CLIENT_DEFAULT_METRICS, promqlMetricNames, promqlProblems, promqlVectorSelectors, serviceMetricContract, serviceMetricNames } from "../testing/promql";

const selectors: TargetSelectors = {
  service: 'namespace="notes", app="notes", component="api"',
  redis: 'namespace="notes", app="notes-redis", component="redis"',
  sentinel: 'namespace="notes", app="notes-redis", component="sentinel"',
  prometheus: 'job="prometheus"',
  alertmanager: 'job="alertmanager"',
  kubeStateMetrics: 'job="kube-state-metrics"',
};
const slo = { availability: 0.999, latency: 0.99, latencyThresholdSeconds: 0.25, windowDays: 30 };
/** Prod-like: Sentinel, traces. */
const prod: DashboardsInput = {
  selectors,
  slo,
  namespace: "notes",
  deploymentName: "notes",
  sentinel: true,
  datasourceUid: "prometheus-main",
  correlations: { tracesDatasourceUid: "jaeger", logs: { datasourceUid: "loki", streamSelector: '{service_name="notes", k8s_namespace_name="notes"}' } },
  backups: { intervalSeconds: 3600 },
};
/** Dev-like: standalone Redis, no logs or traces yet, no backups. */
const dev: DashboardsInput = { ...prod, sentinel: false, selectors: { ...selectors, sentinel: undefined }, correlations: undefined, backups: undefined };
/** A Deployment name with a dot (a DNS subdomain may have them): regex-escaped inside a PromQL string. */
const dotted: DashboardsInput = { ...dev, deploymentName: "notes.api" };
const inputs = { prod, dev, dotted };

/** Grafana's interval macros, as Grafana replaces them before a query reaches Prometheus; any other `$` stays and fails to parse. */
function interpolate(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m");
}

/** Panels that query Prometheus (the Logs row's panels query Loki: checked on their own below). */
const queryPanels = (d: DashboardJson): PanelJson[] => d.panels.filter((p) => p.type !== "row" && p.type !== "logs");
const logPanels = (d: DashboardJson): PanelJson[] => d.panels.filter((p) => p.type === "logs");
const targetsOf = (d: DashboardJson): { panel: PanelJson; target: TargetJson }[] =>
  queryPanels(d).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
const where = (d: DashboardJson, panel: PanelJson, target: TargetJson): string => `${d.uid} / ${panel.title} / ${target.refId}`;
const metricsOf = (ds: readonly DashboardJson[]): Set<string> => new Set(ds.flatMap((d) => targetsOf(d).flatMap(({ target }) => promqlMetricNames(interpolate(target.expr)))));

const rulesInput: AlertRulesInput = {
  namespace: prod.namespace,
  deploymentName: prod.deploymentName,
  redisReplicas: 3,
  sentinelMasterName: "main",
  selectors,
  slo,
  runbookBaseUrl: "https://example.com/docs/runbooks.md",
};
const recordingRuleNames = new Set(
  ruleGroups(rulesInput)
    .flatMap((g) => g.rules)
    .flatMap((r) => ("record" in r ? [r.record] : [])),
);
const exporterMetrics = new Set(Object.values(EXPORTER_METRICS).flatMap((s) => s.metrics));
const serviceMetrics = serviceMetricNames();

describe.each(Object.entries(inputs))("%s dashboards", (_name, input) => {
  const ds = dashboards(input);

  it("every target of every panel parses as PromQL", () => {
    for (const d of ds) {
      for (const { panel, target } of targetsOf(d)) expect(promqlProblems(interpolate(target.expr)), `${where(d, panel, target)}: ${target.expr}`).toEqual([]);
    }
  });

  it("every metric is the service's, a recording rule's, or in an exporter's documented list", () => {
    for (const d of ds) {
      for (const { panel, target } of targetsOf(d)) {
        const names = promqlMetricNames(interpolate(target.expr));
        expect(names.length, where(d, panel, target)).toBeGreaterThan(0);
        for (const name of names) {
          expect(serviceMetrics.has(name) || recordingRuleNames.has(name) || exporterMetrics.has(name), `${where(d, panel, target)}: ${name} is in no contract`).toBe(true);
        }
      }
    }
  });

  it("every series is selected through the input's selectors (cAdvisor by namespace and pod), recording rules aside", () => {
    const allowed = [input.selectors.service, input.selectors.redis, input.selectors.kubeStateMetrics, ...(input.selectors.sentinel ? [input.selectors.sentinel] : [])];
    for (const d of ds) {
      for (const { panel, target } of targetsOf(d)) {
        for (const vs of promqlVectorSelectors(interpolate(target.expr))) {
          const [name] = promqlMetricNames(vs);
          if (name && recordingRuleNames.has(name)) continue;
          // cAdvisor's series by namespace and pod; what the backup job pushed by its namespace grouping label.
          const selected = name?.startsWith("container_")
            ? vs.includes(`namespace="${input.namespace}"`) && vs.includes(`pod=~"${input.deploymentName.replace(/\./g, "\\\\.")}-`)
            : name?.startsWith("redis_backup_")
              ? vs.includes(`{namespace="${input.namespace}"}`)
              : allowed.some((s) => vs.includes(`{${s}`));
          expect(selected, `${where(d, panel, target)}: ${vs}`).toBe(true);
        }
      }
    }
  });

  it("every panel, rows included, and every target query the input's Prometheus datasource", () => {
    for (const d of ds) {
      for (const panel of d.panels.filter((p) => p.type !== "logs")) expect(panel.datasource, `${d.uid} / ${panel.title}`).toEqual({ type: "prometheus", uid: input.datasourceUid });
      for (const { panel, target } of targetsOf(d)) expect(target.datasource, where(d, panel, target)).toEqual({ type: "prometheus", uid: input.datasourceUid });
    }
  });

  const KNOWN_UNITS = new Set<string>(Object.values(units));

  it("every panel has a unique id, a description, a unit and at least one target; targets have unique refIds", () => {
    for (const d of ds) {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, d.uid).toBe(ids.length);
      for (const panel of queryPanels(d)) {
        const at = `${d.uid} / ${panel.title}`;
        expect(panel.description?.length ?? 0, at).toBeGreaterThan(20);
        // A unit Grafana knows: one of the SDK's, or a custom suffix.
        const unit = (panel["fieldConfig"] as { defaults: { unit?: string } }).defaults.unit ?? "";
        expect(KNOWN_UNITS.has(unit) || /^suffix:\S+$/.test(unit), `${at}: unit ${JSON.stringify(unit)}`).toBe(true);
        expect(panel.targets?.length ?? 0, at).toBeGreaterThan(0);
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, at).toBe(refIds.length);
      }
    }
  });

  it("round-trips through JSON unchanged (plain data, nothing undefined or functional)", () => {
    for (const d of ds) expect(JSON.parse(JSON.stringify(d))).toStrictEqual(d);
  });

  it("asks for exemplars on the latency histograms only, and only when a trace datasource is given", () => {
    for (const d of ds) {
      for (const { panel, target } of targetsOf(d)) {
        const latency = target.expr.startsWith("histogram_quantile(");
        expect(target["exemplar"] === true, where(d, panel, target)).toBe(latency && input.correlations?.tracesDatasourceUid !== undefined);
      }
    }
  });

  it("the Logs row, only with a logs datasource: LogQL on the input's Loki and its service's streams, by the shipper's labels only", () => {
    const logs = input.correlations?.logs;
    const panels = ds.flatMap(logPanels);
    if (!logs) {
      expect(panels).toEqual([]);
      return;
    }
    expect(panels.map((p) => p.title)).toEqual(["Slow requests", "Warnings and errors"]);
    const labels = new Set(LOG_STREAM_ATTRIBUTES.map(lokiLabelName));
    for (const panel of panels) {
      expect(panel.datasource).toEqual({ type: "loki", uid: logs.datasourceUid });
      expect(panel.description?.length ?? 0).toBeGreaterThan(20);
      for (const target of panel.targets ?? []) {
        expect(target.datasource).toEqual({ type: "loki", uid: logs.datasourceUid });
        expect(logqlProblems(target.expr), target.expr).toEqual([]);
        expect(target.expr.startsWith(logs.streamSelector.slice(0, -1)), target.expr).toBe(true);
        for (const label of logqlStreamLabels(target.expr)) expect(labels.has(label), `${panel.title}: ${label} is no stream label`).toBe(true);
      }
    }
    // The slow requests are the ones over the latency SLO's threshold, in the service's duration_ms field.
    expect(panels[0]?.targets?.[0]?.expr).toContain(`| json | duration_ms > ${input.slo.latencyThresholdSeconds * 1000}`);
  });
});

describe("metric contract", () => {
  const used = metricsOf([...dashboards(prod), ...dashboards(dev)]);

  it("the README's table is read (histograms with their series, prom-client's families by prefix)", () => {
    const contract = serviceMetricContract();
    expect(contract.names).toContain("http_requests_total");
    expect(contract.names).toContain("http_request_duration_seconds_bucket");
    expect(contract.names).toContain("rate_limit_fallback_total");
    expect(contract.prefixes).toEqual(["process_", "nodejs_"]);
  });

  it("the dashboards show every metric of the service's contract", () => {
    const contract = serviceMetricContract();
    const families = [...contract.names].filter((n) => !/_(sum|count)$/.test(n));
    for (const name of families) expect(used.has(name), `no panel shows ${name}`).toBe(true);
  });

  it("lists exactly the prom-client defaults the dashboards use, each in a family the README names", () => {
    const prefixes = serviceMetricContract().prefixes;
    const defaultsUsed = [...used].filter((n) => prefixes.some((p) => n.startsWith(p)));
    expect([...PROM_CLIENT_DEFAULT_METRICS].sort()).toEqual(defaultsUsed.sort());
  });

  it("rejects what is not PromQL and names what is read", () => {
    expect(promqlProblems("sum(rate(http_requests_total[5m])")).not.toEqual([]);
    expect(promqlProblems("rate(http_requests_total[$__rate_interval])")).not.toEqual([]);
    expect(promqlProblems('{__name__="http_requests_total"}')).not.toEqual([]);
    expect(promqlProblems("")).not.toEqual([]);
    expect(promqlMetricNames('sum(rate(a{x="1"}[5m])) / on() group_left b + slo:api_errors:ratio_rate5m')).toEqual(["a", "b", "slo:api_errors:ratio_rate5m"]);
  });
});

describe("uids", () => {
  it("are unique and stable: derived from the namespace and the Deployment only", () => {
    const uids = dashboards(prod).map((d) => d.uid);
    expect(uids).toEqual(["notes-notes-service", "notes-notes-slo", "notes-notes-redis", "notes-notes-resilience"]);
    expect(dashboards(dev).map((d) => d.uid)).toEqual(uids);
    expect(dashboards({ ...prod, datasourceUid: "other", slo: { ...slo, availability: 0.99 } }).map((d) => d.uid)).toEqual(uids);
    expect(DASHBOARD_KINDS.map((k) => dashboardUid(prod, k))).toEqual(uids);
  });

  it("fit Grafana's 40 characters and stay distinct when long names are cut", () => {
    const long = { namespace: "a-rather-long-namespace-name", deploymentName: "an-even-longer-deployment-name" };
    const other = { ...long, deploymentName: "an-even-longer-deployment-name-2" };
    for (const kind of DASHBOARD_KINDS) {
      expect(dashboardUid(long, kind)).toMatch(/^[a-z0-9_-]{1,40}$/);
      expect(dashboardUid(long, kind)).not.toEqual(dashboardUid(other, kind));
    }
    expect(dashboardUid({ namespace: "shop", deploymentName: "api" }, "slo")).not.toEqual(dashboardUid(prod, "slo"));
  });
});

describe("no hard-coded namespace, labels or datasource", () => {
  it("another service's input leaves no trace of the fixture's", () => {
    const other: DashboardsInput = {
      ...prod,
      namespace: "shop",
      deploymentName: "api",
      datasourceUid: "prom-2",
      selectors: {
        service: 'cluster="eu", job="shop-api"',
        redis: 'cluster="eu", job="shop-redis"',
        sentinel: 'cluster="eu", job="shop-sentinel"',
        prometheus: 'job="prom"',
        alertmanager: 'job="am"',
        kubeStateMetrics: 'job="ksm"',
      },
      correlations: { logs: { datasourceUid: "loki-2", streamSelector: '{service_name="api", k8s_namespace_name="shop"}' } },
    };
    const json = JSON.stringify(dashboards(other));
    for (const s of ["notes", "component=", 'job="kube-state-metrics"', "prometheus-main"]) {
      const at = json.indexOf(s);
      expect(at < 0 ? "" : json.slice(Math.max(0, at - 80), at + 80), s).toBe("");
    }
  });
});

describe("Backups", () => {
  it("adds the backup panels where backups report, coloured by the schedule's period", () => {
    const withBackups = redisDashboard(prod);
    expect(withBackups.panels.map((p) => p.title)).toContain("Backups");
    expect(redisDashboard(dev).panels.map((p) => p.title)).not.toContain("Backups");
    expect([...metricsOf([withBackups])].filter((n) => n.startsWith("redis_backup_")).sort()).toEqual([
      "redis_backup_keys",
      "redis_backup_last_run_success",
      "redis_backup_last_verified_timestamp_seconds",
      "redis_backup_size_bytes",
    ]);
    const age = withBackups.panels.find((p) => p.title === "Newest verified backup age") as unknown as { fieldConfig: { defaults: { thresholds: { steps: { value: number | null }[] } } } };
    expect(age.fieldConfig.defaults.thresholds.steps.map((step) => step.value)).toEqual([null, 3600, 7200]);
  });
});

describe("Sentinel", () => {
  const sentinelMetrics = (ds: readonly DashboardJson[]): string[] => [...metricsOf(ds)].filter((n) => n.startsWith("redis_sentinel_") || n === "redis_master_link_up" || n === "redis_connected_slaves");

  it("adds the replication and Sentinel panels only in Sentinel mode", () => {
    const withSentinel = redisDashboard(prod);
    const standalone = redisDashboard(dev);
    expect(withSentinel.panels.map((p) => p.title)).toContain("Replication and Sentinel");
    expect(standalone.panels.map((p) => p.title)).not.toContain("Replication and Sentinel");
    expect(sentinelMetrics([withSentinel])).toEqual(
      expect.arrayContaining(["redis_connected_slaves", "redis_master_link_up", "redis_sentinel_master_ok_sentinels", "redis_sentinel_master_setting_ckquorum", "redis_sentinel_master_ckquorum_status"]),
    );
    expect(sentinelMetrics(dashboards(dev))).toEqual([]);
    expect(JSON.stringify(dashboards(dev))).not.toContain("sentinel");
  });

  it("the Sentinel panels select the Sentinel exporters", () => {
    for (const { target } of targetsOf(redisDashboard(prod))) {
      if (target.expr.includes("redis_sentinel_")) expect(target.expr).toContain(`{${selectors.sentinel}}`);
    }
  });

  it("refuses Sentinel mode without a Sentinel selector", () => {
    expect(() => dashboards({ ...prod, selectors: { ...selectors, sentinel: undefined } })).toThrow(/selectors\.sentinel/);
  });
});

describe("SLO dashboard", () => {
  const d = sloDashboard(prod);
  const exprs = targetsOf(d).map(({ target }) => target.expr);

  it("counts the same API requests as the recording rules", () => {
    for (const r of sloRecordingRules(rulesInput)) expect(r.expr, r.record).toContain(API_ROUTES);
    for (const e of exprs.filter((x) => x.includes("http_request"))) expect(e).toContain(API_ROUTES);
  });

  it("shows the burn rate of every recording-rule window for both SLOs, against the alerts' burn rates", () => {
    for (const series of ["api_errors", "api_slow"]) {
      for (const w of SLO_WINDOWS) expect(exprs.filter((e) => e.startsWith(`slo:${series}:ratio_rate${w} / `))).toHaveLength(1);
    }
    const burn = queryPanels(d).filter((p) => p.title === "Burn rate per window");
    expect(burn).toHaveLength(2);
    for (const p of burn) {
      const steps = (p["fieldConfig"] as { defaults: { thresholds: { steps: { value: number | null }[] } } }).defaults.thresholds.steps.map((s) => s.value);
      expect(steps).toEqual([null, 1, 3, 6, 14.4]);
    }
  });

  it("carries the SLO targets as thresholds and the window in the budget queries", () => {
    const stepsOf = (p: PanelJson): (number | null)[] =>
      (p["fieldConfig"] as { defaults: { thresholds: { steps: { value: number | null }[] } } }).defaults.thresholds.steps.map((s) => s.value);
    const byTitle = (t: string): PanelJson[] => queryPanels(d).filter((p) => p.title === t);
    expect(stepsOf(byTitle("Availability over 30 days")[0]!)).toEqual([null, 0.999]);
    expect(stepsOf(byTitle("Latency over 30 days")[0]!)).toEqual([null, 0.99]);
    expect(exprs.filter((e) => e.includes("[30d]"))).toHaveLength(4);
    expect(exprs.some((e) => e.includes('le="0.25"'))).toBe(true);
    expect(exprs.some((e) => e.endsWith("/ 0.001"))).toBe(true);
    expect(exprs.some((e) => e.endsWith("/ 0.01"))).toBe(true);
  });
});

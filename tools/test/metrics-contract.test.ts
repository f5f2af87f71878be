/**
 * The metrics contract: every metric a rendered rule uses is exported by the real service (scraped here from
 * a running instance against a real redis-server), made by a recording rule, or in an exporter's documented
 * list (EXPORTER_METRICS, each with its source). Renaming a metric in the service breaks this test.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXPORTER_METRICS, dashboards, ruleGroups, seriesSelector } from "@platform/components";
import { promqlMetricNames, promqlProblems } from "@platform/components/testing";
import type { FastifyInstance } from "fastify";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../app/src/app";
import { loadConfig } from "../../app/src/config";
import { RedisServer } from "../../app/test/support/redis-server";
import { renderStack, renderedConfigMapData } from "./support/rendered";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "metrics-contract-"));
let redis: RedisServer;
let app: FastifyInstance;
/** Every metric name the running service exports, histograms with their _bucket, _sum and _count series. */
const exported = new Set<string>();

beforeAll(async () => {
  redis = await RedisServer.start();
  app = await build({ config: loadConfig({ REDIS_URL: redis.url, LOG_LEVEL: "silent", RATE_LIMIT_MAX: "100000" }) });
  await app.ready();
  // Some traffic, so labelled series exist too (prom-client lists every metric's TYPE either way).
  const created = await app.inject({ method: "POST", url: "/v1/notes", payload: { title: "t", body: "b" } });
  await app.inject({ url: `/v1/notes/${(created.json() as { id: string }).id}` });
  const text = (await app.inject({ url: "/metrics" })).body;
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exported.add(name as string);
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(`${name}${suffix}`);
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await redis?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The rule groups the renderer wrote for a stack (the Prometheus rules ConfigMap). */
function renderedRules(stack: string): { record?: string; alert?: string; expr: string }[] {
  const data = renderedConfigMapData(renderStack(stack, path.join(tmp, stack)), "prometheus", "rules");
  const groups = (parse(data["rules.yaml"] as string) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] }).groups;
  return groups.flatMap((g) => g.rules);
}

describe("the metrics contract", () => {
  it("the running service exports the metrics its README promises", () => {
    for (const name of ["http_requests_total", "http_request_duration_seconds_bucket", "http_requests_in_flight", "circuit_breaker_state", "rate_limit_rejections_total"]) {
      expect(exported, name).toContain(name);
    }
  });

  it.each(["dev", "prod"])("%s: every metric a rendered rule uses exists, and every expression parses", (stack) => {
    const rules = renderedRules(stack);
    expect(rules.length).toBeGreaterThan(20);
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const documented = new Set(Object.values(EXPORTER_METRICS).flatMap((s) => s.metrics));
    const unknown: string[] = [];
    for (const r of rules) {
      expect(promqlProblems(r.expr), r.record ?? r.alert).toEqual([]);
      for (const name of promqlMetricNames(r.expr)) {
        if (!exported.has(name) && !recorded.has(name) && !documented.has(name)) unknown.push(`${r.record ?? r.alert}: ${name}`);
      }
    }
    expect(unknown, "metrics found in no source").toEqual([]);
  }, 60_000);

  it("every metric a dashboard panel queries exists (prod-like: Sentinel panels included)", () => {
    const selectors = {
      service: seriesSelector("notes", { "app.kubernetes.io/name": "notes", "app.kubernetes.io/component": "api" }),
      redis: seriesSelector("notes", { "app.kubernetes.io/name": "notes-redis", "app.kubernetes.io/component": "redis" }),
      sentinel: seriesSelector("notes", { "app.kubernetes.io/name": "notes-redis", "app.kubernetes.io/component": "redis" }, "sentinel"),
      prometheus: 'job="prometheus"',
      alertmanager: 'job="alertmanager"',
      kubeStateMetrics: 'job="kube-state-metrics"',
    };
    const slo = { availability: 0.999, latency: 0.99, latencyThresholdSeconds: 0.25, windowDays: 30 };
    const recorded = new Set(
      ruleGroups({ namespace: "notes", deploymentName: "notes", redisReplicas: 3, selectors, slo, runbookBaseUrl: "https://example.com/r" }).flatMap((g) =>
        g.rules.flatMap((r) => ("record" in r ? [r.record] : [])),
      ),
    );
    const documented = new Set(Object.values(EXPORTER_METRICS).flatMap((s) => s.metrics));
    const unknown: string[] = [];
    for (const d of dashboards({ selectors, slo, namespace: "notes", deploymentName: "notes", sentinel: true, datasourceUid: "prometheus" })) {
      for (const panel of d.panels) {
        for (const t of panel.targets ?? []) {
          // Grafana's interval macros are not PromQL: give them a duration.
          const expr = t.expr.replace(/\$__(rate_interval|interval|range)/g, "5m");
          expect(promqlProblems(expr), `${d.uid} ${panel.title}`).toEqual([]);
          for (const name of promqlMetricNames(expr)) {
            if (!exported.has(name) && !recorded.has(name) && !documented.has(name)) unknown.push(`${d.uid} / ${panel.title}: ${name}`);
          }
        }
      }
    }
    expect(unknown, "metrics found in no source").toEqual([]);
  });

  it("a renamed service metric is caught", () => {
    const names = promqlMetricNames('sum(rate(http_requests_totals{route=~"/v1/.*"}[5m]))');
    expect(names.filter((n) => !exported.has(n))).toEqual(["http_requests_totals"]);
  });
});

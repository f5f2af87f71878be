/**
 * The stack's Prometheus rules: structure, runbook links, PromQL that parses, and — with the real promtool —
 * `promtool check rules` and `promtool test rules` with a firing and a silent case for every alert.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { itWithTool, platformTool } from "../testing";
import { type AlertRulesInput, type AlertingRule, burnRateAlerts, causeAlerts, ruleFile, ruleGroups, sloRecordingRules } from "../prometheus/rules";
import { promqlProblems } from "../testing/promql";

const selectors = {
  service: 'namespace="notes", app="notes", component="api"',
  redis: 'namespace="notes", app="notes-redis", component="redis"',
  sentinel: 'namespace="notes", app="notes-redis", component="sentinel"',
  prometheus: 'job="prometheus"',
  alertmanager: 'job="alertmanager"',
  kubeStateMetrics: 'job="kube-state-metrics"',
  jaeger: 'namespace="notes", app="jaeger", component="jaeger"',
  loki: 'namespace="notes", app="loki", component="loki"',
  logShipper: 'namespace="notes-logs", app="log-shipper", component="log-shipper"',
};
/** Prod-like: Sentinel, an HPA, backups, Jaeger. */
const prod: AlertRulesInput = {
  namespace: "notes",
  deploymentName: "app-deployment",
  hpaName: "app-hpa",
  redisReplicas: 3,
  sentinelMasterName: "main",
  selectors,
  slo: { availability: 0.999, latency: 0.99, latencyThresholdSeconds: 0.25, windowDays: 30 },
  runbookBaseUrl: "https://example.com/docs/runbooks.md",
  backup: { intervalSeconds: 3600, cronJobName: "notes-redis-backup", deadlineSeconds: 1800 },
};
/** Dev-like: standalone Redis, fixed replicas, no backups, no Jaeger. */
const dev: AlertRulesInput = { ...prod, hpaName: undefined, redisReplicas: 1, sentinelMasterName: undefined, selectors: { ...selectors, sentinel: undefined, jaeger: undefined, loki: undefined, logShipper: undefined }, backup: undefined };

const alertsOf = (input: AlertRulesInput): AlertingRule[] => [...burnRateAlerts(input), ...causeAlerts(input)];
const runbook = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "runbooks.md"), "utf8");

describe("rule groups", () => {
  it("every alert has a severity, a summary, a description and a runbook section that exists", () => {
    const alerts = alertsOf(prod);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    for (const a of alerts) {
      expect(["critical", "warning"], a.alert).toContain(a.labels.severity);
      expect(a.annotations.summary.length, a.alert).toBeGreaterThan(10);
      expect(a.annotations.description.length, a.alert).toBeGreaterThan(20);
      expect(a.annotations.runbook_url).toBe(`https://example.com/docs/runbooks.md#${a.alert.toLowerCase()}`);
      expect(runbook, `docs/runbooks.md has no section for ${a.alert}`).toMatch(new RegExp(`^## ${a.alert}$`, "m"));
    }
  });

  it("every expression parses as PromQL", () => {
    for (const group of ruleGroups(prod)) {
      for (const r of group.rules) expect(promqlProblems(r.expr), "record" in r ? r.record : r.alert).toEqual([]);
    }
  });

  it("records the error and slow ratios of the API over the workbook's seven windows", () => {
    const records = sloRecordingRules(prod).map((r) => r.record);
    expect(records).toHaveLength(14);
    expect(records).toContain("slo:api_errors:ratio_rate3d");
    expect(sloRecordingRules(prod).find((r) => r.record === "slo:api_slow:ratio_rate5m")?.expr).toContain('le="0.25"');
  });

  it("pages at 14.4x over 1h and 5m or 6x over 6h and 30m, tickets at 3x over 1d and 2h or 1x over 3d and 6h", () => {
    const fast = burnRateAlerts(prod).find((a) => a.alert === "AvailabilityErrorBudgetBurnFast");
    expect(fast?.labels.severity).toBe("critical");
    expect(fast?.expr).toBe(
      "(slo:api_errors:ratio_rate1h > 0.0144 and slo:api_errors:ratio_rate5m > 0.0144) or (slo:api_errors:ratio_rate6h > 0.006 and slo:api_errors:ratio_rate30m > 0.006)",
    );
    const slow = burnRateAlerts(prod).find((a) => a.alert === "LatencyErrorBudgetBurnSlow");
    expect(slow?.labels.severity).toBe("warning");
    expect(slow?.expr).toBe("(slo:api_slow:ratio_rate1d > 0.03 and slo:api_slow:ratio_rate2h > 0.03) or (slo:api_slow:ratio_rate3d > 0.01 and slo:api_slow:ratio_rate6h > 0.01)");
  });

  it("alerts on replication, Sentinel quorum, the autoscaler and backups only where the stack has them", () => {
    const names = (input: AlertRulesInput) => alertsOf(input).map((a) => a.alert);
    for (const only of ["RedisReplicationBroken", "RedisSentinelQuorumLost", "ServiceAutoscalerAtMax", "RedisBackupStale", "RedisBackupFailed", "JaegerRefusingSpans", "LokiIngestionFailing", "LokiDiscardingLines", "LogShipperDroppingLines"]) {
      expect(names(prod)).toContain(only);
      expect(names(dev)).not.toContain(only);
    }
  });
});

// ------------------------------------------------------------------ promtool

const svc = 'namespace="notes", app="notes", component="api", pod="app-deployment-1"';
const redisPod = 'namespace="notes", app="notes-redis", component="redis", pod="redis-0"';
const ksm = 'job="kube-state-metrics", namespace="notes"';
const lokiPod = 'namespace="notes", app="loki", component="loki", pod="loki-0"';
const shipper = 'namespace="notes-logs", app="log-shipper", component="log-shipper", pod="log-shipper-x1"';

interface Case {
  readonly series: readonly (readonly [string, string])[];
  readonly evalTime: string;
  /** Labels of the firing alert besides alertname and severity (empty: an alert without labels). */
  readonly labels?: Record<string, string>;
}
/**
 * A firing and a silent case for every alert: same series shape, values that cross the threshold or do not.
 * An alert with two ways to fire has a firing case for each.
 */
const CASES: Record<string, { fire: Case | Case[]; silent: Case }> = {
  AvailabilityErrorBudgetBurnFast: {
    fire: { series: requests("0+10x200", "0+90x200"), evalTime: "70m" },
    silent: { series: requests("0+0x200", "0+100x200"), evalTime: "70m" },
  },
  AvailabilityErrorBudgetBurnSlow: {
    fire: { series: requests("0+1x300", "0+99x300"), evalTime: "250m" },
    silent: { series: requests("0+0x300", "0+100x300"), evalTime: "250m" },
  },
  LatencyErrorBudgetBurnFast: {
    fire: { series: durations("0+50x200", "0+100x200"), evalTime: "70m" },
    silent: { series: durations("0+100x200", "0+100x200"), evalTime: "70m" },
  },
  LatencyErrorBudgetBurnSlow: {
    fire: { series: durations("0+90x300", "0+100x300"), evalTime: "250m" },
    silent: { series: durations("0+100x300", "0+100x300"), evalTime: "250m" },
  },
  ServiceDown: {
    fire: { series: [[`up{${svc}}`, "0x20"]], evalTime: "10m" },
    silent: { series: [[`up{${svc}}`, "1x20"]], evalTime: "10m" },
  },
  ServiceNoReadyReplicas: {
    fire: { series: [[`kube_deployment_status_replicas_available{${ksm}, deployment="app-deployment"}`, "0x20"]], evalTime: "10m", labels: { job: "kube-state-metrics", namespace: "notes", deployment: "app-deployment" } },
    silent: { series: [[`kube_deployment_status_replicas_available{${ksm}, deployment="app-deployment"}`, "2x20"]], evalTime: "10m" },
  },
  ServicePodsRestarting: {
    fire: {
      series: [[`kube_pod_container_status_restarts_total{${ksm}, pod="app-deployment-1", container="app"}`, "0+1x30"]],
      evalTime: "20m",
      labels: { job: "kube-state-metrics", namespace: "notes", pod: "app-deployment-1", container: "app" },
    },
    silent: { series: [[`kube_pod_container_status_restarts_total{${ksm}, pod="app-deployment-1", container="app"}`, "1x30"]], evalTime: "20m" },
  },
  ServiceAutoscalerAtMax: {
    fire: {
      series: [
        [`kube_horizontalpodautoscaler_status_current_replicas{${ksm}, horizontalpodautoscaler="app-hpa"}`, "10x40"],
        [`kube_horizontalpodautoscaler_spec_max_replicas{${ksm}, horizontalpodautoscaler="app-hpa"}`, "10x40"],
      ],
      evalTime: "30m",
      labels: { job: "kube-state-metrics", namespace: "notes", horizontalpodautoscaler: "app-hpa" },
    },
    silent: {
      series: [
        [`kube_horizontalpodautoscaler_status_current_replicas{${ksm}, horizontalpodautoscaler="app-hpa"}`, "4x40"],
        [`kube_horizontalpodautoscaler_spec_max_replicas{${ksm}, horizontalpodautoscaler="app-hpa"}`, "10x40"],
      ],
      evalTime: "30m",
    },
  },
  RedisDown: {
    fire: { series: [[`redis_up{${redisPod}}`, "0x10"]], evalTime: "5m", labels: { namespace: "notes", app: "notes-redis", component: "redis", pod: "redis-0" } },
    silent: { series: [[`redis_up{${redisPod}}`, "1x10"]], evalTime: "5m" },
  },
  RedisMemoryNearLimit: {
    fire: {
      series: [
        [`redis_memory_used_bytes{${redisPod}}`, "95x30"],
        [`redis_memory_max_bytes{${redisPod}}`, "100x30"],
      ],
      evalTime: "20m",
      labels: { namespace: "notes", app: "notes-redis", component: "redis", pod: "redis-0" },
    },
    silent: {
      series: [
        [`redis_memory_used_bytes{${redisPod}}`, "50x30"],
        [`redis_memory_max_bytes{${redisPod}}`, "100x30"],
      ],
      evalTime: "20m",
    },
  },
  RedisReplicationBroken: {
    fire: { series: [[`redis_connected_slaves{${redisPod}}`, "1x20"]], evalTime: "10m" },
    silent: { series: [[`redis_connected_slaves{${redisPod}}`, "2x20"]], evalTime: "10m" },
  },
  RedisSentinelQuorumLost: {
    fire: { series: [[`redis_sentinel_master_ckquorum_status{namespace="notes", app="notes-redis", component="sentinel", master_name="main"}`, "0x10"]], evalTime: "5m" },
    silent: { series: [[`redis_sentinel_master_ckquorum_status{namespace="notes", app="notes-redis", component="sentinel", master_name="main"}`, "1x10"]], evalTime: "5m" },
  },
  CircuitBreakerOpen: {
    fire: { series: [[`circuit_breaker_state{${svc}, breaker="redis"}`, "2x10"]], evalTime: "5m" },
    silent: { series: [[`circuit_breaker_state{${svc}, breaker="redis"}`, "0x10"]], evalTime: "5m" },
  },
  RateLimitRejectionsSurging: {
    fire: {
      series: [
        [`rate_limit_rejections_total{${svc}, route="/v1/notes"}`, "0+20x40"],
        [`http_requests_total{${svc}, route="/v1/notes", method="GET", status_code="429"}`, "0+100x40"],
      ],
      evalTime: "25m",
    },
    silent: {
      series: [
        [`rate_limit_rejections_total{${svc}, route="/v1/notes"}`, "0+1x40"],
        [`http_requests_total{${svc}, route="/v1/notes", method="GET", status_code="200"}`, "0+100x40"],
      ],
      evalTime: "25m",
    },
  },
  PrometheusTargetDown: {
    fire: { series: [['up{job="notes", instance="10.0.0.1:9464"}', "0x30"]], evalTime: "20m", labels: { job: "notes", instance: "10.0.0.1:9464" } },
    silent: { series: [['up{job="notes", instance="10.0.0.1:9464"}', "1x30"]], evalTime: "20m" },
  },
  PrometheusRuleEvaluationFailures: {
    fire: { series: [['prometheus_rule_evaluation_failures_total{job="prometheus", rule_group="slo"}', "0+1x20"]], evalTime: "10m", labels: { job: "prometheus", rule_group: "slo" } },
    silent: { series: [['prometheus_rule_evaluation_failures_total{job="prometheus", rule_group="slo"}', "3x20"]], evalTime: "10m" },
  },
  AlertmanagerNotificationsFailing: {
    fire: { series: [['alertmanager_notifications_failed_total{job="alertmanager", integration="webhook"}', "0+1x20"]], evalTime: "15m", labels: { integration: "webhook" } },
    silent: { series: [['alertmanager_notifications_failed_total{job="alertmanager", integration="webhook"}', "0x20"]], evalTime: "15m" },
  },
  RedisBackupStale: {
    // time() is the evaluation time in seconds since 0: a backup verified at 0 is 3 h old at 180m.
    fire: { series: [['redis_backup_last_verified_timestamp_seconds{namespace="notes", job="pushgateway"}', "0x200"]], evalTime: "180m" },
    silent: { series: [['redis_backup_last_verified_timestamp_seconds{namespace="notes", job="pushgateway"}', "0+60x200"]], evalTime: "180m" },
  },
  JaegerRefusingSpans: {
    fire: { series: [['otelcol_receiver_refused_spans_total{namespace="notes", app="jaeger", component="jaeger"}', "0+10x30"]], evalTime: "20m" },
    silent: { series: [['otelcol_receiver_refused_spans_total{namespace="notes", app="jaeger", component="jaeger"}', "5x30"], ['otelcol_exporter_send_failed_spans_total{namespace="notes", app="jaeger", component="jaeger"}', "0x30"]], evalTime: "20m" },
  },
  LokiIngestionFailing: {
    fire: { series: lokiPushes("0+10x30", "0+10x30"), evalTime: "20m" },
    silent: { series: lokiPushes("0x30", "0+100x30"), evalTime: "20m" },
  },
  LokiDiscardingLines: {
    fire: { series: [[`loki_discarded_samples_total{${lokiPod}, reason="rate_limited", tenant="fake"}`, "0+5x30"]], evalTime: "20m", labels: { reason: "rate_limited" } },
    silent: { series: [[`loki_discarded_samples_total{${lokiPod}, reason="rate_limited", tenant="fake"}`, "7x30"]], evalTime: "20m" },
  },
  LogShipperDroppingLines: {
    fire: [
      // Lines given up on.
      { series: [[`otelcol_exporter_send_failed_log_records{${shipper}, exporter="otlphttp/loki"}`, "0+10x30"]], evalTime: "20m" },
      // Loki unreachable for long: the queue on disk fills.
      {
        series: [
          [`otelcol_exporter_queue_size{${shipper}, exporter="otlphttp/loki"}`, "450x30"],
          [`otelcol_exporter_queue_capacity{${shipper}, exporter="otlphttp/loki"}`, "500x30"],
        ],
        evalTime: "20m",
      },
    ],
    silent: {
      series: [
        [`otelcol_exporter_send_failed_log_records{${shipper}, exporter="otlphttp/loki"}`, "3x30"],
        [`otelcol_exporter_queue_size{${shipper}, exporter="otlphttp/loki"}`, "10x30"],
        [`otelcol_exporter_queue_capacity{${shipper}, exporter="otlphttp/loki"}`, "500x30"],
      ],
      evalTime: "20m",
    },
  },
  RedisBackupFailed: {
    fire: [
      // The run reported its failure.
      { series: [['redis_backup_last_run_success{namespace="notes", job="pushgateway"}', "1x10 0x20"]], evalTime: "25m" },
      // A run scheduled at 10m died without a report (the last report is an old success): 40 min later it is past its 30 min deadline.
      {
        series: [
          ['redis_backup_last_run_success{namespace="notes", job="pushgateway"}', "1x60"],
          [`kube_cronjob_status_last_schedule_time{${ksm}, cronjob="notes-redis-backup"}`, "0x10 600x50"],
          [`kube_cronjob_status_last_successful_time{${ksm}, cronjob="notes-redis-backup"}`, "60x60"],
        ],
        evalTime: "50m",
      },
    ],
    // The run scheduled at 10m succeeded at 12m.
    silent: {
      series: [
        ['redis_backup_last_run_success{namespace="notes", job="pushgateway"}', "1x60"],
        [`kube_cronjob_status_last_schedule_time{${ksm}, cronjob="notes-redis-backup"}`, "0x10 600x50"],
        [`kube_cronjob_status_last_successful_time{${ksm}, cronjob="notes-redis-backup"}`, "60x12 720x48"],
      ],
      evalTime: "50m",
    },
  },
};

function lokiPushes(errors: string, ok: string): [string, string][] {
  return [
    [`loki_request_duration_seconds_count{${lokiPod}, route="otlp_v1_logs", method="POST", status_code="500"}`, errors],
    [`loki_request_duration_seconds_count{${lokiPod}, route="otlp_v1_logs", method="POST", status_code="204"}`, ok],
  ];
}

function requests(errors: string, ok: string): [string, string][] {
  const labels = `${svc}, route="/v1/notes/:id", method="GET"`;
  return [
    [`http_requests_total{${labels}, status_code="500"}`, errors],
    [`http_requests_total{${labels}, status_code="200"}`, ok],
  ];
}

function durations(fast: string, all: string): [string, string][] {
  const labels = `${svc}, route="/v1/notes/:id", method="GET", status_code="200"`;
  return [
    [`http_request_duration_seconds_bucket{${labels}, le="0.25"}`, fast],
    [`http_request_duration_seconds_count{${labels}}`, all],
  ];
}

/** `{{ $labels.x }}` replaced as Prometheus would for the expected alert. */
function render(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "");
}

function promtoolTests(alerts: AlertingRule[]): object {
  return {
    rule_files: ["rules.yaml"],
    evaluation_interval: "1m",
    tests: alerts.flatMap((a) => {
      const c = CASES[a.alert];
      if (!c) throw new Error(`no promtool cases for ${a.alert}: add a firing and a silent one to CASES`);
      const fires = (Array.isArray(c.fire) ? c.fire : [c.fire]).map((f, i, all) => {
        const labels = f.labels ?? {};
        return {
          name: `${a.alert} fires${all.length > 1 ? ` (case ${i + 1})` : ""}`,
          interval: "1m",
          input_series: f.series.map(([series, values]) => ({ series, values })),
          alert_rule_test: [
            {
              eval_time: f.evalTime,
              alertname: a.alert,
              exp_alerts: [
                {
                  exp_labels: { ...labels, ...a.labels },
                  exp_annotations: {
                    summary: render(a.annotations.summary, labels),
                    description: render(a.annotations.description, labels),
                    runbook_url: a.annotations.runbook_url,
                  },
                },
              ],
            },
          ],
        };
      });
      const silent = {
        name: `${a.alert} stays silent`,
        interval: "1m",
        input_series: c.silent.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: [{ eval_time: c.silent.evalTime, alertname: a.alert, exp_alerts: [] }],
      };
      return [...fires, silent];
    }),
  };
}

describe("promtool", () => {
  it("has a firing and a silent case for every alert of the prod rules (which include every dev alert)", () => {
    expect(Object.keys(CASES).sort()).toEqual(alertsOf(prod).map((a) => a.alert).sort());
    expect(alertsOf(dev).every((a) => a.alert in CASES)).toBe(true);
  });

  itWithTool("promtool", "check rules: the rule files of both stacks are valid", () => {
    for (const input of [dev, prod]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
      try {
        fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(ruleFile(ruleGroups(input))));
        const out = execFileSync(platformTool("promtool") as string, ["check", "rules", "rules.yaml"], { cwd: dir, encoding: "utf8" });
        expect(out).toMatch(/SUCCESS: \d+ rules found/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  itWithTool("promtool", "test rules: every alert fires on its firing case and stays silent on its silent case", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-test-"));
    try {
      fs.writeFileSync(path.join(dir, "rules.yaml"), stringify(ruleFile(ruleGroups(prod))));
      fs.writeFileSync(path.join(dir, "tests.yaml"), stringify(promtoolTests(alertsOf(prod))));
      const out = execFileSync(platformTool("promtool") as string, ["test", "rules", "tests.yaml"], { cwd: dir, encoding: "utf8" });
      expect(out).toMatch(/SUCCESS/);
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      throw new Error(`promtool test rules failed:\n${err.stdout ?? ""}${err.stderr ?? String(e)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

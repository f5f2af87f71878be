/**
 * The stack's Prometheus rules as typed data: SLO recording rules and multi-window, multi-burn-rate
 * alerts (Google SRE workbook, chapter 5), then cause alerts. The same groups become a rule file for
 * the Prometheus this stack runs, or PrometheusRule objects for a cluster's prometheus-operator.
 * Every metric used here exists: the service's contract (app/README.md), redis_exporter's and
 * kube-state-metrics' documented lists, Prometheus' and Alertmanager's own (see metricSources).
 */

export type Severity = "critical" | "warning";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<{ severity: Severity } & Record<string, string>>;
  readonly annotations: Readonly<{ summary: string; description: string; runbook_url: string }>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly (RecordingRule | AlertingRule)[];
}

/** Label matchers (PromQL, without braces) that select each target's series, as the scrape config labels them. */
export interface TargetSelectors {
  /** The service's pods, e.g. `namespace="notes", app="notes", component="api"`. */
  readonly service: string;
  /** The Redis exporters in front of each Redis. */
  readonly redis: string;
  /** The exporters in front of each Sentinel (Sentinel mode only). */
  readonly sentinel?: string;
  /** Prometheus itself. */
  readonly prometheus: string;
  /** Alertmanager. */
  readonly alertmanager: string;
  /** kube-state-metrics. */
  readonly kubeStateMetrics: string;
  /** Jaeger, when the stack deploys it. */
  readonly jaeger?: string;
  /** Loki, when the stack deploys it. */
  readonly loki?: string;
  /** The log shipper's pods (in their own namespace), when the stack deploys it. */
  readonly logShipper?: string;
}

export interface SloTargets {
  /** Share of API requests that must not fail (5xx), e.g. 0.999. */
  readonly availability: number;
  /** Share of API requests that must finish within latencyThresholdSeconds, e.g. 0.99. */
  readonly latency: number;
  /** A bucket bound of http_request_duration_seconds, e.g. 0.25. */
  readonly latencyThresholdSeconds: number;
  /** The SLO window in days (the error budget's period), e.g. 30. */
  readonly windowDays: number;
}

export interface AlertRulesInput {
  readonly namespace: string;
  /** Name of the service's Deployment and HPA (kube-state-metrics labels). */
  readonly deploymentName: string;
  readonly hpaName?: string;
  /** Redis pods; replicas below this in Sentinel mode mean broken replication. */
  readonly redisReplicas: number;
  readonly sentinelMasterName?: string;
  readonly selectors: TargetSelectors;
  readonly slo: SloTargets;
  /** Where the runbook sections live; each alert links `<base>#<alert name in lower case>`. */
  readonly runbookBaseUrl: string;
  /** The Redis backup CronJob, when backups are deployed (RedisBackup). */
  readonly backup?: BackupAlertInput;
}

export interface BackupAlertInput {
  /** The schedule's period: the newest verified backup is stale after twice that. */
  readonly intervalSeconds: number;
  /** The CronJob's name (kube-state-metrics' `cronjob` label). */
  readonly cronJobName: string;
  /** Its runs' active deadline: a run scheduled longer ago than this and not successful has failed. */
  readonly deadlineSeconds: number;
}

/** The windows of the SRE workbook's multi-window, multi-burn-rate alerts. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
type Window = (typeof SLO_WINDOWS)[number];

/** [severity, burn rate, long window, short window]: page on fast burns, ticket on slow ones. */
export const BURN_RATE_ALERTS: readonly (readonly [Severity, number, Window, Window])[] = [
  ["critical", 14.4, "1h", "5m"],
  ["critical", 6, "6h", "30m"],
  ["warning", 3, "1d", "2h"],
  ["warning", 1, "3d", "6h"],
];

/** Only the API counts toward the SLOs: probes and metrics are not user requests. */
const API_ROUTES = 'route=~"/v1/.*"';

function rule(input: AlertRulesInput, alert: string, severity: Severity, expr: string, forDuration: string | undefined, summary: string, description: string): AlertingRule {
  return {
    alert,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: `${input.runbookBaseUrl}#${alert.toLowerCase()}` },
  };
}

/** Recording rules of the error ratio (5xx) and the slow ratio (over the threshold) of API requests, per window. */
export function sloRecordingRules(input: AlertRulesInput): RecordingRule[] {
  const sel = `${input.selectors.service}, ${API_ROUTES}`;
  const le = String(input.slo.latencyThresholdSeconds);
  return SLO_WINDOWS.flatMap((w): RecordingRule[] => [
    {
      record: `slo:api_errors:ratio_rate${w}`,
      // `or vector(0)`: with no 5xx at all the numerator has no series, and the ratio must be 0, not absent.
      expr: `(sum(rate(http_requests_total{${sel}, status_code=~"5.."}[${w}])) or vector(0)) / sum(rate(http_requests_total{${sel}}[${w}]))`,
    },
    {
      record: `slo:api_slow:ratio_rate${w}`,
      expr: `1 - sum(rate(http_request_duration_seconds_bucket{${sel}, le="${le}"}[${w}])) / sum(rate(http_request_duration_seconds_count{${sel}}[${w}]))`,
    },
  ]);
}

/** Page at 14.4x over 1h and 5m or 6x over 6h and 30m; ticket at 3x over 1d and 2h or 1x over 3d and 6h. */
export function burnRateAlerts(input: AlertRulesInput): AlertingRule[] {
  const slos = [
    { name: "Availability", series: "api_errors", budget: 1 - input.slo.availability, what: "5xx answers" },
    { name: "Latency", series: "api_slow", budget: 1 - input.slo.latency, what: `answers slower than ${input.slo.latencyThresholdSeconds * 1000} ms` },
  ];
  return slos.flatMap((slo) =>
    (["critical", "warning"] as const).map((severity) => {
      const conditions = BURN_RATE_ALERTS.filter(([s]) => s === severity).map(
        ([, rate, long, short]) =>
          `(slo:${slo.series}:ratio_rate${long} > ${round(rate * slo.budget)} and slo:${slo.series}:ratio_rate${short} > ${round(rate * slo.budget)})`,
      );
      const speed = severity === "critical" ? "fast" : "slow";
      const alert = rule(
        input,
        `${slo.name}ErrorBudgetBurn${severity === "critical" ? "Fast" : "Slow"}`,
        severity,
        conditions.join(" or "),
        severity === "critical" ? "2m" : "1h",
        `The API burns its ${slo.name.toLowerCase()} error budget ${speed}`,
        `Too many API requests are ${slo.what}: at this rate the ${input.slo.windowDays}-day error budget of ${round(slo.budget * 100)}% will not last.`,
      );
      // The slo label lets Alertmanager silence the slow burn while the fast one of the same SLO fires.
      return { ...alert, labels: { ...alert.labels, slo: slo.name.toLowerCase() } };
    }),
  );
}

/** Floats as PromQL literals without binary noise (14.4 * 0.001 is 0.014400000000000001). */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** The causes: what is broken when the SLOs burn, or will be soon. */
export function causeAlerts(input: AlertRulesInput): AlertingRule[] {
  const s = input.selectors;
  const ns = `namespace="${input.namespace}"`;
  const alerts: AlertingRule[] = [
    rule(input, "ServiceDown", "critical", `sum(up{${s.service}}) == 0 or absent(up{${s.service}})`, "2m", "No instance of the service answers scrapes", "Prometheus cannot scrape any pod of the service."),
    rule(
      input,
      "ServiceNoReadyReplicas",
      "critical",
      `kube_deployment_status_replicas_available{${ns}, deployment="${input.deploymentName}"} == 0`,
      "2m",
      "The service has no ready replica",
      "Deployment {{ $labels.deployment }} has 0 available replicas: the Service has no endpoints.",
    ),
    rule(
      input,
      "ServicePodsRestarting",
      "warning",
      `increase(kube_pod_container_status_restarts_total{${ns}, pod=~"${input.deploymentName}-.*"}[15m]) > 2`,
      undefined,
      "A pod of the service keeps restarting",
      "Container {{ $labels.container }} of {{ $labels.pod }} restarted more than twice in 15 minutes.",
    ),
    rule(
      input,
      "RedisDown",
      "critical",
      `redis_up{${s.redis}} == 0 or absent(redis_up{${s.redis}})`,
      "1m",
      "Redis does not answer its exporter",
      "The exporter of {{ $labels.pod }} cannot reach Redis: writes fail and reads come from the service's cache.",
    ),
    rule(
      input,
      "RedisMemoryNearLimit",
      "warning",
      `redis_memory_used_bytes{${s.redis}} / (redis_memory_max_bytes{${s.redis}} > 0) > 0.9`,
      "10m",
      "Redis is close to maxmemory",
      "{{ $labels.pod }} uses more than 90% of maxmemory; with noeviction, writes fail once it is full.",
    ),
    rule(
      input,
      "CircuitBreakerOpen",
      "critical",
      `max(circuit_breaker_state{${s.service}, breaker="redis"}) == 2`,
      "1m",
      "The service's Redis circuit breaker is open",
      "The service answers writes with 503 and reads from its cache: Redis is failing or too slow.",
    ),
    rule(
      input,
      "RateLimitRejectionsSurging",
      "warning",
      `sum(rate(rate_limit_rejections_total{${s.service}}[5m])) / sum(rate(http_requests_total{${s.service}, ${API_ROUTES}}[5m])) > 0.1`,
      "10m",
      "More than 10% of API requests are rate limited",
      "More than 10% of API requests get 429: a client misbehaves or the limit is too low.",
    ),
    rule(input, "PrometheusTargetDown", "warning", `up == 0`, "10m", "Prometheus cannot scrape a target", "{{ $labels.job }} at {{ $labels.instance }} has not answered scrapes for 10 minutes."),
    rule(
      input,
      "PrometheusRuleEvaluationFailures",
      "critical",
      `increase(prometheus_rule_evaluation_failures_total{${s.prometheus}}[5m]) > 0`,
      undefined,
      "Prometheus fails to evaluate rules",
      "Rule group {{ $labels.rule_group }} failed to evaluate: alerts built on it are blind.",
    ),
    rule(
      input,
      "AlertmanagerNotificationsFailing",
      "critical",
      `sum by (integration) (rate(alertmanager_notifications_failed_total{${s.alertmanager}}[5m])) > 0`,
      "5m",
      "Alertmanager fails to send notifications",
      "Notifications through {{ $labels.integration }} fail: alerts are not reaching anyone.",
    ),
  ];
  if (s.jaeger) {
    const spans = (metric: string) => `(sum(rate(${metric}{${s.jaeger}}[5m])) or vector(0))`;
    alerts.push(
      rule(
        input,
        "JaegerRefusingSpans",
        "warning",
        `${spans("otelcol_receiver_refused_spans_total")} + ${spans("otelcol_exporter_send_failed_spans_total")} > 0`,
        "10m",
        "Jaeger refuses or cannot store spans",
        "Jaeger's OTLP receiver refuses spans, or its storage exporter fails to write them: traces are being lost.",
      ),
    );
  }
  if (s.loki) {
    const pushes = `${s.loki}, route=~"otlp_v1_logs|loki_api_v1_push"`;
    alerts.push(
      // Pushes Loki cannot store: the shipper retries them, so lines are late, and lost once its queue is full.
      rule(
        input,
        "LokiIngestionFailing",
        "warning",
        `(sum(rate(loki_request_duration_seconds_count{${pushes}, status_code=~"5.."}[5m])) or vector(0)) / sum(rate(loki_request_duration_seconds_count{${pushes}}[5m])) > 0.05`,
        "10m",
        "Loki fails log pushes",
        "Loki answers more than 5% of log pushes with a server error: lines wait in the shipper's queue, and are lost if it fills.",
      ),
      // Lines Loki refuses outright (rate or stream limits, too old, too long): the shipper cannot retry those.
      rule(
        input,
        "LokiDiscardingLines",
        "warning",
        `sum by (reason) (rate(loki_discarded_samples_total{${s.loki}}[5m])) > 0`,
        "10m",
        "Loki discards log lines",
        "Loki refuses log lines ({{ $labels.reason }}): they are lost. Raise the limit, or find what floods it.",
      ),
    );
  }
  if (s.logShipper) {
    // The exporter retries without a deadline from a queue on disk, so lines are lost only when it gives up on a
    // permanent error (send_failed) or the queue refuses them (enqueue_failed); a queue filling up comes first.
    const lines = (metric: string) => `(sum(rate(${metric}{${s.logShipper}}[5m])) or vector(0))`;
    alerts.push(
      rule(
        input,
        "LogShipperDroppingLines",
        "warning",
        `${lines("otelcol_exporter_send_failed_log_records")} + ${lines("otelcol_exporter_enqueue_failed_log_records")} + ${lines("otelcol_receiver_refused_log_records")} > 0 or max(otelcol_exporter_queue_size{${s.logShipper}} / otelcol_exporter_queue_capacity{${s.logShipper}}) > 0.8`,
        "10m",
        "The log shipper drops lines, or its send queue is nearly full",
        "The shipper drops log lines, or its queue to Loki is over 80% full: lines are lost, or will be once the nodes rotate their log files.",
      ),
    );
  }
  if (input.hpaName) {
    alerts.push(
      rule(
        input,
        "ServiceAutoscalerAtMax",
        "warning",
        `kube_horizontalpodautoscaler_status_current_replicas{${ns}, horizontalpodautoscaler="${input.hpaName}"} >= kube_horizontalpodautoscaler_spec_max_replicas{${ns}, horizontalpodautoscaler="${input.hpaName}"}`,
        "15m",
        "The service's autoscaler is pinned at its maximum",
        "The HPA has run at maxReplicas for 15 minutes: the service may be saturated.",
      ),
    );
  }
  if (s.sentinel && input.sentinelMasterName) {
    alerts.push(
      rule(
        input,
        "RedisReplicationBroken",
        "critical",
        `sum(redis_connected_slaves{${s.redis}}) < ${input.redisReplicas - 1}`,
        "5m",
        "Redis replicas are not all connected to the master",
        `Fewer than ${input.redisReplicas - 1} replicas follow the master: a failover may lose writes or find no replica to promote.`,
      ),
      rule(
        input,
        "RedisSentinelQuorumLost",
        "critical",
        `max(redis_sentinel_master_ckquorum_status{${s.sentinel}, master_name="${input.sentinelMasterName}"}) < 1 or absent(redis_sentinel_master_ckquorum_status{${s.sentinel}, master_name="${input.sentinelMasterName}"})`,
        "2m",
        "The Redis Sentinels cannot reach a quorum",
        "No Sentinel reports a quorum for master {{ $labels.master_name }}: Redis cannot fail over.",
      ),
    );
  }
  if (input.backup !== undefined) {
    const b = input.backup;
    const stale = 2 * b.intervalSeconds;
    const cronJob = `${ns}, cronjob="${b.cronJobName}"`;
    alerts.push(
      rule(
        input,
        "RedisBackupStale",
        "critical",
        `time() - max(redis_backup_last_verified_timestamp_seconds{${ns}}) > ${stale} or absent(redis_backup_last_verified_timestamp_seconds{${ns}})`,
        "10m",
        "No verified Redis backup in twice the backup interval",
        `The newest backup verified by a restore is older than ${stale} s: losing Redis now would lose more than the backup policy promises.`,
      ),
      rule(
        input,
        "RedisBackupFailed",
        "warning",
        // The job's own report; or, for a run that died before it could report (OOM-killed while verifying, image
        // not pulled), kube-state-metrics: the last scheduled run is past its deadline and did not succeed.
        `max(redis_backup_last_run_success{${ns}}) == 0 or (max(kube_cronjob_status_last_schedule_time{${cronJob}}) > (max(kube_cronjob_status_last_successful_time{${cronJob}}) or vector(0)) and time() - max(kube_cronjob_status_last_schedule_time{${cronJob}}) > ${b.deadlineSeconds})`,
        "5m",
        "The last Redis backup run failed",
        "The last run of the Redis backup CronJob failed; until a run succeeds, the newest verified backup keeps ageing. Its log says why.",
      ),
    );
  }
  return alerts;
}

/** Every group of the stack, in the order a rule file lists them. */
export function ruleGroups(input: AlertRulesInput): RuleGroup[] {
  return [
    { name: "slo-recording", rules: sloRecordingRules(input) },
    { name: "slo-alerts", rules: burnRateAlerts(input) },
    { name: "cause-alerts", rules: causeAlerts(input) },
  ];
}

/** A Prometheus rule file (the format `promtool check rules` reads and PrometheusRule's spec embeds). */
export function ruleFile(groups: readonly RuleGroup[]): { groups: readonly RuleGroup[] } {
  return { groups };
}

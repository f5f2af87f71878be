/**
 * Metrics the rules and dashboards may use besides the service's own (which a test reads off the running
 * service) and the recording rules: each exporter's documented list, with where it comes from, at the
 * version the stack deploys. A rule or panel using a name found nowhere fails the metrics-contract test.
 */

export interface MetricSource {
  /** Where the list was taken from. */
  readonly source: string;
  readonly metrics: readonly string[];
}

export const EXPORTER_METRICS: Readonly<Record<string, MetricSource>> = {
  prometheusScrape: {
    source: "https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series (series Prometheus adds to every scrape)",
    metrics: ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"],
  },
  redisExporter: {
    source: "https://github.com/oliver006/redis_exporter/blob/v1.88.0/README.md and exporter/metrics.go (the INFO fields it maps, and the Sentinel collector)",
    metrics: [
      "redis_up",
      "redis_uptime_in_seconds",
      "redis_instance_info",
      "redis_connected_clients",
      "redis_blocked_clients",
      "redis_memory_used_bytes",
      "redis_memory_max_bytes",
      "redis_mem_fragmentation_ratio",
      "redis_commands_processed_total",
      "redis_commands_total",
      "redis_commands_duration_seconds_total",
      "redis_keyspace_hits_total",
      "redis_keyspace_misses_total",
      "redis_evicted_keys_total",
      "redis_expired_keys_total",
      "redis_db_keys",
      "redis_connected_slaves",
      "redis_master_link_up",
      "redis_master_repl_offset",
      "redis_rdb_last_bgsave_status",
      "redis_aof_last_bgrewrite_status",
      "redis_aof_last_write_status",
      "redis_sentinel_masters",
      "redis_sentinel_master_status",
      "redis_sentinel_master_ok_sentinels",
      "redis_sentinel_master_ok_slaves",
      "redis_sentinel_master_sentinels",
      "redis_sentinel_master_slaves",
      "redis_sentinel_master_ckquorum_status",
    ],
  },
  kubeStateMetrics: {
    source: "https://github.com/kubernetes/kube-state-metrics/tree/v2.17.0/docs/metrics/workload (deployment, pod, horizontalpodautoscaler, cronjob and job metrics)",
    metrics: [
      "kube_deployment_spec_replicas",
      "kube_deployment_status_replicas",
      "kube_deployment_status_replicas_available",
      "kube_deployment_status_replicas_unavailable",
      "kube_pod_container_status_restarts_total",
      "kube_pod_container_status_ready",
      "kube_pod_status_ready",
      "kube_pod_container_resource_requests",
      "kube_pod_container_resource_limits",
      "kube_horizontalpodautoscaler_spec_max_replicas",
      "kube_horizontalpodautoscaler_spec_min_replicas",
      "kube_horizontalpodautoscaler_status_current_replicas",
      "kube_horizontalpodautoscaler_status_desired_replicas",
      "kube_statefulset_status_replicas_ready",
      "kube_cronjob_status_last_successful_time",
      "kube_cronjob_status_last_schedule_time",
      "kube_job_status_failed",
      "kube_job_status_succeeded",
    ],
  },
  cadvisor: {
    source: "https://github.com/google/cadvisor/blob/master/docs/storage/prometheus.md (the kubelet's /metrics/cadvisor)",
    metrics: ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_periods_total"],
  },
  prometheus: {
    source: "Prometheus v3.16.0's own /metrics (rules manager and notifier)",
    metrics: [
      "prometheus_rule_evaluation_failures_total",
      "prometheus_rule_group_last_duration_seconds",
      "prometheus_notifications_errors_total",
      "prometheus_notifications_dropped_total",
      "prometheus_tsdb_head_series",
      "prometheus_target_scrape_pool_exceeded_target_limit_total",
    ],
  },
  alertmanager: {
    source: "Alertmanager v0.35.0's own /metrics (notify package)",
    metrics: ["alertmanager_notifications_total", "alertmanager_notifications_failed_total", "alertmanager_alerts"],
  },
  jaeger: {
    source: "Jaeger 2.13.0's own /metrics (the OpenTelemetry Collector's receiver and exporter telemetry); tools/test/jaeger-e2e.test.ts finds them on the real binary",
    metrics: ["otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total", "otelcol_exporter_sent_spans_total", "otelcol_exporter_send_failed_spans_total"],
  },
  loki: {
    source:
      "Loki v3.7.6: pkg/util/server (loki_request_duration_seconds, route otlp_v1_logs for OTLP pushes, as in production/loki-mixin-compiled/dashboards/loki-writes.json) and pkg/validation/validate.go (loki_discarded_samples_total). Not checked against a running Loki: its Go module is AGPL-licensed and not used here (README)",
    metrics: ["loki_request_duration_seconds_count", "loki_discarded_samples_total"],
  },
  logShipper: {
    source: "The OpenTelemetry Collector 0.159.0's own /metrics (exporterhelper and receiverhelper telemetry, without type suffixes); tools/test/log-shipper-e2e.test.ts finds them on the real build",
    metrics: [
      "otelcol_exporter_send_failed_log_records",
      "otelcol_exporter_enqueue_failed_log_records",
      "otelcol_receiver_refused_log_records",
      "otelcol_exporter_queue_size",
      "otelcol_exporter_queue_capacity",
    ],
  },
  backup: {
    source: "components/redis-backup/redis-backup.sh (push_metrics): pushed to the Pushgateway after every run, success or failure; components/test/redis-backup-script.test.ts reads them back from a real Pushgateway",
    metrics: [
      "redis_backup_last_run_success",
      "redis_backup_last_run_timestamp_seconds",
      "redis_backup_last_success_timestamp_seconds",
      "redis_backup_last_verified_timestamp_seconds",
      "redis_backup_duration_seconds",
      "redis_backup_size_bytes",
      "redis_backup_keys",
    ],
  },
  redisExporterSentinelSettings: {
    source:
      "https://github.com/oliver006/redis_exporter/blob/v1.88.0/exporter/sentinels.go (extractSentinelMetrics: the master's configured quorum from SENTINEL MASTERS, since v1.56.0)",
    metrics: ["redis_sentinel_master_setting_ckquorum"],
  },
};

/** Reusable Pulumi components for a Node service on Kubernetes. Each is usable on its own. */
export { AppImage, type AppImageArgs, type AppImageRegistryArgs, resolveAppImageArgs } from "./app-image";
export {
  AppService,
  type AppServiceArgs,
  type AppServiceRedisArgs,
  type AppServiceTracingArgs,
  type SecretEnvRef,
  resolveAppServiceArgs,
} from "./app-service";
export { Redis, type RedisArgs, RedisMode, AppendFsync, EVICTION_POLICIES, REDIS_IMAGE, REDIS_EXPORTER_IMAGE, minimumMemoryLimitMb, resolveRedisArgs } from "./redis";
export { RedisBackup, type RedisBackupArgs, BackupTarget, S3_CLIENT_IMAGE, cronIntervalSeconds, redisBackupCronJobName, redisBackupCronJobSpec, redisBackupPeer, resolveRedisBackupArgs } from "./redis-backup";
export { Jaeger, type JaegerArgs, JaegerStorage, JAEGER_IMAGE, OTLP_HTTP_PORT, QUERY_PORT, jaegerConfig, jaegerHost, jaegerPeer, resolveJaegerArgs } from "./jaeger";
export { Loki, type LokiArgs, LOKI_IMAGE, LOKI_HTTP_PORT, LOKI_OTLP_PATH, lokiAddress, lokiConfig, lokiPeer, resolveLokiArgs } from "./loki";
export { LogShipper, type LogShipperArgs, LOG_SHIPPER_IMAGE, logShipperConfig, logShipperPeer, resolveLogShipperArgs } from "./log-shipper";
export { Pushgateway, type PushgatewayArgs, PUSHGATEWAY_IMAGE, pushgatewayAddress, pushgatewayPeer, resolvePushgatewayArgs } from "./pushgateway";
export { Edge, type EdgeArgs, EdgeMode, type EdgePlacement, type GatewayRef, type SubPathService, edgeClientPeer, edgeProxyPodLabels, http01Gateway, resolveEdgeArgs, securityHeaders } from "./edge";
export { Prometheus, type PrometheusArgs, PROMETHEUS_IMAGE, EXPORTER_METRICS, prometheusPeer, resolvePrometheusArgs, ruleGroups, seriesSelector, type AlertRulesInput, type RuleGroup } from "./prometheus";
export { Alertmanager, type AlertmanagerArgs, ALERTMANAGER_IMAGE, ReceiverKind, alertmanagerAddress, alertmanagerPeer, resolveAlertmanagerArgs } from "./alertmanager";
export { KubeStateMetrics, type KubeStateMetricsArgs, KUBE_STATE_METRICS_IMAGE, kubeStateMetricsAddress, kubeStateMetricsPeer, resolveKubeStateMetricsArgs } from "./kube-state-metrics";
export { OperatorMonitoring, type OperatorMonitoringArgs, resolveOperatorMonitoringArgs } from "./operator-monitoring";
export { Grafana, type GrafanaArgs, GRAFANA_IMAGE, PROMETHEUS_DATASOURCE_UID, LOKI_DATASOURCE_UID, JAEGER_DATASOURCE_UID, dashboards, grafanaPeer, resolveGrafanaArgs, type DashboardsInput, type DashboardJson } from "./grafana";
export { TlsIssuer, type TlsIssuerArgs, IssuerKind, resolveTlsIssuerArgs } from "./tls-issuer";
export { ClusterAddons, type ClusterAddonsArgs, ADDON_VERSIONS, resolveClusterAddonsArgs } from "./cluster-addons";
export { type NetworkPeer, PART_OF, selectorLabels, recommendedLabels } from "./lib/k8s";
export { LOG_STREAM_ATTRIBUTES, lokiLabelName } from "./lib/logs";
export { ArgumentError, cpuMillis, memoryBytes } from "./lib/validate";

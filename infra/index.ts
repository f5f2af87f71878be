/**
 * The Pulumi program: a table of contents of the stack. It reads the validated settings (stacks/) and
 * composes the components (components/, one folder each), wiring each to the others' outputs:
 *
 *   platform       cluster add-ons, the namespace, the TLS issuer
 *   data           Redis and its verified backups
 *   service        the image and the AppService
 *   observability  Prometheus with the SLO and cause alerts, Alertmanager, kube-state-metrics, Jaeger, Loki and
 *                  the log shipper (in a namespace of its own), Grafana with the links between them
 *   edge           the route (Gateway API or Ingress) with TLS: the API, and Grafana when published
 *
 * Decisions belong to the components; this file only passes settings and outputs along.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AppImage,
  AppService,
  AppendFsync,
  Alertmanager,
  BackupTarget,
  ClusterAddons,
  Edge,
  Grafana,
  Jaeger,
  JaegerStorage,
  KubeStateMetrics,
  LogShipper,
  Loki,
  OperatorMonitoring,
  PART_OF,
  EdgeMode,
  type EdgePlacement,
  IssuerKind,
  type NetworkPeer,
  ReceiverKind,
  Prometheus,
  Pushgateway,
  Redis,
  RedisBackup,
  RedisMode,
  TlsIssuer,
  PROMETHEUS_DATASOURCE_UID,
  LOKI_DATASOURCE_UID,
  alertmanagerAddress,
  alertmanagerPeer,
  dashboards,
  grafanaPeer,
  edgeClientPeer,
  http01Gateway,
  jaegerHost,
  jaegerPeer,
  OTLP_HTTP_PORT,
  QUERY_PORT,
  kubeStateMetricsAddress,
  kubeStateMetricsPeer,
  LOKI_OTLP_PATH,
  lokiAddress,
  lokiLabelName,
  lokiPeer,
  logShipperPeer,
  prometheusPeer,
  pushgatewayAddress,
  pushgatewayPeer,
  redisBackupPeer,
  ruleGroups,
  seriesSelector,
} from "@platform/components";
import { loadSecrets, loadSettings } from "@platform/stacks";

// Fails with every bad key listed before any resource is registered.
const s = loadSettings();
const secrets = loadSecrets();

// ---------------------------------------------------------------- platform

// Every Kubernetes object goes through the default provider (kubeconfig / `kubernetes:context`
// config), or through one that writes manifests instead of deploying when renderYamlToDirectory is set.
const renderProvider = s.renderYamlToDirectory ? new k8s.Provider("render-yaml", { renderYamlToDirectory: s.renderYamlToDirectory }) : undefined;

// Objects are created without waiting for them to become ready when the stack says so (kubernetesSkipAwait).
// A transformation in every component's options (components pass theirs to their children), not a stack
// transformation: those need the root stack resource, which the offline renderer's mock runtime does not have.
const skipAwait: pulumi.ResourceTransformation[] = s.kubernetesSkipAwait
  ? [
      (a) => {
        if (!a.type.startsWith("kubernetes:") || a.type.startsWith("kubernetes:helm.sh") || a.type.startsWith("kubernetes:yaml")) return undefined;
        const metadata = pulumi.output(a.props["metadata"] as pulumi.Input<Record<string, unknown>> | undefined);
        const annotate = (m: Record<string, unknown> | undefined) => ({ ...m, annotations: { ...(m?.["annotations"] as Record<string, string> | undefined), "pulumi.com/skipAwait": "true" } });
        return { props: { ...a.props, metadata: metadata.apply(annotate) }, opts: a.opts };
      },
    ]
  : [];
const providerOpts: pulumi.ComponentResourceOptions = { ...(renderProvider ? { providers: [renderProvider] } : {}), transformations: skipAwait };

// cert-manager, Gateway API CRDs and NGINX Gateway Fabric (on by default in dev only).
const addons =
  s.installCertManager || s.installGatewayApi
    ? new ClusterAddons("addons", { certManager: s.installCertManager, gatewayApi: s.installGatewayApi }, providerOpts)
    : undefined;
const afterAddons: pulumi.ResourceTransformation[] = [
  ...skipAwait,
  ...(addons ? [(a: pulumi.ResourceTransformationArgs) => ({ props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: [addons] }) })] : []),
];

// Everything namespaced references this namespace's name, so it is created after the add-ons.
const namespace = new k8s.core.v1.Namespace(
  "namespace",
  {
    metadata: {
      name: s.namespace,
      labels: {
        "app.kubernetes.io/part-of": "node-service-platform",
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  },
  { provider: renderProvider, dependsOn: addons ? [addons] : [], transformations: skipAwait },
);
const ns = namespace.metadata.name;

// Where the edge sits: the TLS issuer's HTTP-01 solver and the service's NetworkPolicy need it
// before the Edge exists (the Edge needs both of them).
const edgePlacement: EdgePlacement = {
  mode: s.edgeMode === "ingress" ? EdgeMode.Ingress : EdgeMode.Gateway,
  gateway: s.gatewayName ? { name: s.gatewayName, namespace: s.gatewayNamespace, sectionName: s.gatewayListener } : undefined,
  gatewayName: s.appName,
  appName: s.appName,
  proxyNamespace: s.edgeProxyNamespace,
};

// Self-signed CA (dev), ACME HTTP-01 (prod), or an existing ClusterIssuer.
const clusterIssuerName =
  s.tlsIssuer === "existing"
    ? s.clusterIssuerName
    : new TlsIssuer(
        "tls",
        {
          appName: s.appName,
          kind: s.tlsIssuer === "acme" ? IssuerKind.Acme : IssuerKind.SelfSigned,
          acmeEmail: s.acmeEmail,
          acmeServer: s.acmeServer,
          http01Gateway: http01Gateway("edge", edgePlacement, ns),
          http01IngressClassName: s.edgeMode === "ingress" ? s.ingressClassName : undefined,
        },
        { ...providerOpts, transformations: afterAddons },
      ).clusterIssuerName;

// Who scrapes the metrics ports: the stack's own Prometheus (created last, under observability), or one
// already running in prometheusNamespace.
const deployPrometheus = s.prometheus === "deploy";
const scraper: NetworkPeer = deployPrometheus ? prometheusPeer("prometheus") : { namespace: s.prometheusNamespace };
// Where batch jobs (the Redis backups) report to: a Pushgateway beside the stack's own Prometheus.
const pushgateway = deployPrometheus && s.redisBackups ? { address: pushgatewayAddress("pushgateway", s.namespace), peer: pushgatewayPeer("pushgateway") } : undefined;

// ---------------------------------------------------------------- data

const redis = new Redis(
  "redis",
  {
    namespace: ns,
    appName: `${s.appName}-redis`,
    mode: s.redisMode === "sentinel" ? RedisMode.Sentinel : RedisMode.Standalone,
    replicas: s.redisReplicas,
    storageSize: s.redisStorageSize,
    storageClassName: s.redisStorageClass,
    appendFsync: s.redisAppendFsync as AppendFsync,
    maxMemoryMb: s.redisMaxMemoryMb,
    memoryLimit: s.redisMemoryLimit,
    evictionPolicy: s.redisEvictionPolicy,
    requireAntiAffinity: s.redisRequireAntiAffinity,
    prometheus: scraper,
    password: secrets.redisPassword,
  },
  providerOpts,
);
const sentinel = s.redisMode === "sentinel";

// Verified backups: from an in-sync replica in Sentinel mode, onto their own PVC or to S3 (docs/backups.md).
const backupAppName = `${s.appName}-redis-backup`;
const backups = s.redisBackups
  ? new RedisBackup(
      "redis-backup",
      {
        namespace: ns,
        appName: backupAppName,
        redisHost: sentinel ? undefined : redis.host,
        sentinels: sentinel ? redis.sentinels : undefined,
        sentinelMasterName: sentinel ? redis.masterName : undefined,
        passwordSecretName: redis.passwordSecretName,
        clientLabels: redis.clientLabels,
        redisPeer: { podLabels: redis.podSelector },
        target: s.redisBackupTarget === "s3" ? BackupTarget.S3 : BackupTarget.Pvc,
        s3Endpoint: s.redisBackupS3Endpoint,
        s3Bucket: s.redisBackupS3Bucket,
        s3Prefix: s.redisBackupS3Prefix,
        s3Region: s.redisBackupS3Region,
        s3AccessKeyId: secrets.redisBackupS3AccessKeyId,
        s3SecretAccessKey: secrets.redisBackupS3SecretAccessKey,
        schedule: s.redisBackupSchedule,
        retainLast: s.redisBackupRetainLast,
        retainDailyDays: s.redisBackupRetainDailyDays,
        retainWeeklyWeeks: s.redisBackupRetainWeeklyWeeks,
        storageSize: s.redisBackupStorageSize,
        storageClassName: s.redisBackupStorageClass,
        memory: s.redisBackupMemory,
        activeDeadlineSeconds: s.redisBackupDeadlineSeconds,
        pushgatewayUrl: pushgateway ? `http://${pushgateway.address}` : undefined,
        pushgatewayPeer: pushgateway?.peer,
      },
      providerOpts,
    )
  : undefined;

// ---------------------------------------------------------------- service

// Built from app/ (repository root as context) and pinned by digest, or prebuilt.
const repoRoot = path.relative(process.cwd(), path.resolve(__dirname, "..")) || ".";
const image = new AppImage("image", {
  prebuilt: s.image,
  repository: s.imageRepository,
  context: repoRoot,
  dockerfile: path.join(repoRoot, "app", "Dockerfile"),
  platform: s.imagePlatform,
  buildOnPreview: s.imageBuildOnPreview,
  registry:
    s.registryUsername !== undefined && secrets.registryPassword !== undefined
      ? { server: s.registryServer, username: s.registryUsername, password: secrets.registryPassword }
      : undefined,
});

const app = new AppService(
  "app",
  {
    image: image.ref,
    namespace: ns,
    appName: s.appName,
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    cpuTargetPercent: s.cpuTargetPercent,
    memoryTargetPercent: s.memoryTargetPercent,
    scaleDownStabilizationSeconds: s.scaleDownStabilizationSeconds,
    cpuRequest: s.cpuRequest,
    cpuLimit: s.cpuLimit,
    memoryRequest: s.memoryRequest,
    memoryLimit: s.memoryLimit,
    config: {
      LOG_LEVEL: s.logLevel,
      RATE_LIMIT_MAX: String(s.rateLimitMax),
      RATE_LIMIT_WINDOW_MS: String(s.rateLimitWindowMs),
      CORS_ORIGINS: s.corsOrigins,
      READINESS_REQUIRES_REDIS: String(s.readinessRequiresRedis),
    },
    // Carries Redis' client label, which Redis' NetworkPolicy admits.
    podLabels: redis.clientLabels,
    redis: {
      url: sentinel ? undefined : redis.url,
      sentinels: sentinel ? redis.sentinels : undefined,
      sentinelMasterName: sentinel ? redis.masterName : undefined,
      passwordSecretName: redis.passwordSecretName,
      podLabels: redis.podSelector,
    },
    // Another collector when otlpEndpoint names one, else the stack's Jaeger (created under observability).
    tracing: s.otlpEndpoint
      ? { endpoint: s.otlpEndpoint, namespace: s.tracingNamespace, sampleRatio: s.tracesSampleRatio }
      : s.jaeger
        ? { endpoint: `http://${jaegerHost("jaeger", s.namespace)}:${OTLP_HTTP_PORT}`, podLabels: jaegerPeer("jaeger").podLabels, sampleRatio: s.tracesSampleRatio }
        : undefined,
    shutdownDrainDelayMs: s.shutdownDrainDelayMs,
    shutdownGraceMs: s.shutdownGraceMs,
    allowFrom: [edgeClientPeer("edge", edgePlacement)],
    prometheus: scraper,
  },
  providerOpts,
);

// ---------------------------------------------------------------- observability

// The log shipper reads the nodes' pod logs (hostPath): it runs in a namespace of its own, at the privileged level.
const logShipperNamespace = s.loki ? s.logShipperNamespace : undefined;

// What the alerts and dashboards look at, named the way Prometheus labels the series it scrapes.
const selectors = {
  service: seriesSelector(s.namespace, app.podSelector),
  redis: seriesSelector(s.namespace, redis.podSelector),
  sentinel: sentinel ? seriesSelector(s.namespace, redis.podSelector, "sentinel") : undefined,
  prometheus: 'job="prometheus"',
  alertmanager: 'job="alertmanager"',
  kubeStateMetrics: 'job="kube-state-metrics"',
  jaeger: s.jaeger ? seriesSelector(s.namespace, jaegerPeer("jaeger").podLabels as Record<string, string>) : undefined,
  loki: s.loki ? seriesSelector(s.namespace, lokiPeer("loki").podLabels as Record<string, string>) : undefined,
  logShipper: logShipperNamespace ? seriesSelector(logShipperNamespace, logShipperPeer("log-shipper", logShipperNamespace).podLabels as Record<string, string>) : undefined,
};
const slo = {
  availability: s.sloAvailabilityTarget,
  latency: s.sloLatencyTarget,
  latencyThresholdSeconds: s.sloLatencyThresholdSeconds,
  windowDays: s.sloWindowDays,
};
const alertInput = {
  namespace: s.namespace,
  deploymentName: app.workloadName,
  hpaName: app.hpaName,
  redisReplicas: s.redisReplicas,
  sentinelMasterName: redis.sentinelMasterName,
  selectors,
  slo,
  runbookBaseUrl: s.runbookBaseUrl,
  // Only where the backups report to this stack's Pushgateway.
  backup: backups && pushgateway ? { intervalSeconds: backups.intervalSeconds, cronJobName: backupAppName, deadlineSeconds: s.redisBackupDeadlineSeconds } : undefined,
};
const alertmanager = deployPrometheus
  ? new Alertmanager(
      "alertmanager",
      {
        namespace: ns,
        receiver: s.alertReceiver === "slack" ? ReceiverKind.Slack : s.alertReceiver === "webhook" ? ReceiverKind.Webhook : ReceiverKind.None,
        receiverUrl: secrets.alertReceiverUrl,
        slackChannel: s.alertSlackChannel,
        clients: [prometheusPeer("prometheus"), grafanaPeer("grafana")],
      },
      providerOpts,
    )
  : undefined;

// A cluster that runs prometheus-operator gets the same targets and rules as objects for its own Prometheus.
if (s.prometheus === "operator") {
  new OperatorMonitoring(
    "monitoring",
    { namespace: ns, podSelector: { "app.kubernetes.io/part-of": PART_OF }, ruleGroups: ruleGroups(alertInput), selectorLabels: { release: s.prometheusOperatorRelease }, ports: sentinel ? ["metrics", "sentinel-exp"] : ["metrics"], otherNamespaces: logShipperNamespace ? [logShipperNamespace] : [] },
    providerOpts,
  );
}

// Traces: Jaeger v2, in memory (dev) or Badger with a TTL (prod); its UI stays internal (Grafana reads it).
const jaeger = s.jaeger
  ? new Jaeger(
      "jaeger",
      {
        namespace: ns,
        storage: s.jaegerStorage === "badger" ? JaegerStorage.Badger : JaegerStorage.Memory,
        maxTraces: s.jaegerMaxTraces,
        ttlHours: s.jaegerStorage === "badger" ? s.jaegerTraceTtlHours : undefined,
        storageSize: s.jaegerStorage === "badger" ? s.jaegerStorageSize : undefined,
        storageClassName: s.jaegerStorage === "badger" ? s.redisStorageClass : undefined,
        senders: [{ podLabels: app.podSelector }],
        readers: deployPrometheus ? [grafanaPeer("grafana")] : [],
        scrapers: [scraper],
      },
      providerOpts,
    )
  : undefined;

// Logs: Loki on a PVC with retention, fed by an OpenTelemetry Collector DaemonSet that tails the namespace's pods.
const loki = s.loki
  ? new Loki(
      "loki",
      {
        namespace: ns,
        retentionDays: s.lokiRetentionDays,
        storageSize: s.lokiStorageSize,
        storageClassName: s.redisStorageClass,
        memory: s.lokiMemory,
        ingestionRateMb: s.lokiIngestionRateMb,
        pushers: logShipperNamespace ? [logShipperPeer("log-shipper", logShipperNamespace)] : [],
        readers: deployPrometheus ? [grafanaPeer("grafana")] : [],
        scrapers: [scraper],
      },
      providerOpts,
    )
  : undefined;
if (logShipperNamespace) {
  const shipperNamespace = new k8s.core.v1.Namespace(
    "log-shipper-namespace",
    {
      metadata: {
        name: logShipperNamespace,
        labels: { "app.kubernetes.io/part-of": PART_OF, "pod-security.kubernetes.io/enforce": "privileged" },
      },
    },
    { provider: renderProvider, dependsOn: addons ? [addons] : [], transformations: skipAwait },
  );
  new LogShipper(
    "log-shipper",
    {
      namespace: shipperNamespace.metadata.name,
      sourceNamespace: s.namespace,
      lokiOtlpEndpoint: `http://${lokiAddress("loki", s.namespace)}${LOKI_OTLP_PATH}`,
      lokiPeer: lokiPeer("loki", s.namespace),
      scrapers: [deployPrometheus ? { ...prometheusPeer("prometheus"), namespace: s.namespace } : scraper],
    },
    providerOpts,
  );
}

if (pushgateway) new Pushgateway("pushgateway", { namespace: ns, clients: [prometheusPeer("prometheus"), redisBackupPeer("redis-backup", backupAppName)], storageClassName: s.redisBackupStorageClass }, providerOpts);

if (deployPrometheus) new KubeStateMetrics("kube-state-metrics", { namespace: ns, watchNamespaces: [s.namespace], clients: [prometheusPeer("prometheus")] }, providerOpts);

const prometheus =
  deployPrometheus
    ? new Prometheus(
        "prometheus",
        {
          namespace: ns,
          scrapeNamespaces: [s.namespace, ...(logShipperNamespace ? [logShipperNamespace] : [])],
          retentionTime: s.prometheusRetentionTime,
          retentionSize: s.prometheusRetentionSize,
          storageSize: s.prometheusStorageSize,
          memory: s.prometheusMemory,
          scrapeKubelet: s.prometheusScrapeKubelet,
          clients: [grafanaPeer("grafana")],
          alertmanagerAddress: alertmanagerAddress("alertmanager", s.namespace),
          alertmanagerPeer: alertmanagerPeer("alertmanager"),
          kubeStateMetrics: { address: kubeStateMetricsAddress("kube-state-metrics", s.namespace), peer: kubeStateMetricsPeer("kube-state-metrics") },
          pushgateway,
          ruleGroups: ruleGroups(alertInput),
        },
        providerOpts,
      )
    : undefined;

const grafana = prometheus
  ? new Grafana(
      "grafana",
      {
        namespace: ns,
        prometheusUrl: pulumi.interpolate`http://${prometheus.address}`,
        prometheusPeer: { ...prometheusPeer("prometheus"), ports: [9090] },
        alertmanagerUrl: alertmanager ? pulumi.interpolate`http://${alertmanager.address}` : undefined,
        lokiUrl: loki?.url,
        lokiPeer: loki ? lokiPeer("loki") : undefined,
        jaegerUrl: jaeger?.queryUrl,
        jaegerPeer: jaeger ? { ...jaegerPeer("jaeger"), ports: [QUERY_PORT] } : undefined,
        alertmanagerPeer: alertmanager ? { ...alertmanagerPeer("alertmanager"), ports: [9093] } : undefined,
        dashboards: dashboards({
          selectors,
          slo,
          namespace: s.namespace,
          deploymentName: app.workloadName,
          sentinel,
          datasourceUid: PROMETHEUS_DATASOURCE_UID,
          backups: alertInput.backup ? { intervalSeconds: alertInput.backup.intervalSeconds } : undefined,
          // The service's streams, as the log shipper labels them (components/lib/logs.ts).
          correlations: loki
            ? { logs: { datasourceUid: LOKI_DATASOURCE_UID, streamSelector: `{${lokiLabelName("service.name")}="${s.appName}", ${lokiLabelName("k8s.namespace.name")}="${s.namespace}"}` } }
            : undefined,
        }),
        // Internal (kubectl port-forward) unless grafanaPath publishes it through the edge, behind its login.
        publicUrl: s.grafanaPath ? `https://${s.hostname}${s.grafanaPath}/` : undefined,
        adminPassword: secrets.grafanaAdminPassword,
        clients: s.grafanaPath ? [edgeClientPeer("edge", edgePlacement)] : [],
      },
      providerOpts,
    )
  : undefined;

// ---------------------------------------------------------------- edge

const edge = new Edge(
  "edge",
  {
    ...edgePlacement,
    namespace: ns,
    hostname: s.hostname,
    serviceName: app.serviceName,
    servicePort: app.port,
    // The API only (and its docs where the stack says so): /metrics has its own port and the probes stay inside.
    pathPrefixes: ["/v1", ...(s.edgeExposeDocs ? ["/docs", "/openapi.json"] : [])],
    gatewayClassName: s.gatewayClassName,
    ingressClassName: s.ingressClassName,
    // Grafana beside the API on its own path, only when the stack says so.
    subPathServices: grafana && s.grafanaPath ? [{ pathPrefix: s.grafanaPath, serviceName: grafana.serviceName, servicePort: grafana.port }] : [],
    clusterIssuerName,
  },
  { ...providerOpts, transformations: afterAddons },
);

// ---------------------------------------------------------------- outputs: names and addresses only, never secret values

export const environment = s.environment;
export const url = edge.url;
export const imageRef = image.ref;
export const namespaceName = ns;
export const serviceName = app.serviceName;
export const redisHost = redis.host;
export const redisSentinels = redis.sentinels;
export const redisPasswordSecretName = redis.passwordSecretName;
export const redisBackupCronJob = backups?.cronJobName ?? pulumi.output("");
export const redisBackupLocation = backups?.location ?? pulumi.output("");
export const tlsSecretName = edge.tlsSecretName;
export const tlsClusterIssuer = pulumi.output(clusterIssuerName ?? "");
export const prometheusAddress = prometheus?.address ?? pulumi.output("");
export const grafanaUrl = grafana?.url ?? pulumi.output("");
export const grafanaPublicUrl = grafana?.publicUrl ?? pulumi.output("");
export const grafanaAdminPasswordSecretName = grafana?.adminPasswordSecretName ?? pulumi.output("");
export const jaegerQueryUrl = jaeger?.queryUrl ?? pulumi.output("");
export const alertmanagerUrl = alertmanager ? pulumi.interpolate`http://${alertmanager.address}` : pulumi.output("");

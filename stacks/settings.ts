/**
 * The stack settings: every key a stack can set, its type, its per-environment
 * default and what it means. This table is the single source of truth: the
 * validation, the defaults, the README's settings table (`npm run settings-table
 * -w stacks`) and Pulumi.yaml's declarations all follow it.
 */
import { EVICTION_POLICIES, cronIntervalSeconds } from "@platform/components";
import { z } from "zod";

export type Environment = "dev" | "prod";
export const ENVIRONMENTS: readonly Environment[] = ["dev", "prod"];

/** How a raw config string is turned into a value before the schema checks it. */
export type Kind = "string" | "integer" | "number" | "boolean";

export interface KeySpec {
  readonly kind: Kind;
  readonly schema: z.ZodType;
  /** What is allowed, in words, for error messages and the README. */
  readonly allowed: string;
  readonly dev?: string | number | boolean;
  readonly prod?: string | number | boolean;
  /** Whether the value must be set with `pulumi config set --secret` (read through loadSecrets, never in Settings). */
  readonly secret?: boolean;
  /** Why the key must have a value when an environment gives it no default (it is optional otherwise). */
  readonly requiredWhy?: string;
  readonly doc: string;
}

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const dnsName = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/);
const cpuQuantity = z.string().regex(/^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$/);
const memQuantity = z.string().regex(/^[0-9]+(Ki|Mi|Gi|Ti)$/);
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const backupSchedule = z.string().refine((v) => {
  try {
    return cronIntervalSeconds(v) > 0;
  } catch {
    return false;
  }
});
const imageRef = z.string().regex(/^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/i);

export const SETTINGS = {
  environment: {
    kind: "string",
    schema: z.enum(["dev", "prod"]),
    allowed: `"dev" or "prod"`,
    requiredWhy: "to choose the defaults",
    doc: "Which per-environment defaults apply. Defaults to the stack name when it is dev or prod; required for any other stack name.",
  },
  namespace: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a DNS-1123 label (lowercase letters, digits, '-', at most 63 characters)",
    dev: "notes-dev",
    prod: "notes",
    doc: "Namespace the stack creates and deploys the service and Redis into.",
  },
  appName: {
    kind: "string",
    schema: dnsLabel.max(40),
    allowed: "a DNS-1123 label of at most 40 characters",
    dev: "notes",
    prod: "notes",
    doc: "Name of the service: `app.kubernetes.io/name` label and prefix of the resource names.",
  },
  image: {
    kind: "string",
    schema: imageRef,
    allowed: "an image reference such as ghcr.io/acme/notes@sha256:<64 hex> or ghcr.io/acme/notes:1.2.3",
    doc: "Prebuilt image to deploy instead of building `app/` (PR previews, clusters that pull from elsewhere). Exclusive with imageRepository.",
  },
  imageRepository: {
    kind: "string",
    schema: imageRef,
    allowed: "a repository without tag, such as localhost:5001/notes or ghcr.io/acme/notes",
    dev: "localhost:5001/notes",
    doc: "Repository the stack builds `app/` into and pushes to; the deployment pins the pushed digest. Required in prod unless `image` is set.",
  },
  imagePlatform: {
    kind: "string",
    schema: z.enum(["linux/amd64", "linux/arm64"]),
    allowed: `"linux/amd64" or "linux/arm64"`,
    dev: "linux/amd64",
    prod: "linux/amd64",
    doc: "Platform the image is built for.",
  },
  imageBuildOnPreview: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: false,
    prod: false,
    doc: "Build the image during `pulumi preview` too (slow; off by default).",
  },
  registryServer: {
    kind: "string",
    schema: z.string().regex(/^[a-z0-9.-]+(:[0-9]+)?$/i),
    allowed: "a registry host[:port] such as ghcr.io",
    doc: "Registry to log in to for the push. Defaults to the host part of imageRepository.",
  },
  registryUsername: {
    kind: "string",
    schema: z.string().min(1),
    allowed: "a non-empty string",
    doc: "Registry user for the push (with registryPassword). Unset: push without credentials (local registry).",
  },
  registryPassword: {
    kind: "string",
    schema: z.string().min(1),
    allowed: "a non-empty string set with --secret",
    secret: true,
    doc: "Registry password or token (secret).",
  },
  minReplicas: {
    kind: "integer",
    schema: int(1, 100),
    allowed: "an integer from 1 to 100",
    dev: 1,
    prod: 3,
    doc: "Replicas the service never goes below (the HPA's minimum).",
  },
  maxReplicas: {
    kind: "integer",
    schema: int(1, 100),
    allowed: "an integer from 1 to 100, at least minReplicas",
    dev: 3,
    prod: 10,
    doc: "HPA maximum. Equal to minReplicas: no HPA, fixed replicas.",
  },
  cpuTargetPercent: {
    kind: "integer",
    schema: int(10, 100),
    allowed: "an integer from 10 to 100",
    dev: 70,
    prod: 70,
    doc: "HPA target average CPU utilisation (% of the request).",
  },
  memoryTargetPercent: {
    kind: "integer",
    schema: int(10, 100),
    allowed: "an integer from 10 to 100",
    dev: 80,
    prod: 80,
    doc: "HPA target average memory utilisation (% of the request).",
  },
  scaleDownStabilizationSeconds: {
    kind: "integer",
    schema: int(0, 3600),
    allowed: "an integer from 0 to 3600",
    dev: 60,
    prod: 300,
    doc: "HPA scale-down stabilisation window.",
  },
  cpuRequest: {
    kind: "string",
    schema: cpuQuantity,
    allowed: "a CPU quantity such as 100m or 1",
    dev: "50m",
    prod: "250m",
    doc: "CPU request of each service pod.",
  },
  cpuLimit: {
    kind: "string",
    schema: cpuQuantity,
    allowed: "a CPU quantity such as 500m or 1, at least cpuRequest",
    dev: "500m",
    prod: "1",
    doc: "CPU limit of each service pod.",
  },
  memoryRequest: {
    kind: "string",
    schema: memQuantity,
    allowed: "a memory quantity such as 128Mi or 1Gi",
    dev: "128Mi",
    prod: "256Mi",
    doc: "Memory request of each service pod.",
  },
  memoryLimit: {
    kind: "string",
    schema: memQuantity,
    allowed: "a memory quantity such as 256Mi or 1Gi, at least memoryRequest",
    dev: "256Mi",
    prod: "512Mi",
    doc: "Memory limit of each service pod.",
  },
  logLevel: {
    kind: "string",
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]),
    allowed: "one of fatal, error, warn, info, debug, trace",
    dev: "debug",
    prod: "info",
    doc: "Service LOG_LEVEL.",
  },
  rateLimitMax: {
    kind: "integer",
    schema: int(1, 1_000_000),
    allowed: "an integer from 1 to 1000000",
    dev: 100,
    prod: 100,
    doc: "Requests per window per client (RATE_LIMIT_MAX).",
  },
  rateLimitWindowMs: {
    kind: "integer",
    schema: int(1000, 3_600_000),
    allowed: "an integer from 1000 to 3600000",
    dev: 60000,
    prod: 60000,
    doc: "Rate-limit window (RATE_LIMIT_WINDOW_MS).",
  },
  corsOrigins: {
    kind: "string",
    schema: z.string().regex(/^$|^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/),
    allowed: "empty, or a comma-separated list of http(s) origins",
    dev: "",
    prod: "",
    doc: "Allowed CORS origins (CORS_ORIGINS); empty turns CORS off.",
  },
  readinessRequiresRedis: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: false,
    prod: false,
    doc: "Make /health/ready fail while Redis is down (READINESS_REQUIRES_REDIS). Off: a Redis outage degrades but does not empty the endpoints.",
  },
  shutdownDrainDelayMs: {
    kind: "integer",
    schema: int(0, 60_000),
    allowed: "an integer from 0 to 60000",
    dev: 5000,
    prod: 5000,
    doc: "Time readiness stays 503 before the server stops accepting (SHUTDOWN_DRAIN_DELAY_MS).",
  },
  shutdownGraceMs: {
    kind: "integer",
    schema: int(1000, 300_000),
    allowed: "an integer from 1000 to 300000",
    dev: 20000,
    prod: 20000,
    doc: "Maximum time for in-flight requests at shutdown (SHUTDOWN_GRACE_MS); terminationGracePeriodSeconds is derived from both.",
  },
  redisMode: {
    kind: "string",
    schema: z.enum(["standalone", "sentinel"]),
    allowed: `"standalone" or "sentinel"`,
    dev: "standalone",
    prod: "sentinel",
    doc: "Single Redis, or replicas with Redis Sentinel for automatic failover.",
  },
  redisReplicas: {
    kind: "integer",
    schema: int(1, 9),
    allowed: "1 for standalone; 3 to 9 for sentinel",
    dev: 1,
    prod: 3,
    doc: "Redis pods (one master, the rest replicas; each runs a Sentinel in sentinel mode).",
  },
  redisStorageSize: {
    kind: "string",
    schema: memQuantity,
    allowed: "a storage quantity such as 1Gi",
    dev: "1Gi",
    prod: "10Gi",
    doc: "Size of each Redis pod's persistent volume (AOF + RDB).",
  },
  redisStorageClass: {
    kind: "string",
    schema: dnsName.or(dnsLabel),
    allowed: "a StorageClass name",
    doc: "StorageClass of the Redis volumes. Unset: the cluster's default class.",
  },
  redisAppendFsync: {
    kind: "string",
    schema: z.enum(["always", "everysec", "no"]),
    allowed: `"always", "everysec" or "no"`,
    dev: "everysec",
    prod: "everysec",
    doc: "AOF fsync policy (appendfsync).",
  },
  redisMaxMemoryMb: {
    kind: "integer",
    schema: int(16, 65536),
    allowed: "an integer from 16 to 65536, at most 60% of redisMemoryLimit",
    dev: 100,
    prod: 768,
    doc: "Redis maxmemory in MiB.",
  },
  redisMemoryLimit: {
    kind: "string",
    schema: memQuantity,
    allowed: "a memory quantity of at least redisMaxMemoryMb / 0.6, such as 192Mi",
    dev: "192Mi",
    prod: "1280Mi",
    doc: "Memory request and limit of the Redis container: maxmemory plus 40% headroom, because replica output buffers and the copy-on-write of every fork (AOF rewrite, full sync) count against it.",
  },
  redisEvictionPolicy: {
    kind: "string",
    schema: z.enum(EVICTION_POLICIES),
    allowed: "a Redis maxmemory-policy such as noeviction or allkeys-lru",
    dev: "noeviction",
    prod: "noeviction",
    doc: "maxmemory-policy. noeviction refuses writes when full rather than losing notes.",
  },
  redisRequireAntiAffinity: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: false,
    prod: true,
    doc: "Sentinel mode: require one Redis pod per node, so one node cannot take the Sentinel quorum down. Set false on clusters with fewer nodes than Redis pods (spreading is then only preferred).",
  },
  redisBackups: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: true,
    prod: true,
    doc: "Back Redis up on a schedule (RedisBackup): a snapshot from an in-sync replica, compressed with its SHA-256 and a manifest onto a PVC, verified by a load into a throwaway redis-server, pruned by the retention below, its outcome pushed to a Pushgateway (prometheus: deploy) for the RedisBackupStale and RedisBackupFailed alerts. docs/backups.md says how to list, verify and restore.",
  },
  redisBackupSchedule: {
    kind: "string",
    schema: backupSchedule,
    allowed: 'a cron schedule in UTC: "M * * * *", "M */N * * *", "*/N * * * *", "M H * * *" or "M H * * D"',
    dev: "0 */6 * * *",
    prod: "0 * * * *",
    doc: "When backups run. With appendfsync everysec, the recovery point is about 1 s while Redis' volume survives, and one schedule period (plus a run's duration) when it does not.",
  },
  redisBackupRetainLast: {
    kind: "integer",
    schema: int(1, 1000),
    allowed: "an integer from 1 to 1000",
    dev: 4,
    prod: 24,
    doc: "Backups kept whatever their age. The newest verified backup is never deleted.",
  },
  redisBackupRetainDailyDays: {
    kind: "integer",
    schema: int(0, 366),
    allowed: "an integer from 0 to 366",
    dev: 2,
    prod: 7,
    doc: "Also keep the newest backup of each of this many last days.",
  },
  redisBackupRetainWeeklyWeeks: {
    kind: "integer",
    schema: int(0, 520),
    allowed: "an integer from 0 to 520",
    dev: 0,
    prod: 4,
    doc: "Also keep the newest backup of each of this many last ISO weeks.",
  },
  redisBackupStorageSize: {
    kind: "string",
    schema: memQuantity,
    allowed: "a storage quantity such as 10Gi",
    dev: "1Gi",
    prod: "10Gi",
    doc: "Size of the backups' PVC (kept when the stack is destroyed). A compressed snapshot is typically a third of the dataset or less.",
  },
  redisBackupStorageClass: {
    kind: "string",
    schema: dnsName.or(dnsLabel),
    allowed: "a StorageClass name",
    doc: "StorageClass of the backups' PVC; pick one on other disks than Redis' own where the cluster has one. Unset: the cluster's default class.",
  },
  redisBackupMemory: {
    kind: "string",
    schema: memQuantity,
    allowed: "a memory quantity of at least redisMaxMemoryMb + 100Mi, such as 256Mi",
    dev: "256Mi",
    prod: "1Gi",
    doc: "Memory request and limit of a backup run: the verification loads the whole dataset into a throwaway redis-server.",
  },
  redisBackupDeadlineSeconds: {
    kind: "integer",
    schema: int(60, 86400),
    allowed: "an integer from 60 to 86400, at most the schedule's period",
    dev: 1800,
    prod: 1800,
    doc: "A backup run is stopped after this long (activeDeadlineSeconds); RedisBackupFailed fires for a run past it without success.",
  },
  edgeMode: {
    kind: "string",
    schema: z.enum(["gateway", "ingress"]),
    allowed: `"gateway" (Gateway API) or "ingress" (networking.k8s.io/v1 Ingress)`,
    dev: "gateway",
    prod: "gateway",
    doc: "How the service is exposed.",
  },
  hostname: {
    kind: "string",
    schema: dnsName,
    allowed: "a DNS name such as notes.example.com",
    dev: "notes.localtest.me",
    requiredWhy: "in this environment: the public host name, such as notes.example.com",
    doc: "Public host name of the service (certificate and route). Required in prod.",
  },
  gatewayClassName: {
    kind: "string",
    schema: dnsName.or(dnsLabel),
    allowed: "a GatewayClass name",
    dev: "nginx",
    prod: "nginx",
    doc: "GatewayClass of the Gateway the stack creates (gateway mode, when gatewayName is unset).",
  },
  gatewayName: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a Gateway name",
    doc: "Attach to this existing Gateway instead of creating one (gateway mode).",
  },
  gatewayNamespace: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a namespace name",
    doc: "Namespace of the existing Gateway. Defaults to the stack namespace.",
  },
  gatewayListener: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a listener name of the existing Gateway",
    doc: "Listener (sectionName) of the existing Gateway to attach to. Unset: every listener that accepts the host.",
  },
  edgeProxyNamespace: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a namespace name",
    doc: "Namespace of the edge proxy pods the service's NetworkPolicy admits. Defaults: the data-plane pods of the created Gateway (stack namespace), or gatewayNamespace for an existing Gateway. Required in ingress mode (e.g. the Ingress controller's namespace).",
  },
  ingressClassName: {
    kind: "string",
    schema: dnsName.or(dnsLabel),
    allowed: "an IngressClass name",
    doc: "IngressClass used in ingress mode (and by ACME HTTP-01 in that mode). Required in ingress mode: there is no default, since ingress-nginx (once the usual \"nginx\") was retired in March 2026.",
  },
  edgeExposeDocs: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: true,
    prod: false,
    doc: "Also route /docs and /openapi.json through the edge. The edge routes only the API (/v1) otherwise; /metrics and the probes are never routed.",
  },

  tlsIssuer: {
    kind: "string",
    schema: z.enum(["selfSigned", "acme", "existing"]),
    allowed: `"selfSigned", "acme" or "existing"`,
    dev: "selfSigned",
    prod: "acme",
    doc: "Where the certificate comes from: a self-signed CA ClusterIssuer, Let's Encrypt (ACME HTTP-01), or an existing ClusterIssuer.",
  },
  acmeEmail: {
    kind: "string",
    schema: z.email(),
    allowed: "an e-mail address",
    doc: "ACME account e-mail (plain config). Required when tlsIssuer is acme.",
  },
  acmeServer: {
    kind: "string",
    schema: z.url({ protocol: /^https$/ }),
    allowed: "an https ACME directory URL",
    dev: "https://acme-staging-v02.api.letsencrypt.org/directory",
    prod: "https://acme-v02.api.letsencrypt.org/directory",
    doc: "ACME directory (Let's Encrypt production in prod, staging in dev).",
  },
  clusterIssuerName: {
    kind: "string",
    schema: dnsName.or(dnsLabel),
    allowed: "a ClusterIssuer name",
    doc: "The existing ClusterIssuer to use. Required when tlsIssuer is existing.",
  },
  installCertManager: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: true,
    prod: false,
    doc: "Install cert-manager (Helm, pinned) with its Gateway API support.",
  },
  installGatewayApi: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: true,
    prod: false,
    doc: "Install the Gateway API CRDs and NGINX Gateway Fabric (Helm, pinned).",
  },
  renderYamlToDirectory: {
    kind: "string",
    schema: z.string().min(1),
    allowed: "a directory path, relative to the project",
    doc: "Make `pulumi up` write the manifests here through the Kubernetes provider's renderYamlToDirectory instead of deploying them (secrets are written in plain text). Requires installCertManager and installGatewayApi false.",
  },
  prometheus: {
    kind: "string",
    schema: z.enum(["deploy", "operator", "external"]),
    allowed: `"deploy", "operator" or "external"`,
    dev: "deploy",
    prod: "deploy",
    doc: "deploy: the stack runs its own Prometheus, Alertmanager, kube-state-metrics and Grafana. operator: for clusters running kube-prometheus-stack, a PodMonitor and a PrometheusRule with the same targets and rules, and no Prometheus of its own. external: nothing but NetworkPolicies admitting the Prometheus of prometheusNamespace.",
  },
  prometheusScrapeKubelet: {
    kind: "boolean",
    schema: z.boolean(),
    allowed: "true or false",
    dev: true,
    prod: true,
    doc: "Let the stack's Prometheus read container CPU and memory from every kubelet (cAdvisor) through the API server: a ClusterRole with nodes, nodes/proxy and nodes/metrics (get, list, watch). Set false where the cluster forbids it; the saturation panels then stay empty.",
  },
  grafanaPath: {
    kind: "string",
    schema: z.string().regex(/^\/[a-z0-9][a-z0-9-]{0,62}$/),
    allowed: 'one path segment such as "/grafana"',
    doc: "Publish the stack's Grafana at https://<hostname><grafanaPath>/ through the edge, over TLS and behind Grafana's login (prometheus: deploy only). Unset: Grafana stays internal; reach it with kubectl port-forward. Prometheus and Alertmanager are never published.",
  },
  prometheusOperatorRelease: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a Helm release name",
    dev: "kube-prometheus-stack",
    prod: "kube-prometheus-stack",
    doc: "With prometheus operator: the `release` label the cluster's Prometheus selects PodMonitors and PrometheusRules by (kube-prometheus-stack's release name).",
  },
  prometheusNamespace: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a namespace name",
    dev: "monitoring",
    prod: "monitoring",
    doc: "With prometheus operator or external: the namespace of the Prometheus that scrapes the stack; NetworkPolicies admit its pods to the metrics ports.",
  },
  prometheusRetentionTime: {
    kind: "string",
    schema: z.string().regex(/^[0-9]+(h|d|w)$/),
    allowed: "a duration in hours, days or weeks such as 15d",
    dev: "3d",
    prod: "15d",
    doc: "How long the stack's Prometheus keeps samples.",
  },
  prometheusRetentionSize: {
    kind: "string",
    schema: z.string().regex(/^[0-9]+(MB|GB)$/),
    allowed: "a size in MB or GB such as 8GB, below prometheusStorageSize",
    dev: "1GB",
    prod: "8GB",
    doc: "The most disk the stack's Prometheus uses for samples; the oldest go first.",
  },
  prometheusStorageSize: {
    kind: "string",
    schema: memQuantity,
    allowed: "a storage quantity such as 10Gi",
    dev: "2Gi",
    prod: "10Gi",
    doc: "Size of the Prometheus volume.",
  },
  prometheusMemory: {
    kind: "string",
    schema: memQuantity,
    allowed: "a memory quantity such as 1Gi",
    dev: "384Mi",
    prod: "1Gi",
    doc: "Memory request and limit of Prometheus (the head block's series live in memory).",
  },
  alertReceiver: {
    kind: "string",
    schema: z.enum(["none", "webhook", "slack"]),
    allowed: `"none", "webhook" or "slack"`,
    dev: "none",
    prod: "none",
    doc: "Where the stack's Alertmanager sends notifications (critical alerts page, warnings make tickets). none: only its UI shows them; set webhook or slack with alertReceiverUrl for a real deployment.",
  },
  alertReceiverUrl: {
    kind: "string",
    schema: z.url({ protocol: /^https?$/ }),
    allowed: "an http(s) URL set with --secret",
    secret: true,
    doc: "The webhook or Slack incoming-webhook URL (secret): `pulumi config set --secret alertReceiverUrl https://...`. Kept in a Secret, never a ConfigMap.",
  },
  alertSlackChannel: {
    kind: "string",
    schema: z.string().regex(/^#[a-z0-9_-]{1,80}$/),
    allowed: "a Slack channel such as #alerts",
    doc: "Channel for alertReceiver slack. Unset: the incoming webhook's own channel.",
  },
  sloAvailabilityTarget: {
    kind: "number",
    schema: z.number().gt(0.9).lt(1),
    allowed: "a share above 0.9 and below 1, such as 0.999",
    dev: 0.999,
    prod: 0.999,
    doc: "Availability SLO: the share of API requests that must not fail (5xx) over sloWindowDays.",
  },
  sloLatencyTarget: {
    kind: "number",
    schema: z.number().gt(0.5).lt(1),
    allowed: "a share above 0.5 and below 1, such as 0.99",
    dev: 0.99,
    prod: 0.99,
    doc: "Latency SLO: the share of API requests that must finish within sloLatencyThresholdSeconds.",
  },
  sloLatencyThresholdSeconds: {
    kind: "number",
    schema: z.union([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map((b) => z.literal(b))),
    allowed: "a bucket bound of http_request_duration_seconds: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 or 10",
    dev: 0.25,
    prod: 0.25,
    doc: "The latency SLO's threshold in seconds; one of the service histogram's bucket bounds, so the SLI is exact.",
  },
  sloWindowDays: {
    kind: "integer",
    schema: int(7, 90),
    allowed: "an integer from 7 to 90",
    dev: 30,
    prod: 30,
    doc: "The SLOs' window: the error budget is what the targets allow over this many days.",
  },
  runbookBaseUrl: {
    kind: "string",
    schema: z.url({ protocol: /^https?$/ }),
    allowed: "an http(s) URL of docs/runbooks.md",
    dev: "https://github.com/example/node-service-platform/blob/main/docs/runbooks.md",
    prod: "https://github.com/example/node-service-platform/blob/main/docs/runbooks.md",
    doc: "Where the alerts' runbook links point: set it to docs/runbooks.md in your copy of this repository. Each alert links its section (#<alert name in lower case>).",
  },
  otlpEndpoint: {
    kind: "string",
    schema: z.url({ protocol: /^https?$/ }),
    allowed: "an http(s) URL such as http://jaeger-collector.observability:4318",
    doc: "OTLP/HTTP endpoint for traces (OTEL_EXPORTER_OTLP_ENDPOINT). Unset: tracing off.",
  },
  tracingNamespace: {
    kind: "string",
    schema: dnsLabel,
    allowed: "a namespace name",
    dev: "observability",
    prod: "observability",
    doc: "Namespace of the trace collector; the service's NetworkPolicy allows egress to it.",
  },
  tracesSampleRatio: {
    kind: "number",
    schema: z.number().min(0).max(1),
    allowed: "a number from 0 to 1",
    dev: 1,
    prod: 0.1,
    doc: "Share of traces sampled (parentbased_traceidratio).",
  },
} as const satisfies Record<string, KeySpec>;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/**
 * Pure builders of AppService's Kubernetes specs: resolved args (plus the names of
 * sibling objects) in, @pulumi/kubernetes input types out. No resource is created here.
 */
import * as crypto from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DNS_EGRESS, type NetworkPeer, peerSelector, prometheusScrapeAnnotations, restrictedContainer, restrictedPod, selectorLabels, tcpPorts } from "../lib/k8s";
import type { AppServiceArgs, ResolvedAppServiceArgs } from "./args";

/** Non-root uid and gid of the app container (distroless "nonroot"). */
const APP_UID = 65532;

/** Labels selecting the service's pods. */
export function podSelector(r: ResolvedAppServiceArgs): Record<string, string> {
  return selectorLabels(r.appName, "api");
}

/** The ConfigMap's settings: platform defaults, then Redis and tracing wiring, then the caller's `config` over them. */
export function configMapData(
  r: ResolvedAppServiceArgs,
  args: Pick<AppServiceArgs, "redis" | "tracing" | "config">,
): Record<string, pulumi.Input<string>> {
  const config: Record<string, pulumi.Input<string>> = {
    PORT: String(r.port),
    METRICS_PORT: String(r.metricsPort),
    HOST: "0.0.0.0",
    LOG_LEVEL: "info",
    METRICS_ENABLED: "true",
    REQUEST_LOGGING: "true",
    // Callers in allowFrom are the edge proxies: trust their one X-Forwarded-For hop, and none without them.
    TRUST_PROXY: r.allowFrom.length > 0 ? "1" : "false",
    SHUTDOWN_DRAIN_DELAY_MS: String(r.shutdownDrainDelayMs),
    SHUTDOWN_GRACE_MS: String(r.shutdownGraceMs),
    OTEL_SERVICE_NAME: r.appName,
  };
  if (args.redis?.url !== undefined) config["REDIS_URL"] = args.redis.url;
  if (args.redis?.sentinels !== undefined) {
    config["REDIS_SENTINELS"] = args.redis.sentinels;
    config["REDIS_SENTINEL_MASTER"] = args.redis.sentinelMasterName ?? "main";
  }
  if (args.tracing) {
    config["OTEL_EXPORTER_OTLP_ENDPOINT"] = args.tracing.endpoint;
    config["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
    config["OTEL_TRACES_SAMPLER_ARG"] = String(args.tracing.sampleRatio ?? 1);
  }
  Object.assign(config, args.config ?? {});
  return config;
}

/** sha256 of the settings, independent of key order: a pod template annotation, so a settings change rolls the pods. */
export function configChecksum(data: Record<string, string>): string {
  return crypto
    .createHash("sha256")
    .update(JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]])))
    .digest("hex");
}

/** Env vars read from Secret keys: the Redis password(s) first, then `secretEnv` sorted by name so the order is stable. */
export function secretEnv(r: ResolvedAppServiceArgs, args: Pick<AppServiceArgs, "redis" | "secretEnv">): k8s.types.input.core.v1.EnvVar[] {
  const env: k8s.types.input.core.v1.EnvVar[] = [];
  if (args.redis) {
    const ref = { secretKeyRef: { name: args.redis.passwordSecretName, key: r.passwordSecretKey } };
    env.push({ name: "REDIS_PASSWORD", valueFrom: ref });
    if (args.redis.sentinels !== undefined) env.push({ name: "REDIS_SENTINEL_PASSWORD", valueFrom: ref });
  }
  for (const [envName, ref] of Object.entries(args.secretEnv ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    env.push({ name: envName, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
  }
  return env;
}

function httpProbe(path: string, periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe {
  return { httpGet: { path, port: "http" }, periodSeconds, timeoutSeconds: 2, failureThreshold };
}

/** What the Deployment takes from outside the resolved args: the image and its sibling objects. */
export interface DeploymentRefs {
  readonly image: pulumi.Input<string>;
  /** Pod template labels (the recommended labels, a superset of the selector). */
  readonly labels: Record<string, string>;
  readonly configMapName: pulumi.Input<string>;
  /** configChecksum of the ConfigMap data. */
  readonly checksum: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
  /** Usually secretEnv(r, args). */
  readonly env: k8s.types.input.core.v1.EnvVar[];
}

export function deploymentSpec(r: ResolvedAppServiceArgs, refs: DeploymentRefs): k8s.types.input.apps.v1.DeploymentSpec {
  const selector = podSelector(r);
  return {
    // Left out when the HPA owns the count, so an update never resets it.
    replicas: r.autoscale ? undefined : r.minReplicas,
    revisionHistoryLimit: 5,
    selector: { matchLabels: selector },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
    template: {
      metadata: {
        labels: refs.labels,
        annotations: { "checksum/config": refs.checksum, ...prometheusScrapeAnnotations(r.metricsPort) },
      },
      spec: {
        serviceAccountName: refs.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPod(APP_UID),
        terminationGracePeriodSeconds: r.terminationGracePeriodSeconds,
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
        ],
        containers: [
          {
            name: "app",
            image: refs.image,
            imagePullPolicy: "IfNotPresent",
            ports: [
              { name: "http", containerPort: r.port, protocol: "TCP" },
              { name: "metrics", containerPort: r.metricsPort, protocol: "TCP" },
            ],
            envFrom: [{ configMapRef: { name: refs.configMapName } }],
            env: refs.env,
            resources: {
              requests: { cpu: r.resources.cpuRequest, memory: r.resources.memoryRequest },
              limits: { cpu: r.resources.cpuLimit, memory: r.resources.memoryLimit },
            },
            startupProbe: httpProbe("/health/live", 2, 30),
            livenessProbe: httpProbe("/health/live", 10, 3),
            readinessProbe: httpProbe("/health/ready", 5, 2),
            securityContext: restrictedContainer(APP_UID),
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: r.tmpSizeLimit } }],
      },
    },
  };
}

export function serviceSpec(r: ResolvedAppServiceArgs): k8s.types.input.core.v1.ServiceSpec {
  return {
    type: "ClusterIP",
    selector: podSelector(r),
    ports: [
      { name: "http", port: r.port, targetPort: "http", protocol: "TCP" },
      // For ServiceMonitors; the NetworkPolicy admits only Prometheus to it.
      { name: "metrics", port: r.metricsPort, targetPort: "metrics", protocol: "TCP" },
    ],
  };
}

/** Scales on CPU and memory; down slowly (half the pods a minute at most), up fast. Only used when r.autoscale. */
export function hpaSpec(r: ResolvedAppServiceArgs, deploymentName: pulumi.Input<string>): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: r.minReplicas,
    maxReplicas: r.maxReplicas,
    metrics: [
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: r.cpuTargetPercent } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: r.memoryTargetPercent } } },
    ],
    behavior: {
      scaleDown: {
        stabilizationWindowSeconds: r.scaleDownStabilizationSeconds,
        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
        selectPolicy: "Min",
      },
      scaleUp: {
        stabilizationWindowSeconds: 0,
        policies: [
          { type: "Percent", value: 100, periodSeconds: 30 },
          { type: "Pods", value: 4, periodSeconds: 30 },
        ],
        selectPolicy: "Max",
      },
    },
  };
}

/** Port of a URL (explicit or the scheme's default). */
function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

/** DNS, then Redis (plus the Sentinel port in Sentinel mode), then the trace collector, then `allowTo`. */
export function egressRules(
  r: ResolvedAppServiceArgs,
  args: Pick<AppServiceArgs, "redis" | "tracing">,
): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
  const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [DNS_EGRESS];
  if (args.redis) {
    const redisPeer: NetworkPeer = { namespace: args.redis.namespace, podLabels: args.redis.podLabels };
    egress.push({ to: [peerSelector(redisPeer)], ports: tcpPorts(args.redis.sentinels !== undefined ? [6379, 26379] : [6379]) });
  }
  if (args.tracing) {
    egress.push({
      to: [peerSelector({ namespace: args.tracing.namespace, podLabels: args.tracing.podLabels })],
      ports: tcpPorts([args.tracing.port ?? urlPort(args.tracing.endpoint)]),
    });
  }
  for (const peer of r.allowTo) egress.push({ to: [peerSelector(peer)], ...(peer.ports ? { ports: tcpPorts(peer.ports) } : {}) });
  return egress;
}

/** Ingress from `allowFrom` to the API port and from Prometheus to the metrics port only; egress as egressRules. */
export function networkPolicySpec(
  r: ResolvedAppServiceArgs,
  args: Pick<AppServiceArgs, "redis" | "tracing">,
): k8s.types.input.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: podSelector(r) },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      ...r.allowFrom.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? [r.port]) })),
      { from: [peerSelector(r.prometheus)], ports: tcpPorts(r.prometheus.ports ?? [r.metricsPort]) },
    ],
    egress: egressRules(r, args),
  };
}

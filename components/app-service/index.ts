import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  DNS_EGRESS,
  type NetworkPeer,
  peerSelector,
  recommendedLabels,
  restrictedContainer,
  restrictedPod,
  selectorLabels,
  tcpPorts,
} from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkEnvName, checkInt, checkMemory, cpuMillis, memoryBytes } from "../lib/validate";

const COMPONENT = "AppService";

/** A secret environment variable: read from a key of a Kubernetes Secret. */
export interface SecretEnvRef {
  /** Name of the Secret. Required (no default). */
  readonly secretName: pulumi.Input<string>;
  /** Key inside the Secret. Required (no default). */
  readonly key: string;
}

/** How the service reaches Redis; the password always comes from a Secret. */
export interface AppServiceRedisArgs {
  /** `redis://host:port/db` without a password (standalone). @default unset: use `sentinels` */
  readonly url?: pulumi.Input<string>;
  /** Comma list of Sentinel `host:port` (Sentinel mode; REDIS_URL is then not set). @default unset */
  readonly sentinels?: pulumi.Input<string>;
  /** Sentinel master name. @default "main" when sentinels are set */
  readonly sentinelMasterName?: pulumi.Input<string>;
  /** Secret holding the Redis password (REDIS_PASSWORD, and REDIS_SENTINEL_PASSWORD in Sentinel mode). Required (no default). */
  readonly passwordSecretName: pulumi.Input<string>;
  /** Key of the password in that Secret. @default "redis-password" */
  readonly passwordSecretKey?: string;
  /** Labels of the Redis pods, for the egress rule. @default every pod of the namespace */
  readonly podLabels?: Record<string, string>;
  /** Namespace of the Redis pods, for the egress rule. @default the service's namespace */
  readonly namespace?: string;
}

/** OTLP trace export. */
export interface AppServiceTracingArgs {
  /** OTLP/HTTP endpoint, e.g. http://jaeger-collector.observability:4318. Required (no default). */
  readonly endpoint: string;
  /** Namespace of the collector, for the egress rule. @default the service's namespace */
  readonly namespace?: string;
  /** Collector port the egress rule opens. @default 4318 */
  readonly port?: number;
  /** Share of traces sampled (parentbased_traceidratio). @default 1 */
  readonly sampleRatio?: number;
}

export interface AppServiceArgs {
  /** Image to run, pinned by digest where the stack built it. Required (no default). */
  readonly image: pulumi.Input<string>;
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the service, also OTEL_SERVICE_NAME. @default the component name */
  readonly appName?: string;
  /** Version label. @default unset */
  readonly version?: string;
  /** Container and Service port (named `http`). @default 8080 */
  readonly port?: number;
  /** Replicas the service never goes below. @default 2 */
  readonly minReplicas?: number;
  /** HPA maximum; equal to minReplicas means no HPA and fixed replicas. @default 3 × minReplicas, at most 100 */
  readonly maxReplicas?: number;
  /** HPA target average CPU utilisation in % of the request. @default 70 */
  readonly cpuTargetPercent?: number;
  /** HPA target average memory utilisation in % of the request. @default 80 */
  readonly memoryTargetPercent?: number;
  /** HPA scale-down stabilisation window. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /** CPU request. @default "100m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "500m" */
  readonly cpuLimit?: string;
  /** Memory request. @default "128Mi" */
  readonly memoryRequest?: string;
  /** Memory limit. @default "256Mi" */
  readonly memoryLimit?: string;
  /** Non-secret settings (env var → value) put in the ConfigMap over the defaults (PORT, HOST, LOG_LEVEL, ...). Names that look secret are refused. @default {} */
  readonly config?: Record<string, pulumi.Input<string>>;
  /** Secret env vars, each from a Secret key. @default {} */
  readonly secretEnv?: Record<string, SecretEnvRef>;
  /** Redis wiring. @default unset: no Redis env and no Redis egress */
  readonly redis?: AppServiceRedisArgs;
  /** Trace export. @default unset: tracing off */
  readonly tracing?: AppServiceTracingArgs;
  /** Time readiness stays 503 before the server stops accepting (SHUTDOWN_DRAIN_DELAY_MS). @default 5000 */
  readonly shutdownDrainDelayMs?: number;
  /** Maximum time for in-flight requests at shutdown (SHUTDOWN_GRACE_MS). @default 20000 */
  readonly shutdownGraceMs?: number;
  /** Who may call the service port (the edge proxies). @default [] (nobody but Prometheus) */
  readonly allowFrom?: NetworkPeer[];
  /** Prometheus, admitted to the port for /metrics. @default { namespace: "monitoring" } */
  readonly prometheus?: NetworkPeer;
  /** Further egress destinations. @default [] */
  readonly allowTo?: NetworkPeer[];
  /** Size limit of the /tmp emptyDir. @default "64Mi" */
  readonly tmpSizeLimit?: string;
}

/** AppServiceArgs after validation, with every default applied. */
export interface ResolvedAppServiceArgs {
  readonly appName: string;
  readonly port: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly autoscale: boolean;
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent: number;
  readonly scaleDownStabilizationSeconds: number;
  readonly resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
  readonly shutdownDrainDelayMs: number;
  readonly shutdownGraceMs: number;
  readonly terminationGracePeriodSeconds: number;
  readonly allowFrom: NetworkPeer[];
  readonly prometheus: NetworkPeer;
  readonly allowTo: NetworkPeer[];
  readonly tmpSizeLimit: string;
  readonly passwordSecretKey: string;
}

const SECRET_LOOKING = /(PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL|API_?KEY)/;

/** Pure: validates the args and resolves every default. Throws ArgumentError naming the argument, value and fix. */
export function resolveAppServiceArgs(name: string, args: AppServiceArgs): ResolvedAppServiceArgs {
  const appName = checkDnsLabel(COMPONENT, "appName", args.appName ?? name);
  const port = checkInt(COMPONENT, "port", args.port ?? 8080, 1, 65535);
  const minReplicas = checkInt(COMPONENT, "minReplicas", args.minReplicas ?? 2, 1, 100);
  const maxReplicas = checkInt(COMPONENT, "maxReplicas", args.maxReplicas ?? Math.min(100, minReplicas * 3), 1, 100);
  if (maxReplicas < minReplicas) {
    throw new ArgumentError(COMPONENT, "maxReplicas", maxReplicas, `must be at least minReplicas (${minReplicas}).`);
  }
  const resources = {
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "100m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "500m"),
    memoryRequest: checkMemory(COMPONENT, "memoryRequest", args.memoryRequest ?? "128Mi"),
    memoryLimit: checkMemory(COMPONENT, "memoryLimit", args.memoryLimit ?? "256Mi"),
  };
  if (cpuMillis(resources.cpuLimit) < cpuMillis(resources.cpuRequest)) {
    throw new ArgumentError(COMPONENT, "cpuLimit", resources.cpuLimit, `must be at least cpuRequest (${resources.cpuRequest}).`);
  }
  if (memoryBytes(resources.memoryLimit) < memoryBytes(resources.memoryRequest)) {
    throw new ArgumentError(COMPONENT, "memoryLimit", resources.memoryLimit, `must be at least memoryRequest (${resources.memoryRequest}).`);
  }
  const shutdownDrainDelayMs = checkInt(COMPONENT, "shutdownDrainDelayMs", args.shutdownDrainDelayMs ?? 5000, 0, 60_000);
  const shutdownGraceMs = checkInt(COMPONENT, "shutdownGraceMs", args.shutdownGraceMs ?? 20_000, 1000, 300_000);
  for (const key of Object.keys(args.config ?? {})) {
    checkEnvName(COMPONENT, `config.${key}`, key);
    if (SECRET_LOOKING.test(key)) {
      throw new ArgumentError(COMPONENT, `config.${key}`, key, "looks like a secret: pass it in secretEnv (a Secret key reference), never in the ConfigMap.");
    }
  }
  for (const key of Object.keys(args.secretEnv ?? {})) checkEnvName(COMPONENT, `secretEnv.${key}`, key);
  if (args.redis && (args.redis.url === undefined) === (args.redis.sentinels === undefined)) {
    throw new ArgumentError(COMPONENT, "redis", { url: args.redis.url !== undefined, sentinels: args.redis.sentinels !== undefined }, "set exactly one of redis.url (standalone) and redis.sentinels (Sentinel).");
  }
  if (args.tracing) {
    if (!/^https?:\/\/[^/\s]+/.test(args.tracing.endpoint)) {
      throw new ArgumentError(COMPONENT, "tracing.endpoint", args.tracing.endpoint, "use an http(s) URL such as http://jaeger-collector.observability:4318.");
    }
    const ratio = args.tracing.sampleRatio ?? 1;
    if (!(ratio >= 0 && ratio <= 1)) throw new ArgumentError(COMPONENT, "tracing.sampleRatio", ratio, "use a number from 0 to 1.");
  }
  return {
    appName,
    port,
    minReplicas,
    maxReplicas,
    autoscale: maxReplicas > minReplicas,
    cpuTargetPercent: checkInt(COMPONENT, "cpuTargetPercent", args.cpuTargetPercent ?? 70, 10, 100),
    memoryTargetPercent: checkInt(COMPONENT, "memoryTargetPercent", args.memoryTargetPercent ?? 80, 10, 100),
    scaleDownStabilizationSeconds: checkInt(COMPONENT, "scaleDownStabilizationSeconds", args.scaleDownStabilizationSeconds ?? 300, 0, 3600),
    resources,
    shutdownDrainDelayMs,
    shutdownGraceMs,
    // The kubelet's SIGKILL must come after the drain delay and the grace period, plus slack for the preStop-free exit.
    terminationGracePeriodSeconds: Math.ceil((shutdownDrainDelayMs + shutdownGraceMs) / 1000) + 5,
    allowFrom: args.allowFrom ?? [],
    prometheus: args.prometheus ?? { namespace: "monitoring" },
    allowTo: args.allowTo ?? [],
    tmpSizeLimit: checkMemory(COMPONENT, "tmpSizeLimit", args.tmpSizeLimit ?? "64Mi"),
    passwordSecretKey: args.redis?.passwordSecretKey ?? "redis-password",
  };
}

/** Port of a URL (explicit or the scheme's default). */
function urlPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

/**
 * The Node service on Kubernetes: Deployment, Service, HPA, PDB, ServiceAccount,
 * NetworkPolicy and the ConfigMap of its non-secret settings.
 */
export class AppService extends pulumi.ComponentResource {
  /** Name of the Deployment. */
  readonly deploymentName: pulumi.Output<string>;
  /** Name of the Service (port `http`). */
  readonly serviceName: pulumi.Output<string>;
  /** Service port. */
  readonly port: pulumi.Output<number>;
  /** Name of the ConfigMap holding the non-secret settings. */
  readonly configMapName: pulumi.Output<string>;
  /** Name of the ServiceAccount. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** Labels selecting the service's pods. */
  readonly podLabels: pulumi.Output<Record<string, string>>;
  /** Whether an HPA owns the replica count. */
  readonly autoscaled: pulumi.Output<boolean>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:AppService", name, {}, opts);
    const r = resolveAppServiceArgs(name, args);
    const selector = selectorLabels(r.appName, "api");
    const labels = recommendedLabels(r.appName, "api", name, args.version);
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const config: Record<string, pulumi.Input<string>> = {
      PORT: String(r.port),
      HOST: "0.0.0.0",
      LOG_LEVEL: "info",
      METRICS_ENABLED: "true",
      REQUEST_LOGGING: "true",
      TRUST_PROXY: args.allowFrom && args.allowFrom.length > 0 ? "1" : "false",
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

    const secretEnv: k8s.types.input.core.v1.EnvVar[] = [];
    if (args.redis) {
      const ref = { secretKeyRef: { name: args.redis.passwordSecretName, key: r.passwordSecretKey } };
      secretEnv.push({ name: "REDIS_PASSWORD", valueFrom: ref });
      if (args.redis.sentinels !== undefined) secretEnv.push({ name: "REDIS_SENTINEL_PASSWORD", valueFrom: ref });
    }
    for (const [envName, ref] of Object.entries(args.secretEnv ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      secretEnv.push({ name: envName, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
    }

    const configData = pulumi.output(config);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: configData }, child);
    const checksum = configData.apply((d) =>
      crypto
        .createHash("sha256")
        .update(JSON.stringify(Object.keys(d).sort().map((k) => [k, d[k]])))
        .digest("hex"),
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta, automountServiceAccountToken: false }, child);

    const probe = (path: string, periodSeconds: number, failureThreshold: number): k8s.types.input.core.v1.Probe => ({
      httpGet: { path, port: "http" },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: {
          // Left out when the HPA owns the count, so an update never resets it.
          replicas: r.autoscale ? undefined : r.minReplicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template: {
            metadata: {
              labels,
              annotations: {
                "checksum/config": checksum,
                "prometheus.io/scrape": "true",
                "prometheus.io/port": String(r.port),
                "prometheus.io/path": "/metrics",
              },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPod(65532),
              terminationGracePeriodSeconds: r.terminationGracePeriodSeconds,
              topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
              ],
              containers: [
                {
                  name: "app",
                  image: args.image,
                  imagePullPolicy: "IfNotPresent",
                  ports: [{ name: "http", containerPort: r.port, protocol: "TCP" }],
                  envFrom: [{ configMapRef: { name: configMap.metadata.name } }],
                  env: secretEnv,
                  resources: {
                    requests: { cpu: r.resources.cpuRequest, memory: r.resources.memoryRequest },
                    limits: { cpu: r.resources.cpuLimit, memory: r.resources.memoryLimit },
                  },
                  startupProbe: probe("/health/live", 2, 30),
                  livenessProbe: probe("/health/live", 10, 3),
                  readinessProbe: probe("/health/ready", 5, 2),
                  securityContext: restrictedContainer(65532),
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: r.tmpSizeLimit } }],
            },
          },
        },
      },
      child,
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta,
        spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: r.port, targetPort: "http", protocol: "TCP" }] },
      },
      child,
    );

    if (r.autoscale) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: meta,
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
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
          },
        },
        child,
      );
    }

    // maxUnavailable 1 never blocks a node drain, even with a single replica.
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, child);

    const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = [DNS_EGRESS];
    if (args.redis) {
      const redisPeer: NetworkPeer = { namespace: args.redis.namespace, podLabels: args.redis.podLabels };
      egress.push({ to: [peerSelector(redisPeer)], ports: tcpPorts(args.redis.sentinels !== undefined ? [6379, 26379] : [6379]) });
    }
    if (args.tracing) {
      egress.push({
        to: [peerSelector({ namespace: args.tracing.namespace })],
        ports: tcpPorts([args.tracing.port ?? urlPort(args.tracing.endpoint)]),
      });
    }
    for (const peer of r.allowTo) egress.push({ to: [peerSelector(peer)], ...(peer.ports ? { ports: tcpPorts(peer.ports) } : {}) });

    new k8s.networking.v1.NetworkPolicy(
      `${name}-netpol`,
      {
        metadata: meta,
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            ...r.allowFrom.map((peer) => ({ from: [peerSelector(peer)], ports: tcpPorts(peer.ports ?? [r.port]) })),
            { from: [peerSelector(r.prometheus)], ports: tcpPorts(r.prometheus.ports ?? [r.port]) },
          ],
          egress,
        },
      },
      child,
    );

    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.port = pulumi.output(r.port);
    this.configMapName = configMap.metadata.name;
    this.serviceAccountName = serviceAccount.metadata.name;
    this.podLabels = pulumi.output(selector);
    this.autoscaled = pulumi.output(r.autoscale);
    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      port: this.port,
      configMapName: this.configMapName,
      serviceAccountName: this.serviceAccountName,
      podLabels: this.podLabels,
      autoscaled: this.autoscaled,
    });
  }
}

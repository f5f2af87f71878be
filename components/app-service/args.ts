/** AppService's public arguments and their pure validation. */
import type * as pulumi from "@pulumi/pulumi";
import type { NetworkPeer } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkEnvName, checkInt, checkLabels, checkMemory, cpuMillis, memoryBytes } from "../lib/validate";

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
  /** Labels of the collector's pods, for the egress rule. @default unset: every pod of that namespace */
  readonly podLabels?: Record<string, string>;
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
  /** Container and Service port (named `http`): the API and the probes. @default 8080 */
  readonly port?: number;
  /** Port of /metrics (named `metrics`, METRICS_PORT), admitted to Prometheus only and never routed by the edge. @default 9464 */
  readonly metricsPort?: number;
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
  /** Further labels of the pods (never part of the selector), e.g. the client labels of the servers it calls (Redis.clientLabels). @default {} */
  readonly podLabels?: Record<string, string>;
  /** Trace export. @default unset: tracing off */
  readonly tracing?: AppServiceTracingArgs;
  /** Time readiness stays 503 before the server stops accepting (SHUTDOWN_DRAIN_DELAY_MS). @default 5000 */
  readonly shutdownDrainDelayMs?: number;
  /** Maximum time for in-flight requests at shutdown (SHUTDOWN_GRACE_MS). @default 20000 */
  readonly shutdownGraceMs?: number;
  /** Who may call the service port (the edge proxies). @default [] (nobody but Prometheus) */
  readonly allowFrom?: NetworkPeer[];
  /** Prometheus, admitted to the metrics port. @default { namespace: "monitoring" } */
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
  readonly metricsPort: number;
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
  const metricsPort = checkInt(COMPONENT, "metricsPort", args.metricsPort ?? 9464, 1, 65535);
  if (metricsPort === port) throw new ArgumentError(COMPONENT, "metricsPort", metricsPort, `must differ from port (${port}): metrics stay off the port the edge routes to.`);
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
  checkLabels(COMPONENT, "podLabels", args.podLabels ?? {});
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
    metricsPort,
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


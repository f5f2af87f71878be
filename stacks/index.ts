/**
 * Typed, validated stack settings. The only place in the project that reads
 * `pulumi.Config`: `loadSettings()` turns the stack's config into one
 * `Settings` object, or throws a `SettingsError` listing every bad key before
 * the program registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { cpuMillis, memoryBytes, minimumMemoryLimitMb } from "@platform/components";
import { z } from "zod";
import { ENVIRONMENTS, SETTINGS, SETTING_KEYS, type Environment, type KeySpec, type SettingKey } from "./settings";

export { SETTINGS, SETTING_KEYS, ENVIRONMENTS, type Environment, type KeySpec, type SettingKey } from "./settings";

type Values = { -readonly [K in SettingKey]: z.infer<(typeof SETTINGS)[K]["schema"]> | undefined };

export interface ImageSettings {
  /** Prebuilt reference to deploy; when set nothing is built. */
  readonly prebuilt?: string;
  /** Repository to build into and push to (when not prebuilt). */
  readonly repository?: string;
  readonly platform: string;
  readonly buildOnPreview: boolean;
  readonly registryServer?: string;
  readonly registryUsername?: string;
  /** Whether `registryPassword` is set (its value comes from loadSecrets()). */
  readonly hasRegistryPassword: boolean;
}

export interface Settings {
  readonly environment: Environment;
  readonly namespace: string;
  readonly appName: string;
  readonly image: ImageSettings;
  readonly workload: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuTargetPercent: number;
    readonly memoryTargetPercent: number;
    readonly scaleDownStabilizationSeconds: number;
    readonly resources: {
      readonly cpuRequest: string;
      readonly cpuLimit: string;
      readonly memoryRequest: string;
      readonly memoryLimit: string;
    };
    readonly logLevel: string;
    readonly rateLimitMax: number;
    readonly rateLimitWindowMs: number;
    readonly corsOrigins: string;
    readonly readinessRequiresRedis: boolean;
    readonly shutdownDrainDelayMs: number;
    readonly shutdownGraceMs: number;
  };
  readonly redis: {
    readonly mode: "standalone" | "sentinel";
    readonly replicas: number;
    readonly storageSize: string;
    readonly storageClass?: string;
    readonly appendFsync: "always" | "everysec" | "no";
    readonly maxMemoryMb: number;
    readonly memoryLimit: string;
    readonly evictionPolicy: string;
    readonly requireAntiAffinity: boolean;
  };
  readonly edge: {
    readonly mode: "gateway" | "ingress";
    readonly hostname: string;
    readonly gatewayClassName: string;
    readonly gatewayName?: string;
    readonly gatewayNamespace?: string;
    readonly gatewayListener?: string;
    readonly edgeProxyNamespace?: string;
    readonly ingressClassName?: string;
    readonly exposeDocs: boolean;
  };
  readonly tls: {
    readonly issuer: "selfSigned" | "acme" | "existing";
    readonly acmeEmail?: string;
    readonly acmeServer: string;
    readonly clusterIssuerName?: string;
  };
  readonly addons: {
    readonly certManager: boolean;
    readonly gatewayApi: boolean;
  };
  /** When set, Kubernetes objects are rendered to this directory by the provider instead of deployed. */
  readonly renderYamlToDirectory?: string;
  readonly observability: {
    readonly prometheusNamespace: string;
    readonly otlpEndpoint?: string;
    readonly tracingNamespace: string;
    readonly tracesSampleRatio: number;
  };
}

/** One bad key: its name, the value it had (or undefined) and what is allowed. */
export interface SettingIssue {
  readonly key: string;
  readonly value: unknown;
  readonly problem: string;
}

export class SettingsError extends Error {
  constructor(
    readonly stackName: string,
    readonly issues: readonly SettingIssue[],
  ) {
    super(
      `invalid configuration for stack "${stackName}" (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((i) => `  - ${i.key} = ${showValue(i.value)}: ${i.problem}`).join("\n"),
    );
    this.name = "SettingsError";
  }
}

function showValue(v: unknown): string {
  return v === undefined ? "(unset)" : JSON.stringify(v);
}

/** Defaults of one environment, as a plain key → value map. */
export function defaultsFor(env: Environment): Partial<Record<SettingKey, string | number | boolean>> {
  const out: Partial<Record<SettingKey, string | number | boolean>> = {};
  for (const key of SETTING_KEYS) {
    const spec: KeySpec = SETTINGS[key];
    const v = spec[env];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Turns a raw config string into the kind the key expects; leaves it as is when it does not parse. */
export function coerce(spec: KeySpec, raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  switch (spec.kind) {
    case "string":
      return raw;
    case "integer":
    case "number":
      return /^-?[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
  }
}

function suggest(key: string): string {
  const lower = key.toLowerCase();
  const hit = SETTING_KEYS.find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower.slice(0, 5)));
  return hit ? ` Did you mean "${hit}"?` : "";
}

const MIB = 1024 * 1024;

/** Keys the schema does not know, each with a guess at the one that was meant. */
function unknownKeyIssues(raw: Readonly<Record<string, unknown>>): SettingIssue[] {
  const known = new Set<string>(SETTING_KEYS);
  return Object.keys(raw)
    .sort()
    .filter((key) => !known.has(key))
    .map((key) => ({ key, value: raw[key], problem: `unknown setting.${suggest(key)} Allowed keys: ${SETTING_KEYS.join(", ")}.` }));
}

/** The environment whose defaults apply: the `environment` key, else the stack name when it is dev or prod. */
function resolveEnvironment(stack: string, raw: Readonly<Record<string, unknown>>): Environment | SettingIssue {
  const envRaw = raw["environment"];
  if (envRaw === "dev" || envRaw === "prod") return envRaw;
  if (envRaw !== undefined) return { key: "environment", value: envRaw, problem: `must be ${SETTINGS.environment.allowed}.` };
  if ((ENVIRONMENTS as readonly string[]).includes(stack)) return stack as Environment;
  return {
    key: "environment",
    value: undefined,
    problem: `required because the stack name "${stack}" is neither dev nor prod; set it to ${SETTINGS.environment.allowed}.`,
  };
}

/** Every key's value over the environment's defaults, checked against its schema; bad values become issues. */
function parseValues(env: Environment, raw: Readonly<Record<string, unknown>>, secretKeys: readonly string[], issues: SettingIssue[]): Values {
  const merged: Record<string, unknown> = { ...defaultsFor(env), ...raw, environment: env };
  const v = {} as Record<SettingKey, unknown>;
  for (const key of SETTING_KEYS) {
    const spec: KeySpec = SETTINGS[key];
    const value = coerce(spec, merged[key]);
    if (value === undefined || (value === "" && spec.kind !== "string")) {
      v[key] = undefined;
      continue;
    }
    const r = spec.schema.safeParse(value);
    if (!r.success) {
      issues.push({ key, value: spec.secret ? "<hidden>" : merged[key], problem: `must be ${spec.allowed}.` });
      v[key] = undefined;
    } else {
      v[key] = r.data;
    }
    if (spec.secret && raw[key] !== undefined && !secretKeys.includes(key)) {
      issues.push({ key, value: "<hidden>", problem: `is a secret: set it with \`pulumi config set --secret ${key} ...\`, not as plain text.` });
    }
  }
  return v as Values;
}

/** Values required by others, and combinations that contradict each other. Keys already reported are not reported again. */
function crossFieldIssues(s: Values, raw: Readonly<Record<string, unknown>>, reported: readonly SettingIssue[]): SettingIssue[] {
  const found: SettingIssue[] = [];
  const need = (key: SettingKey, why: string) => {
    if (s[key] === undefined && ![...reported, ...found].some((i) => i.key === key)) found.push({ key, value: undefined, problem: `required ${why}.` });
  };
  if (s.image !== undefined && raw["imageRepository"] !== undefined) {
    found.push({ key: "image", value: s.image, problem: "contradicts imageRepository: set either image (prebuilt) or imageRepository (build and push), not both." });
  }
  if (s.image === undefined) need("imageRepository", "unless image is set: the repository to build into, such as ghcr.io/acme/notes");
  if (s.registryUsername !== undefined && raw["registryPassword"] === undefined) {
    found.push({ key: "registryPassword", value: undefined, problem: "required when registryUsername is set: `pulumi config set --secret registryPassword <token>`." });
  }
  if (raw["registryPassword"] !== undefined && s.registryUsername === undefined) {
    need("registryUsername", "when registryPassword is set");
  }
  if (s.minReplicas !== undefined && s.maxReplicas !== undefined && s.maxReplicas < s.minReplicas) {
    found.push({ key: "maxReplicas", value: s.maxReplicas, problem: `must be at least minReplicas (${s.minReplicas}).` });
  }
  if (s.cpuRequest !== undefined && s.cpuLimit !== undefined && cpuMillis(s.cpuLimit) < cpuMillis(s.cpuRequest)) {
    found.push({ key: "cpuLimit", value: s.cpuLimit, problem: `must be at least cpuRequest (${s.cpuRequest}).` });
  }
  if (s.memoryRequest !== undefined && s.memoryLimit !== undefined && memoryBytes(s.memoryLimit) < memoryBytes(s.memoryRequest)) {
    found.push({ key: "memoryLimit", value: s.memoryLimit, problem: `must be at least memoryRequest (${s.memoryRequest}).` });
  }
  if (s.redisMode === "standalone" && s.redisReplicas !== undefined && s.redisReplicas !== 1) {
    found.push({ key: "redisReplicas", value: s.redisReplicas, problem: `must be 1 when redisMode is "standalone"; use redisMode "sentinel" for replicas.` });
  }
  if (s.redisMode === "sentinel" && s.redisReplicas !== undefined && s.redisReplicas < 3) {
    found.push({ key: "redisReplicas", value: s.redisReplicas, problem: `must be 3 to 9 when redisMode is "sentinel" (a Sentinel quorum needs 3).` });
  }
  if (s.redisMaxMemoryMb !== undefined && s.redisMemoryLimit !== undefined && memoryBytes(s.redisMemoryLimit) < minimumMemoryLimitMb(s.redisMaxMemoryMb) * MIB) {
    found.push({
      key: "redisMaxMemoryMb",
      value: s.redisMaxMemoryMb,
      problem: `must be at most 60% of redisMemoryLimit (${s.redisMemoryLimit}): replica buffers and fork copy-on-write count against the limit; lower it or raise redisMemoryLimit to at least ${minimumMemoryLimitMb(s.redisMaxMemoryMb)}Mi.`,
    });
  }
  need("hostname", "in this environment: the public host name, such as notes.example.com");
  if (s.tlsIssuer === "acme") need("acmeEmail", `when tlsIssuer is "acme": the ACME account e-mail`);
  if (s.tlsIssuer === "existing") need("clusterIssuerName", `when tlsIssuer is "existing": the ClusterIssuer to use`);
  if (s.edgeMode === "ingress" && (s.gatewayName !== undefined || s.gatewayNamespace !== undefined || s.gatewayListener !== undefined)) {
    found.push({ key: "edgeMode", value: s.edgeMode, problem: `is "ingress" but gatewayName/gatewayNamespace/gatewayListener are set; remove them or use edgeMode "gateway".` });
  }
  if (s.edgeMode === "ingress") need("edgeProxyNamespace", `when edgeMode is "ingress": the namespace of the Ingress controller pods`);
  if (s.edgeMode === "ingress") need("ingressClassName", `when edgeMode is "ingress": the IngressClass of your controller, such as "traefik" or "haproxy" (ingress-nginx was retired in March 2026)`);
  if (s.gatewayName === undefined && (s.gatewayNamespace !== undefined || s.gatewayListener !== undefined)) {
    need("gatewayName", "when gatewayNamespace or gatewayListener is set");
  }
  if (s.shutdownDrainDelayMs !== undefined && s.shutdownGraceMs !== undefined && s.shutdownDrainDelayMs >= s.shutdownGraceMs) {
    found.push({ key: "shutdownDrainDelayMs", value: s.shutdownDrainDelayMs, problem: `must be below shutdownGraceMs (${s.shutdownGraceMs}).` });
  }

  if (s.renderYamlToDirectory !== undefined && (s.installCertManager || s.installGatewayApi)) {
    found.push({
      key: "renderYamlToDirectory",
      value: s.renderYamlToDirectory,
      problem: "needs installCertManager and installGatewayApi set to false: the add-ons are Helm releases, which the provider's render mode does not write out.",
    });
  }
  return found;
}

/**
 * Pure: validates a stack's config (project-local keys, raw strings or typed values)
 * against the schema and the environment's defaults. Throws SettingsError listing
 * every problem; returns the typed settings otherwise.
 *
 * @param stack the stack name (dev and prod select their defaults unless `environment` is set)
 * @param raw the stack's config without the project prefix: `{ minReplicas: "2" }`
 * @param secretKeys keys whose values were set with --secret
 */
export function resolveSettings(stack: string, raw: Readonly<Record<string, unknown>>, secretKeys: readonly string[] = []): Settings {
  const issues = unknownKeyIssues(raw);
  const env = resolveEnvironment(stack, raw);
  if (typeof env !== "string") throw new SettingsError(stack, [...issues, env]);
  const s = parseValues(env, raw, secretKeys, issues);
  issues.push(...crossFieldIssues(s, raw, issues));
  if (issues.length > 0) throw new SettingsError(stack, issues);
  return toSettings(env, s, raw);
}

/** The typed settings object, once every required key has been checked. */
function toSettings(env: Environment, s: Values, raw: Readonly<Record<string, unknown>>): Settings {
  const req = <T>(x: T | undefined): T => x as T; // every required key was checked above
  return {
    environment: env,
    namespace: req(s.namespace),
    appName: req(s.appName),
    image: {
      prebuilt: s.image,
      repository: s.image === undefined ? s.imageRepository : undefined,
      platform: req(s.imagePlatform),
      buildOnPreview: req(s.imageBuildOnPreview),
      registryServer: s.registryServer ?? (s.imageRepository?.includes("/") ? s.imageRepository.split("/")[0] : undefined),
      registryUsername: s.registryUsername,
      hasRegistryPassword: raw["registryPassword"] !== undefined,
    },
    workload: {
      minReplicas: req(s.minReplicas),
      maxReplicas: req(s.maxReplicas),
      cpuTargetPercent: req(s.cpuTargetPercent),
      memoryTargetPercent: req(s.memoryTargetPercent),
      scaleDownStabilizationSeconds: req(s.scaleDownStabilizationSeconds),
      resources: {
        cpuRequest: req(s.cpuRequest),
        cpuLimit: req(s.cpuLimit),
        memoryRequest: req(s.memoryRequest),
        memoryLimit: req(s.memoryLimit),
      },
      logLevel: req(s.logLevel),
      rateLimitMax: req(s.rateLimitMax),
      rateLimitWindowMs: req(s.rateLimitWindowMs),
      corsOrigins: req(s.corsOrigins),
      readinessRequiresRedis: req(s.readinessRequiresRedis),
      shutdownDrainDelayMs: req(s.shutdownDrainDelayMs),
      shutdownGraceMs: req(s.shutdownGraceMs),
    },
    redis: {
      mode: req(s.redisMode),
      replicas: req(s.redisReplicas),
      storageSize: req(s.redisStorageSize),
      storageClass: s.redisStorageClass,
      appendFsync: req(s.redisAppendFsync),
      maxMemoryMb: req(s.redisMaxMemoryMb),
      memoryLimit: req(s.redisMemoryLimit),
      evictionPolicy: req(s.redisEvictionPolicy),
      requireAntiAffinity: req(s.redisRequireAntiAffinity),
    },
    edge: {
      mode: req(s.edgeMode),
      hostname: req(s.hostname),
      gatewayClassName: req(s.gatewayClassName),
      gatewayName: s.gatewayName,
      gatewayNamespace: s.gatewayNamespace,
      gatewayListener: s.gatewayListener,
      edgeProxyNamespace: s.edgeProxyNamespace,
      ingressClassName: s.ingressClassName,
      exposeDocs: req(s.edgeExposeDocs),
    },
    tls: {
      issuer: req(s.tlsIssuer),
      acmeEmail: s.acmeEmail,
      acmeServer: req(s.acmeServer),
      clusterIssuerName: s.clusterIssuerName,
    },
    addons: { certManager: req(s.installCertManager), gatewayApi: req(s.installGatewayApi) },
    renderYamlToDirectory: s.renderYamlToDirectory,
    observability: {
      prometheusNamespace: req(s.prometheusNamespace),
      otlpEndpoint: s.otlpEndpoint,
      tracingNamespace: req(s.tracingNamespace),
      tracesSampleRatio: req(s.tracesSampleRatio),
    },
  };
}

/** The project's config keys (prefix stripped) from the running Pulumi program. */
export function projectConfig(project = pulumi.getProject()): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  const prefix = `${project}:`;
  for (const [k, val] of Object.entries(pulumi.runtime.allConfig())) {
    if (k.startsWith(prefix)) values[k.slice(prefix.length)] = val;
  }
  // Which keys hold secrets is only exposed through the SDK's (untyped) runtime config module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
  // Without it (another SDK version) every key counts as secret, which only disables the plain-text check.
  const isSecret = runtimeConfig.isConfigSecret ?? (() => true);
  const secretKeys = Object.keys(values).filter((k) => isSecret(`${prefix}${k}`));
  return { values, secretKeys };
}

/** Reads and validates the current stack's config. Throws SettingsError before anything is registered. */
export function loadSettings(): Settings {
  const { values, secretKeys } = projectConfig();
  return resolveSettings(pulumi.getStack(), values, secretKeys);
}

/** The secret settings, as Pulumi secrets (never plain values). */
export interface Secrets {
  readonly registryPassword?: pulumi.Output<string>;
}

export function loadSecrets(settings: Settings): Secrets {
  const config = new pulumi.Config();
  return {
    registryPassword: settings.image.hasRegistryPassword ? config.requireSecret("registryPassword") : undefined,
  };
}

/**
 * Typed, validated stack settings. The only place in the project that reads
 * `pulumi.Config`: `loadSettings()` turns the stack's config into one
 * `Settings` object, or throws a `SettingsError` listing every bad key before
 * the program registers any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { cpuMillis, cronIntervalSeconds, memoryBytes, minimumMemoryLimitMb } from "@platform/components";
import { z } from "zod";
import { ENVIRONMENTS, SETTINGS, SETTING_KEYS, type Environment, type KeySpec, type SettingKey } from "./settings";

export { SETTINGS, SETTING_KEYS, ENVIRONMENTS, type Environment, type KeySpec, type SettingKey } from "./settings";

type Spec<K extends SettingKey> = (typeof SETTINGS)[K];
type Value<K extends SettingKey> = z.infer<Spec<K>["schema"]>;
type Values = { -readonly [K in SettingKey]: Value<K> | undefined };
/** Keys set with --secret: read through loadSecrets(), never part of Settings. */
type SecretKey = { [K in SettingKey]: Spec<K> extends { secret: true } ? K : never }[SettingKey];
/** Keys that always have a value once validated: a default in every environment, or required. */
type AlwaysSetKey = { [K in SettingKey]: Spec<K> extends { dev: unknown; prod: unknown } | { requiredWhy: string } ? K : never }[SettingKey];

/**
 * The validated settings: one field per key of the settings table (stacks/settings.ts), typed by its
 * schema; keys without a value in some environment are optional. Nothing here restates the table.
 */
export type Settings = { readonly [K in Exclude<AlwaysSetKey, SecretKey>]: Value<K> } & {
  readonly [K in Exclude<SettingKey, AlwaysSetKey | SecretKey>]?: Value<K>;
};

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
  for (const key of SETTING_KEYS) {
    const spec: KeySpec = SETTINGS[key];
    if (spec.requiredWhy !== undefined && key !== "environment") need(key, spec.requiredWhy);
  }
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
  if (s.alertReceiver !== undefined && s.alertReceiver !== "none" && raw["alertReceiverUrl"] === undefined) {
    found.push({ key: "alertReceiverUrl", value: undefined, problem: `required when alertReceiver is "${s.alertReceiver}": \`pulumi config set --secret alertReceiverUrl <url>\`.` });
  }
  if (s.redisBackupMemory !== undefined && s.redisMaxMemoryMb !== undefined && memoryBytes(s.redisBackupMemory) < (s.redisMaxMemoryMb + 100) * MIB) {
    found.push({ key: "redisBackupMemory", value: s.redisBackupMemory, problem: `must be at least redisMaxMemoryMb + 100Mi (${s.redisMaxMemoryMb + 100}Mi): a backup run loads the whole dataset to verify it.` });
  }
  if (s.redisBackupSchedule !== undefined && s.redisBackupDeadlineSeconds !== undefined && s.redisBackupDeadlineSeconds > cronIntervalSeconds(s.redisBackupSchedule)) {
    found.push({ key: "redisBackupDeadlineSeconds", value: s.redisBackupDeadlineSeconds, problem: `must be at most the period of redisBackupSchedule (${cronIntervalSeconds(s.redisBackupSchedule)} s), so runs never pile up.` });
  }
  if (s.redisBackups && s.redisBackupTarget === "s3") {
    need("redisBackupS3Endpoint", `when redisBackupTarget is "s3": the S3 endpoint URL`);
    need("redisBackupS3Bucket", `when redisBackupTarget is "s3": the bucket`);
    for (const key of ["redisBackupS3AccessKeyId", "redisBackupS3SecretAccessKey"] as const) {
      if (raw[key] === undefined) found.push({ key, value: undefined, problem: `required when redisBackupTarget is "s3": \`pulumi config set --secret ${key} ...\`.` });
    }
  }
  if (s.grafanaPath !== undefined && s.prometheus !== undefined && s.prometheus !== "deploy") {
    found.push({ key: "grafanaPath", value: s.grafanaPath, problem: `needs prometheus "deploy": only the stack's own Grafana can be published (prometheus is "${s.prometheus}").` });
  }
  if (s.grafanaPath === "/v1" || s.grafanaPath === "/docs") {
    found.push({ key: "grafanaPath", value: s.grafanaPath, problem: "is a path of the service's API: choose another, such as \"/grafana\"." });
  }
  if (s.logShipperNamespace !== undefined && s.logShipperNamespace === s.namespace) {
    found.push({ key: "logShipperNamespace", value: s.logShipperNamespace, problem: "must differ from namespace: the shipper needs the privileged Pod Security level, the service's namespace keeps baseline." });
  }
  if (s.logShipperNamespace === undefined && s.namespace !== undefined && s.namespace.length > 58) {
    found.push({ key: "logShipperNamespace", value: undefined, problem: `required when namespace is longer than 58 characters: the default, ${s.namespace}-logs, would not be a valid namespace name.` });
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
  return withDerivedDefaults(s);
}

/** Defaults that follow from other keys; every required key has been checked before. */
function withDerivedDefaults(values: Values): Settings {
  const v = { ...values };
  // A prebuilt image wins over the environment's default repository: nothing is built.
  if (v.image !== undefined) v.imageRepository = undefined;
  if (v.registryServer === undefined && v.imageRepository?.includes("/")) v.registryServer = v.imageRepository.split("/")[0];
  if (v.loki && v.logShipperNamespace === undefined) v.logShipperNamespace = `${v.namespace}-logs`;
  for (const key of SETTING_KEYS) {
    if ((SETTINGS[key] as KeySpec).secret) delete v[key];
  }
  return v as Settings;
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

/** The secret settings, as Pulumi secrets (never plain values); validated with the others by loadSettings(). */
export type Secrets = { readonly [K in SecretKey]?: pulumi.Output<Value<K>> };

export function loadSecrets(): Secrets {
  const config = new pulumi.Config();
  const secrets: Record<string, pulumi.Output<string> | undefined> = {};
  for (const key of SETTING_KEYS) {
    if ((SETTINGS[key] as KeySpec).secret) secrets[key] = config.getSecret(key);
  }
  return secrets as Secrets;
}

import { readFileSync } from "node:fs";
import { README, readmeTable, settingsTable } from "../settings-table";
import { describe, expect, it } from "vitest";
import { type KeySpec, SETTINGS, SETTING_KEYS, SettingsError, coerce, defaultsFor, resolveSettings } from "../index";

const prodMinimum = { imageRepository: "ghcr.io/acme/notes", hostname: "notes.example.com", acmeEmail: "ops@example.com" };

function issuesOf(stack: string, raw: Record<string, unknown>, secretKeys: string[] = []): string[] {
  try {
    resolveSettings(stack, raw, secretKeys);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as SettingsError).issues.map((i) => `${i.key}: ${i.problem}`);
  }
  throw new Error("expected a SettingsError");
}

describe("defaults", () => {
  it("dev needs no config at all", () => {
    const s = resolveSettings("dev", {});
    expect(s.environment).toBe("dev");
    expect(s.namespace).toBe("notes-dev");
    expect(s.imageRepository).toBe("localhost:5001/notes");
    expect(s.registryServer).toBe("localhost:5001");
    expect(s.minReplicas).toBe(1);
    expect(s).toMatchObject({ redisMode: "standalone", redisReplicas: 1, redisAppendFsync: "everysec" });
    expect(s.tlsIssuer).toBe("selfSigned");
    expect(s).toMatchObject({ installCertManager: true, installGatewayApi: true });
  });

  it("prod is HA with ACME and uses the cluster's add-ons", () => {
    const s = resolveSettings("prod", prodMinimum);
    expect(s.minReplicas).toBe(3);
    expect(s).toMatchObject({ redisMode: "sentinel", redisReplicas: 3 });
    expect(s).toMatchObject({ tlsIssuer: "acme", acmeEmail: "ops@example.com", acmeServer: "https://acme-v02.api.letsencrypt.org/directory" });
    expect(s).toMatchObject({ installCertManager: false, installGatewayApi: false });
  });

  it("every key documents what is allowed, and every default passes its own schema", () => {
    for (const key of SETTING_KEYS) {
      const spec = SETTINGS[key];
      expect(spec.doc.length, key).toBeGreaterThan(10);
      for (const env of ["dev", "prod"] as const) {
        const v = defaultsFor(env)[key];
        if (v !== undefined) expect(spec.schema.safeParse(v).success, `${key} ${env}`).toBe(true);
      }
    }
  });

  it("coerces config strings by the key's kind", () => {
    expect(coerce(SETTINGS.minReplicas, "4")).toBe(4);
    expect(coerce(SETTINGS.installCertManager, "false")).toBe(false);
    expect(coerce(SETTINGS.tracesSampleRatio, "0.25")).toBe(0.25);
    expect(coerce(SETTINGS.minReplicas, "four")).toBe("four");
    expect(resolveSettings("dev", { minReplicas: "2", maxReplicas: "5" })).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
  });

  it("takes the environment from config for other stack names", () => {
    const s = resolveSettings("pr-123", { environment: "dev", namespace: "notes-pr-123" });
    expect(s.environment).toBe("dev");
    expect(s.namespace).toBe("notes-pr-123");
  });

  it("a prebuilt image replaces the build", () => {
    const s = resolveSettings("prod", { hostname: "notes.example.com", acmeEmail: "ops@example.com", image: "ghcr.io/acme/notes:1.2.3" });
    expect(s.image).toBe("ghcr.io/acme/notes:1.2.3");
    expect(s.imageRepository).toBeUndefined();
  });

  it("never carries a secret's value: secrets are read as Pulumi secrets through loadSecrets()", () => {
    const s = resolveSettings("dev", { registryUsername: "bot", registryPassword: "hunter2" }, ["registryPassword"]);
    expect(s.registryUsername).toBe("bot");
    expect(JSON.stringify(s)).not.toContain("hunter2");
    expect("registryPassword" in s).toBe(false);
  });
});

describe("invalid config fails with one message per bad key", () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp, string[]?]> = [
    ["wrong type", "dev", { minReplicas: "three" }, /^minReplicas: must be an integer from 1 to 100/],
    ["out of range", "dev", { maxReplicas: "1000" }, /^maxReplicas: must be an integer from 1 to 100/],
    ["unknown key", "dev", { replicaCount: "3" }, /^replicaCount: unknown setting\..*Allowed keys: environment, namespace/],
    ["typo suggests", "dev", { hostName: "a.example.com" }, /Did you mean "hostname"\?/],
    ["bad enum", "dev", { redisMode: "cluster" }, /^redisMode: must be "standalone" or "sentinel"/],
    ["bad quantity", "dev", { memoryLimit: "1GB" }, /^memoryLimit: must be a memory quantity/],
    ["missing required in prod", "prod", { imageRepository: "ghcr.io/acme/notes", acmeEmail: "ops@example.com" }, /^hostname: required in this environment/],
    ["missing image source in prod", "prod", { hostname: "notes.example.com", acmeEmail: "ops@example.com" }, /^imageRepository: required unless image is set/],
    ["acme without e-mail", "prod", { imageRepository: "ghcr.io/acme/notes", hostname: "notes.example.com" }, /^acmeEmail: required when tlsIssuer is "acme"/],
    ["min above max", "dev", { minReplicas: "5", maxReplicas: "2" }, /^maxReplicas: must be at least minReplicas \(5\)/],
    ["limit below request", "dev", { cpuRequest: "1", cpuLimit: "500m" }, /^cpuLimit: must be at least cpuRequest \(1\)/],
    ["standalone with replicas", "dev", { redisReplicas: "3" }, /^redisReplicas: must be 1 when redisMode is "standalone"/],
    ["sentinel below quorum", "prod", { ...prodMinimum, redisReplicas: "2" }, /^redisReplicas: must be 3 to 9 when redisMode is "sentinel"/],
    ["maxmemory above 60% of the limit", "dev", { redisMaxMemoryMb: "120" }, /^redisMaxMemoryMb: must be at most 60% of redisMemoryLimit \(192Mi\): .* raise redisMemoryLimit to at least 200Mi/],
    ["image and repository", "dev", { image: "ghcr.io/acme/notes:1", imageRepository: "ghcr.io/acme/notes" }, /^image: contradicts imageRepository/],
    ["plaintext secret", "dev", { registryUsername: "bot", registryPassword: "hunter2" }, /^registryPassword: is a secret: set it with `pulumi config set --secret registryPassword/],
    ["username without password", "dev", { registryUsername: "bot" }, /^registryPassword: required when registryUsername is set/],
    ["existing issuer without name", "dev", { tlsIssuer: "existing" }, /^clusterIssuerName: required when tlsIssuer is "existing"/],
    ["render mode with add-ons", "dev", { renderYamlToDirectory: "out/engine" }, /^renderYamlToDirectory: needs installCertManager and installGatewayApi set to false/],
    ["ingress without proxy namespace", "dev", { edgeMode: "ingress", ingressClassName: "traefik" }, /^edgeProxyNamespace: required when edgeMode is "ingress"/],
    ["ingress without a class (no retired nginx default)", "dev", { edgeMode: "ingress", edgeProxyNamespace: "traefik" }, /^ingressClassName: required when edgeMode is "ingress": the IngressClass of your controller/],
    ["ingress with gateway keys", "dev", { edgeMode: "ingress", gatewayName: "shared" }, /^edgeMode: is "ingress" but gatewayName/],
    ["unknown stack without environment", "staging", {}, /^environment: required because the stack name "staging"/],
    ["Grafana published without its own Prometheus", "dev", { prometheus: "operator", grafanaPath: "/grafana" }, /^grafanaPath: needs prometheus "deploy"/],
    ["Grafana on the API's path", "dev", { grafanaPath: "/v1" }, /^grafanaPath: is a path of the service's API/],
    ["Grafana path with two segments", "dev", { grafanaPath: "/ops/grafana" }, /^grafanaPath: must be one path segment/],
    ["S3 backups without a bucket", "dev", { redisBackupTarget: "s3", redisBackupS3Endpoint: "https://s3.example.com" }, /^redisBackupS3Bucket: required when redisBackupTarget is "s3"/],
    ["S3 backups without keys", "dev", { redisBackupTarget: "s3", redisBackupS3Endpoint: "https://s3.example.com", redisBackupS3Bucket: "b-1" }, /^redisBackupS3AccessKeyId: required when redisBackupTarget is "s3": `pulumi config set --secret/],
    ["a backup schedule with no period", "dev", { redisBackupSchedule: "0 0 1 * *" }, /^redisBackupSchedule: must be a cron schedule in UTC/],
    ["a backup deadline past the period", "dev", { redisBackupSchedule: "*/15 * * * *", redisBackupDeadlineSeconds: "1800" }, /^redisBackupDeadlineSeconds: must be at most the period of redisBackupSchedule \(900 s\)/],
    ["backup memory below the dataset", "dev", { redisBackupMemory: "128Mi" }, /^redisBackupMemory: must be at least redisMaxMemoryMb \+ 100Mi \(200Mi\)/],
    ["drain longer than grace", "dev", { shutdownDrainDelayMs: "30000", shutdownGraceMs: "20000" }, /^shutdownDrainDelayMs: must be below shutdownGraceMs/],
  ];

  it.each(cases)("%s", (_name, stack, raw, expected) => {
    const issues = issuesOf(stack, raw);
    expect(issues.some((i) => expected.test(i)), issues.join("\n")).toBe(true);
  });

  it("takes passwords from elsewhere as secrets only, and refuses short ones", () => {
    expect(issuesOf("dev", { redisPassword: "short-secret" }, ["redisPassword"]).join("\n")).toMatch(/^redisPassword: /m);
    expect(issuesOf("dev", { grafanaAdminPassword: "x".repeat(20) }).join("\n")).toMatch(/^grafanaAdminPassword: is a secret/m);
    const s = resolveSettings("dev", { redisPassword: "r".repeat(20), grafanaAdminPassword: "g".repeat(20) }, ["redisPassword", "grafanaAdminPassword"]);
    expect(s).not.toHaveProperty("redisPassword");
  });

  it("lists every bad key at once, with its value, in the message", () => {
    try {
      resolveSettings("dev", { minReplicas: "zero", redisMode: "cluster", bogus: "1" });
      throw new Error("unreachable");
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('invalid configuration for stack "dev" (3 problems)');
      expect(msg).toContain('minReplicas = "zero": must be an integer from 1 to 100.');
      expect(msg).toContain('redisMode = "cluster": must be "standalone" or "sentinel".');
      expect(msg).toContain('bogus = "1": unknown setting.');
    }
  });

  it("never prints a secret value", () => {
    try {
      resolveSettings("dev", { registryUsername: "bot", registryPassword: "hunter2" });
      throw new Error("unreachable");
    } catch (e) {
      expect((e as Error).message).not.toContain("hunter2");
    }
  });

  it("accepts the secret when it is set as a secret", () => {
    const s = resolveSettings("dev", { registryUsername: "bot", registryPassword: "x" }, ["registryPassword"]);
    expect(s.registryUsername).toBe("bot");
  });
});

describe("Pulumi.yaml", () => {
  it("declares only known settings, with the same defaults as stacks/ in every environment", async () => {
    const fs = await import("node:fs");
    const path = await import("node:path");
    const { parse } = await import("yaml");
    const doc = parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { type: string; default: unknown }> };
    const declared = Object.entries(doc.config);
    expect(declared.length).toBeGreaterThan(10);
    for (const [key, decl] of declared) {
      expect(SETTING_KEYS as readonly string[], key).toContain(key);
      const spec: KeySpec = SETTINGS[key as keyof typeof SETTINGS];
      expect(decl.default, key).toEqual(spec.dev);
      expect(decl.default, key).toEqual(spec.prod);
      expect(decl.type, key).toBe(spec.kind);
    }
  });
});

describe("README", () => {
  it("shows the settings table generated from the schema (regenerate: npm run settings-table -w stacks -- --write)", () => {
    expect(readmeTable(readFileSync(README, "utf8"))).toBe(settingsTable());
  });
});

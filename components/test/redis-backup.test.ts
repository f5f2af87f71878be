/** RedisBackup and Pushgateway under the mock runtime: the CronJob's policies, pod security, volumes, env and NetworkPolicies. */
import { beforeEach, describe, expect, it } from "vitest";
import { Pushgateway, pushgatewayAddress, resolvePushgatewayArgs } from "../pushgateway";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_SCRIPT_PATH, BackupTarget, RedisBackup, cronIntervalSeconds, resolveRedisBackupArgs } from "../redis-backup";
import { BACKUP_SCRIPT } from "../redis-backup/scripts";
import { isSecretWrapped, secretValue } from "../testing";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const redisPeer = { podLabels: { "app.kubernetes.io/name": "notes-redis", "app.kubernetes.io/component": "redis" } };
const clientLabels = { "client.node-service-platform/notes-redis": "true" };
const base = { namespace: "notes", redisHost: "redis-client.notes.svc", passwordSecretName: "redis-password", clientLabels, redisPeer };
const pushgatewayPeer = { podLabels: { "app.kubernetes.io/name": "pushgateway" }, ports: [9091] };

interface Env {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

describe("cronIntervalSeconds", () => {
  it.each([
    ["*/15 * * * *", 900],
    ["5 * * * *", 3600],
    ["0 */6 * * *", 21_600],
    ["30 2 * * *", 86_400],
    ["0 3 * * 0", 604_800],
  ])("%s is %i s", (schedule, seconds) => expect(cronIntervalSeconds(schedule)).toBe(seconds));

  it("refuses a schedule whose period it cannot tell, listing the forms it takes", () => {
    for (const bad of ["@hourly", "0 0 1 * *", "*/7 * * * *", "0 */5 * * *", "61 * * * *", "0 * * *"]) {
      expect(() => cronIntervalSeconds(bad), bad).toThrow(/argument "schedule" .*use one of "M \* \* \* \*" \(hourly\)/);
    }
  });
});

describe("RedisBackup", () => {
  it("refuses both or neither of redisHost and sentinels, no client labels, a Pushgateway URL without its peer, a deadline past the period", () => {
    expect(() => resolveRedisBackupArgs("b", { ...base, sentinels: "s:26379" })).toThrow(/set exactly one of redisHost .* and sentinels/);
    expect(() => resolveRedisBackupArgs("b", { ...base, redisHost: undefined })).toThrow(/set exactly one of redisHost/);
    expect(() => resolveRedisBackupArgs("b", { ...base, clientLabels: {} })).toThrow(/argument "clientLabels" .*Redis' NetworkPolicy refuses the job/);
    expect(() => resolveRedisBackupArgs("b", { ...base, pushgatewayUrl: "http://pg:9091" })).toThrow(/set pushgatewayUrl and pushgatewayPeer together/);
    expect(() => resolveRedisBackupArgs("b", { ...base, schedule: "*/15 * * * *", activeDeadlineSeconds: 1800 })).toThrow(/argument "activeDeadlineSeconds" is 1800; must be at most the schedule's period \(900 s\)/);
  });

  it("runs one backup at a time on the schedule, with deadlines, history limits and a retry", async () => {
    const b = new RedisBackup("redis-backup", { ...base, appName: "notes-redis-backup", schedule: "0 * * * *", activeDeadlineSeconds: 1200 });
    expect(b.intervalSeconds).toBe(3600);
    expect(await value(b.cronJobName)).toBe("notes-redis-backup");
    await settle();
    const spec = one("kubernetes:batch/v1:CronJob").inputs.spec;
    expect(spec).toMatchObject({
      schedule: "0 * * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 1200 } },
    });
  });

  it("runs the script from its ConfigMap as the redis user, read-only root, scratch and store volumes, no API token, resources set", async () => {
    new RedisBackup("redis-backup", { ...base, memory: "300Mi", scratchSize: "1Gi" });
    await settle();
    expect(one("kubernetes:core/v1:ConfigMap", "redis-backup-scripts").inputs.data["redis-backup.sh"]).toBe(BACKUP_SCRIPT);
    expect(BACKUP_SCRIPT_PATH).toMatch(/redis-backup\.sh$/);
    const pod = one("kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec.template;
    expect(pod.metadata.labels).toMatchObject(clientLabels);
    expect(pod.spec).toMatchObject({ restartPolicy: "Never", automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } } });
    const c = pod.spec.containers[0];
    expect(c).toMatchObject({ image: "redis:8.8.0", command: ["bash", "/scripts/redis-backup.sh"], args: ["backup"] });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "300Mi" }, limits: { cpu: "1", memory: "300Mi" } });
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(["/backups", "/scratch", "/scripts"]);
    const claim = one("kubernetes:core/v1:PersistentVolumeClaim");
    expect(pod.spec.volumes).toEqual([
      { name: "backups", persistentVolumeClaim: { claimName: claim.inputs.metadata.name ?? expect.any(String) } },
      { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
      { name: "scripts", configMap: { name: expect.any(String) } },
    ]);
  });

  it("stores the backups on a ReadWriteOnce PVC of the given size (default 2Gi)", async () => {
    new RedisBackup("redis-backup", base);
    await settle();
    const claim = one("kubernetes:core/v1:PersistentVolumeClaim");
    expect(claim.inputs.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } });
  });

  it("takes the password from the Secret and never as a value; standalone: host and port", async () => {
    new RedisBackup("redis-backup", { ...base, retainLast: 5 });
    await settle();
    const env = one("kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec.template.spec.containers[0].env as Env[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName["REDIS_PASSWORD"]).toEqual({ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-password", key: "redis-password" } } });
    expect(byName["REDIS_HOST"]?.value).toBe("redis-client.notes.svc");
    expect(byName["REDIS_PORT"]?.value).toBe("6379");
    expect(byName["RETAIN_LAST"]?.value).toBe("5");
    expect(byName["SENTINEL_HOSTS"]).toBeUndefined();
    expect(byName["PUSHGATEWAY_URL"]).toBeUndefined();
  });

  it("Sentinel mode: the Sentinels and the master name, and egress to Redis and Sentinel ports; the Pushgateway when given", async () => {
    new RedisBackup("redis-backup", {
      ...base,
      redisHost: undefined,
      sentinels: "redis-0.h.notes.svc:26379,redis-1.h.notes.svc:26379",
      sentinelMasterName: "main",
      pushgatewayUrl: "http://pushgateway.notes.svc:9091",
      pushgatewayPeer,
    });
    await settle();
    const env = one("kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec.template.spec.containers[0].env as Env[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(byName).toMatchObject({ SENTINEL_HOSTS: "redis-0.h.notes.svc:26379,redis-1.h.notes.svc:26379", SENTINEL_MASTER: "main", PUSHGATEWAY_URL: "http://pushgateway.notes.svc:9091" });
    expect(byName["REDIS_HOST"]).toBeUndefined();
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.ingress).toEqual([]);
    expect(np.egress.slice(1)).toEqual([
      { to: [{ podSelector: { matchLabels: redisPeer.podLabels } }], ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] },
      { to: [{ podSelector: { matchLabels: pushgatewayPeer.podLabels } }], ports: [{ protocol: "TCP", port: 9091 }] },
    ]);
  });
});

describe("RedisBackup to S3", () => {
  const s3 = { target: BackupTarget.S3, s3Endpoint: "https://s3.eu-west-1.amazonaws.com", s3Bucket: "acme-backups", s3AccessKeyId: pulumi.secret("AKIA"), s3SecretAccessKey: pulumi.secret("s3cr3t") };

  it("refuses a missing or bad endpoint, bucket, prefix or credentials", () => {
    expect(() => resolveRedisBackupArgs("b", { ...base, ...s3, s3Endpoint: undefined })).toThrow(/argument "s3Endpoint" .*set the S3 endpoint URL/);
    expect(() => resolveRedisBackupArgs("b", { ...base, ...s3, s3Endpoint: "https://s3.example.com/bucket" })).toThrow(/no path/);
    expect(() => resolveRedisBackupArgs("b", { ...base, ...s3, s3Bucket: "Bad_Bucket" })).toThrow(/argument "s3Bucket"/);
    expect(() => resolveRedisBackupArgs("b", { ...base, ...s3, s3Prefix: "/lead" })).toThrow(/argument "s3Prefix"/);
    expect(() => resolveRedisBackupArgs("b", { ...base, ...s3, s3SecretAccessKey: undefined })).toThrow(/set s3AccessKeyId and s3SecretAccessKey/);
    expect(resolveRedisBackupArgs("b", { ...base, ...s3, s3Endpoint: "http://minio.storage:9000" }).s3).toMatchObject({ port: 9000, prefix: "redis-backups", region: "us-east-1" });
  });

  it("keeps the credentials in a Secret (Pulumi secrets), copies the S3 client in, creates no PVC, and may reach the endpoint's port", async () => {
    const b = new RedisBackup("redis-backup", { ...base, ...s3, s3Prefix: "notes/redis" });
    expect(await value(b.location)).toBe("s3://acme-backups/notes/redis");
    await settle();
    expect(byType("kubernetes:core/v1:PersistentVolumeClaim")).toHaveLength(0);
    const secret = one("kubernetes:core/v1:Secret", "redis-backup-s3");
    // The whole map is a Pulumi secret: its values are.
    expect(isSecretWrapped(secret.inputs.stringData)).toBe(true);
    expect(secretValue(secret.inputs.stringData)).toEqual({ "access-key-id": "AKIA", "secret-access-key": "s3cr3t" });
    const pod = one("kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers).toEqual([expect.objectContaining({ name: "s3-client", image: "peakcom/s5cmd:v2.3.0", command: ["cp", "/s5cmd", "/tools/s5cmd"] })]);
    const env = Object.fromEntries((pod.containers[0].env as Env[]).map((e) => [e.name, e]));
    expect(env["BACKUP_TARGET"]?.value).toBe("s3");
    expect(env["S3_ENDPOINT"]?.value).toBe("https://s3.eu-west-1.amazonaws.com");
    expect(env["S3_PREFIX"]?.value).toBe("notes/redis");
    expect(env["AWS_SECRET_ACCESS_KEY"]?.valueFrom).toEqual({ secretKeyRef: { name: secret.inputs.metadata.name ?? expect.any(String), key: "secret-access-key" } });
    expect(env["PATH"]?.value).toMatch(/^\/tools:/);
    expect(env["BACKUP_DIR"]).toBeUndefined();
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.egress).toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
  });
});

describe("Pushgateway", () => {
  it("refuses an unpinned image", () => {
    expect(() => resolvePushgatewayArgs("pg", { image: "prom/pushgateway" })).toThrow(/argument "image" .*pin a tag or digest/);
  });

  it("keeps what was pushed on a PVC, serves on 9091 as http (not a metrics port), admits only its clients and calls nobody", async () => {
    const pg = new Pushgateway("pushgateway", { namespace: "notes", clients: [{ podLabels: { app: "prometheus" } }] });
    expect(await value(pg.address)).toBe(pushgatewayAddress("pushgateway", "notes"));
    await settle();
    const d = one("kubernetes:apps/v1:Deployment").inputs.spec;
    expect(d.strategy).toEqual({ type: "Recreate" });
    const c = d.template.spec.containers[0];
    expect(c.image).toBe("prom/pushgateway:v1.11.1");
    expect(c.args).toContain("--persistence.file=/data/pushgateway.db");
    expect(c.ports).toEqual([{ name: "http", containerPort: 9091, protocol: "TCP" }]);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 9091 }] }]);
    expect(np.egress).toEqual([]);
  });
});

/**
 * tools/redis-backup-job.sh, the operator's one command for backups in the cluster, against a stand-in kubectl
 * that records what it is asked and answers from files: the Job it creates is the CronJob's own template (built by
 * the component's spec builder) with the command's arguments; a restore suspends the CronJob and resumes it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { redisBackupCronJobSpec as cronJobSpec, resolveRedisBackupArgs } from "@platform/components";
import { afterAll, describe, expect, it } from "vitest";

const script = path.resolve(__dirname, "..", "redis-backup-job.sh");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-backup-job-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const r = resolveRedisBackupArgs("redis-backup", {
  redisHost: "redis-client.notes.svc",
  passwordSecretName: "redis-password",
  clientLabels: { "client.node-service-platform/notes-redis": "true" },
  redisPeer: { podLabels: { app: "redis" } },
});
const cronJob = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "notes-redis-backup", namespace: "notes" },
  spec: cronJobSpec(r, {
    scriptsConfigMapName: "scripts",
    claimName: "backups",
    passwordSecretName: "redis-password",
    redisHost: "redis-client.notes.svc",
    redisLabel: "notes-redis-backup",
    podLabels: { "app.kubernetes.io/component": "redis-backup", "client.node-service-platform/notes-redis": "true" },
  }),
};

/** A kubectl that logs its arguments and answers from STATE's files. */
function fakeKubectl(state: string, jobStatus: string): string {
  const bin = path.join(state, "bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(state, "cronjob.json"), JSON.stringify(cronJob));
  fs.writeFileSync(
    path.join(bin, "kubectl"),
    `#!/bin/bash
echo "$*" >> ${state}/calls.log
case "$*" in
  *"get cronjob -l"*) echo notes-redis-backup ;;
  *"get cronjob notes-redis-backup -o json"*) cat ${state}/cronjob.json ;;
  *"get cronjob notes-redis-backup -o jsonpath={.spec.suspend}"*) echo -n "" ;;
  *"patch cronjob"*) ;;
  *"get jobs -l"*) ;;
  *"create -f -"*) cat > ${state}/created.json ;;
  *"get job "*) echo -n "${jobStatus}" ;;
  *"logs job/"*) echo '{"level":"info","msg":"restore done"}' ;;
  *) echo "unexpected kubectl $*" >&2; exit 9 ;;
esac
`,
    { mode: 0o755 },
  );
  return bin;
}

function run(name: string, args: string[], jobStatus = "1/"): { status: number | null; stdout: string; stderr: string; calls: string[]; created?: Record<string, unknown> } {
  const state = path.join(root, name);
  const bin = fakeKubectl(state, jobStatus);
  const res = spawnSync("bash", [script, ...args], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` } });
  const created = fs.existsSync(path.join(state, "created.json")) ? (JSON.parse(fs.readFileSync(path.join(state, "created.json"), "utf8")) as Record<string, unknown>) : undefined;
  const calls = fs.existsSync(path.join(state, "calls.log")) ? fs.readFileSync(path.join(state, "calls.log"), "utf8").trim().split("\n") : [];
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, calls, created };
}

type CreatedJob = { metadata: { name: string; labels: Record<string, string> }; spec: { backoffLimit: number; ttlSecondsAfterFinished: number; template: { spec: { containers: { args: string[]; env: { name: string; valueFrom?: unknown }[] }[] } } } };

describe("redis-backup-job.sh", () => {
  it("restore: a Job from the CronJob's template with the restore's arguments, never retried, while the CronJob is suspended", () => {
    const res = run("restore", ["-n", "notes", "restore", "20261202T000000Z"]);
    expect(res.status, res.stderr).toBe(0);
    const job = res.created as unknown as CreatedJob;
    expect(job.metadata.name).toMatch(/^notes-redis-backup-restore-\d{14}$/);
    expect(job.metadata.labels["client.node-service-platform/notes-redis"]).toBe("true");
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    const container = job.spec.template.spec.containers[0];
    expect(container?.args).toEqual(["restore", "20261202T000000Z"]);
    const original = JSON.parse(JSON.stringify(cronJob)) as { spec: { jobTemplate: CreatedJob } };
    expect(container?.env).toEqual(original.spec.jobTemplate.spec.template.spec.containers[0]?.env);
    const order = (needle: string) => res.calls.findIndex((c) => c.includes(needle));
    expect(order('"suspend":true')).toBeGreaterThan(-1);
    expect(order('"suspend":true')).toBeLessThan(order("create -f -"));
    expect(order('"suspend":false')).toBeGreaterThan(order("logs job/"));
    expect(res.stdout).toContain('"msg":"restore done"');
  });

  it("list: the CronJob's retries kept, the CronJob left alone; a failed Job exits 1 and says how to look", () => {
    const res = run("list", ["-n", "notes", "list"], "/1");
    expect(res.status).toBe(1);
    expect((res.created as unknown as CreatedJob).spec.template.spec.containers[0]?.args).toEqual(["list"]);
    expect((res.created as unknown as CreatedJob).spec.backoffLimit).toBe(1);
    expect(res.calls.some((c) => c.includes("patch"))).toBe(false);
    expect(res.stderr).toMatch(/Job notes-redis-backup-list-\d+ failed \(kubectl -n notes describe job/);
  });

  it("a failed restore still resumes the CronJob", () => {
    const res = run("restore-failed", ["-n", "notes", "restore"], "/1");
    expect(res.status).toBe(1);
    expect(res.calls.at(-1)).toContain('"suspend":false');
  });

  it("usage errors exit 2 with a line saying what is wrong", () => {
    const noNamespace = run("usage-ns", ["list"]);
    expect(noNamespace.status).toBe(2);
    expect(noNamespace.stderr).toMatch(/name the namespace with -n/);
    const badCommand = run("usage-cmd", ["-n", "notes", "delete"]);
    expect(badCommand.status).toBe(2);
    expect(badCommand.calls).toEqual([]);
    const verifyWithoutId = run("usage-verify", ["-n", "notes", "verify"]);
    expect(verifyWithoutId.status).toBe(2);
  });
});

/** End to end: the renderer as CI runs it, on the real infra/ program and the real stack config files. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GENERATED_SECRET_PATTERN } from "@platform/components/testing";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/src/config";
import { type K8sObject, REDACTED } from "../lib/objects";
import { type Summary, fmtCpu, fmtMem, podResources } from "../lib/summary";

const ROOT = path.resolve(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function renderCli(args: string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, "tools", "render.ts"), ...args], { cwd: ROOT, env: { ...process.env, PULUMI_CONFIG: undefined } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

function readRendered(dir: string): { files: Map<string, string>; objects: K8sObject[]; summary: Summary & { problems: string[] } } {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  const objects = [...files.entries()]
    .filter(([f]) => f.endsWith(".yaml"))
    .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS() as K8sObject));
  const summary = JSON.parse(files.get("summary.json") ?? "{}") as Summary & { problems: string[] };
  return { files, objects, summary };
}

const stacks: Record<string, { run: Run; out: string }> = {};

beforeAll(async () => {
  for (const stack of ["dev", "prod"]) {
    const out = path.join(tmp, stack);
    stacks[stack] = { run: await renderCli(["--stack", stack, "--out", out]), out };
  }
}, 120_000);

describe.each(["dev", "prod"])("npm run render -- --stack %s", (stack) => {
  const get = () => stacks[stack] as { run: Run; out: string };

  it("renders cleanly: exit 0, every check passed", () => {
    const { run } = get();
    expect(run.stderr, run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/schema, unknown-field, secret and cross-reference checks passed/);
  });

  it("writes one object per YAML file, as many as the summary counts, with no secret value", () => {
    const { files, objects, summary } = readRendered(get().out);
    expect(summary.problems).toEqual([]);
    expect(objects.length).toBe(summary.objectCount);
    expect([...files.keys()].filter((f) => f.endsWith(".yaml")).length).toBe(summary.objectCount);
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe("string");
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    for (const [f, text] of files) expect(text, f).not.toMatch(GENERATED_SECRET_PATTERN);
    const secrets = objects.filter((o) => o.kind === "Secret");
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) for (const v of Object.values((s["stringData"] ?? s["data"]) as Record<string, string>)) expect(v).toBe(REDACTED);
  });

  it("reports totals that match the sum over the rendered workloads", () => {
    const { objects, summary } = readRendered(get().out);
    const sum = { min: { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 }, max: { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 } };
    for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet" || x.kind === "DaemonSet")) {
      const spec = o["spec"] as { replicas?: number; template: { spec: Record<string, never> } };
      const hpa = objects.find((h) => h.kind === "HorizontalPodAutoscaler" && (h["spec"] as { scaleTargetRef: { name: string } }).scaleTargetRef.name === o.metadata.name);
      const hs = hpa?.["spec"] as { minReplicas: number; maxReplicas: number } | undefined;
      // A DaemonSet: one pod on each node the totals assume (one by default).
      const min = o.kind === "DaemonSet" ? (summary.daemonSetNodes ?? 1) : hs ? hs.minReplicas : (spec.replicas ?? 1);
      const max = hs ? hs.maxReplicas : min;
      const pod = podResources(spec.template.spec);
      for (const [k, n] of [["min", min], ["max", max]] as const) {
        sum[k].cpuReq += n * pod.cpuRequests;
        sum[k].cpuLim += n * pod.cpuLimits;
        sum[k].memReq += n * pod.memoryRequests;
        sum[k].memLim += n * pod.memoryLimits;
      }
    }
    expect(summary.totals.atMinReplicas).toEqual({ cpuRequests: fmtCpu(sum.min.cpuReq), cpuLimits: fmtCpu(sum.min.cpuLim), memoryRequests: fmtMem(sum.min.memReq), memoryLimits: fmtMem(sum.min.memLim) });
    expect(summary.totals.atMaxReplicas).toEqual({ cpuRequests: fmtCpu(sum.max.cpuReq), cpuLimits: fmtCpu(sum.max.cpuLim), memoryRequests: fmtMem(sum.max.memReq), memoryLimits: fmtMem(sum.max.memLim) });
    expect(sum.min.cpuReq).toBeGreaterThan(0);
  });
});

describe("what each stack deploys", () => {
  it("dev: single replicas, self-signed CA, add-ons installed at pinned versions", () => {
    const { objects, summary } = readRendered((stacks["dev"] as { out: string }).out);
    expect(summary.helmReleases.map((h) => `${h.chart}@${h.version}`)).toEqual(
      expect.arrayContaining(["cert-manager@v1.20.2", "oci://ghcr.io/nginx/charts/nginx-gateway-fabric@2.6.5"]),
    );
    expect(objects.filter((o) => o.kind === "ClusterIssuer").map((o) => Object.keys(o["spec"] as object)[0]).sort()).toEqual(["ca", "selfSigned"]);
    const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "redis") as K8sObject;
    expect((sts["spec"] as { replicas: number }).replicas).toBe(1);
    expect(summary.outputs["url"]).toBe("https://notes.localtest.me");
  });

  it("prod: Redis with Sentinel, the service connects through Sentinel, ACME issuer, no add-ons", () => {
    const { objects, summary } = readRendered((stacks["prod"] as { out: string }).out);
    expect(summary.helmReleases).toEqual([]);
    const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "redis") as K8sObject;
    const pod = (sts["spec"] as { replicas: number; template: { spec: { containers: { name: string }[] } } });
    expect(pod.replicas).toBe(3);
    expect(pod.template.spec.containers.map((c) => c.name)).toEqual(["redis", "sentinel", "exporter", "sentinel-exporter"]);
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("app-config")) as K8sObject;
    const data = cm["data"] as Record<string, string>;
    expect(data["REDIS_SENTINELS"]).toMatch(/^redis-0\.redis-headless-[0-9a-f]{8}\.notes\.svc:26379,redis-1\..*,redis-2\..*:26379$/);
    expect(data["REDIS_URL"]).toBeUndefined();
    const issuer = objects.find((o) => o.kind === "ClusterIssuer") as K8sObject;
    expect((issuer["spec"] as { acme: { server: string; email: string } }).acme).toMatchObject({ server: "https://acme-v02.api.letsencrypt.org/directory", email: "platform@example.com" });
    // The service, Redis and the Gateway's proxy pods.
    expect(objects.filter((o) => o.kind === "PodDisruptionBudget")).toHaveLength(3);
    // The edge routes the API only: no /metrics, probes or docs in prod.
    const route = objects.find((o) => o.kind === "HTTPRoute" && JSON.stringify(o["spec"]).includes("backendRefs")) as K8sObject;
    expect(JSON.stringify((route["spec"] as { rules: unknown[] }).rules.map((r) => (r as { matches: unknown }).matches))).toBe('[[{"path":{"type":"PathPrefix","value":"/v1"}}]]');
  });
});

describe("backups", () => {
  it("prod: an hourly CronJob snapshotting through the Sentinels, reporting to the Pushgateway that Prometheus scrapes, alerting when stale or failed", () => {
    const { objects, summary } = readRendered((stacks["prod"] as { out: string }).out);
    const cron = objects.find((o) => o.kind === "CronJob") as K8sObject;
    const spec = cron["spec"] as { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } } };
    expect(spec).toMatchObject({ schedule: "0 * * * *", concurrencyPolicy: "Forbid" });
    const env = Object.fromEntries(spec.jobTemplate.spec.template.spec.containers[0]?.env.map((e) => [e.name, e.value]) ?? []);
    expect(env["SENTINEL_HOSTS"]).toMatch(/^redis-0\.redis-headless-[0-9a-f]{8}\.notes\.svc:26379,/);
    expect(env["PUSHGATEWAY_URL"]).toBe("http://pushgateway.notes.svc:9091");
    expect(summary.outputs["redisBackupCronJob"]).toBe(cron.metadata.name);
    const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("prometheus-config")) as K8sObject;
    expect(JSON.stringify(config["data"])).toContain("job_name: pushgateway\\n    honor_labels: true");
    const rules = JSON.stringify(objects.filter((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("prometheus-rules")));
    expect(rules).toContain("alert: RedisBackupStale");
    expect(rules).toContain(`cronjob=\\\"${cron.metadata.name}\\\"`);
  });
});

describe("the service accepts what the platform gives it", () => {
  it.each(["dev", "prod"])("%s: the rendered environment passes app/'s own config loader", (stack) => {
    // The service's loader is the contract: every variable the Deployment sets must parse there.
    const { objects } = readRendered((stacks[stack] as { out: string }).out);
    const dep = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "notes") as K8sObject;
    const container = (dep["spec"] as { template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[]; env: { name: string }[] }[] } } }).template.spec.containers[0];
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === container?.envFrom[0]?.configMapRef.name) as K8sObject;
    const env: Record<string, string> = { ...(cm["data"] as Record<string, string>) };
    for (const e of container?.env ?? []) env[e.name] = "from-a-secret";
    const config = loadConfig(env);
    expect(config.port).toBe(8080);
    expect(config.redis.kind).toBe(stack === "prod" ? "sentinel" : "url");
  });
});

describe("determinism", () => {
  it("renders the same files byte for byte twice", async () => {
    const again = path.join(tmp, "dev-again");
    const run = await renderCli(["--stack", "dev", "--out", again]);
    expect(run.code).toBe(0);
    const a = readRendered((stacks["dev"] as { out: string }).out).files;
    const b = readRendered(again).files;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [f, text] of a) expect(b.get(f), f).toBe(text);
  }, 60_000);
});

describe("other configurations", () => {
  it("render mode for the real engine: an explicit provider with renderYamlToDirectory, no add-ons", async () => {
    const file = path.join(tmp, "render-mode.yaml");
    fs.writeFileSync(file, "config:\n  node-service-platform:renderYamlToDirectory: out/engine\n  node-service-platform:installCertManager: false\n  node-service-platform:installGatewayApi: false\n");
    const out = path.join(tmp, "render-mode");
    const run = await renderCli(["--stack", "dev", "--out", out, "--config", file]);
    expect(run.code, run.stderr).toBe(0);
    const { summary } = readRendered(out);
    expect(summary.helmReleases).toEqual([]);
    expect(summary.otherResources.find((o) => o.type === "pulumi:providers:kubernetes")?.detail).toMatch(/writes the manifests to out\/engine/);
  }, 30_000);

  it("kubernetesSkipAwait (npm run e2e's config): every object annotated pulumi.com/skipAwait, the rest unchanged", async () => {
    const file = path.join(tmp, "skip-await.yaml");
    fs.writeFileSync(file, 'config:\n  node-service-platform:kubernetesSkipAwait: "true"\n');
    const out = path.join(tmp, "skip-await");
    const run = await renderCli(["--stack", "dev", "--out", out, "--config", file]);
    expect(run.code, run.stderr).toBe(0);
    const { objects } = readRendered(out);
    const plain = readRendered(stacks["dev"]?.out as string).objects;
    expect(objects.length).toBe(plain.length);
    const annotations = (o: K8sObject) => (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    expect(objects.filter((o) => annotations(o)["pulumi.com/skipAwait"] !== "true").map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
    // Take the annotation away again and the objects are the plain render's, one for one.
    const withoutSkipAwait = objects.map((o) => {
      const { "pulumi.com/skipAwait": _, ...rest } = annotations(o);
      const { annotations: __, ...metadata } = o.metadata as Record<string, unknown>;
      return { ...o, metadata: Object.keys(rest).length > 0 ? { ...metadata, annotations: rest } : metadata };
    });
    expect(withoutSkipAwait).toEqual(plain);
  }, 30_000);
});

describe("edge variants render cleanly", () => {
  const variants: Array<[string, string, string, (objects: K8sObject[], summary: Summary) => void]> = [
    [
      "classic Ingress with ACME HTTP-01 through the Ingress class, registry password from a secure config value",
      "prod",
      "config:\n  node-service-platform:imageRepository: ghcr.io/a/notes\n  node-service-platform:hostname: notes.example.com\n  node-service-platform:acmeEmail: a@example.com\n  node-service-platform:edgeMode: ingress\n  node-service-platform:ingressClassName: traefik\n  node-service-platform:edgeProxyNamespace: traefik\n  node-service-platform:registryUsername: bot\n  node-service-platform:registryPassword:\n    secure: v1:c2VjcmV0:dG9rZW4=\n",
      (objects, summary) => {
        expect(JSON.stringify(summary)).not.toContain("render-secret-placeholder");
        const ing = objects.find((o) => o.kind === "Ingress") as K8sObject;
        expect((ing["spec"] as { ingressClassName: string }).ingressClassName).toBe("traefik");
        expect(objects.some((o) => o.kind === "Gateway" || o.kind === "HTTPRoute")).toBe(false);
        const issuer = objects.find((o) => o.kind === "ClusterIssuer") as K8sObject;
        expect(JSON.stringify(issuer["spec"])).toContain('"ingress":{"ingressClassName":"traefik"}');
      },
    ],
    [
      "an existing shared Gateway and an existing ClusterIssuer, with a prebuilt image",
      "prod",
      "config:\n  node-service-platform:image: ghcr.io/a/notes@sha256:" + "d".repeat(64) + "\n  node-service-platform:hostname: notes.example.com\n  node-service-platform:tlsIssuer: existing\n  node-service-platform:clusterIssuerName: letsencrypt\n  node-service-platform:gatewayName: shared\n  node-service-platform:gatewayNamespace: infra\n  node-service-platform:gatewayListener: https\n",
      (objects, summary) => {
        expect(objects.some((o) => o.kind === "Gateway" || o.kind === "ClusterIssuer")).toBe(false);
        expect(summary.external).toContain("Gateway infra/shared (parent of HTTPRoute notes/" + (objects.find((o) => o.kind === "HTTPRoute") as K8sObject).metadata.name + ")");
        expect(summary.otherResources.some((o) => o.type === "docker:index/image:Image")).toBe(false);
        expect(summary.outputs["imageRef"]).toBe("ghcr.io/a/notes@sha256:" + "d".repeat(64));
      },
    ],
    [
      "prometheus-operator mode: a PodMonitor and a PrometheusRule, schema-checked, and no Prometheus of its own",
      "dev",
      "config:\n  node-service-platform:prometheus: operator\n",
      (objects) => {
        expect(objects.some((o) => o.kind === "StatefulSet" && o.metadata.name.startsWith("prometheus"))).toBe(false);
        expect(objects.some((o) => o.kind === "Deployment" && /grafana|alertmanager|kube-state-metrics/.test(o.metadata.name))).toBe(false);
        const rule = objects.find((o) => o.kind === "PrometheusRule") as K8sObject;
        expect((rule.metadata.labels as Record<string, string>)["release"]).toBe("kube-prometheus-stack");
        const alerts = (rule["spec"] as { groups: { rules: { alert?: string }[] }[] }).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
        expect(alerts).toContain("AvailabilityErrorBudgetBurnFast");
        const monitor = objects.find((o) => o.kind === "PodMonitor") as K8sObject;
        expect((monitor["spec"] as { podMetricsEndpoints: { port: string }[] }).podMetricsEndpoints.map((e) => e.port)).toEqual(["metrics"]);
      },
    ],
    [
      "Grafana published at /grafana through the edge: one more route rule, root URL, and its NetworkPolicy admits the edge proxies only",
      "prod",
      "config:\n  node-service-platform:imageRepository: ghcr.io/a/notes\n  node-service-platform:hostname: notes.example.com\n  node-service-platform:acmeEmail: a@example.com\n  node-service-platform:grafanaPath: /grafana\n",
      (objects, summary) => {
        const route = objects.find((o) => o.kind === "HTTPRoute" && !o.metadata.name.includes("redirect")) as K8sObject;
        const rules = (route["spec"] as { rules: { matches: { path: { value: string } }[]; backendRefs: { name: string; port: number }[] }[] }).rules;
        const grafanaService = objects.find((o) => o.kind === "Service" && o.metadata.name.startsWith("grafana")) as K8sObject;
        expect(rules.map((r) => [r.matches.map((m) => m.path.value), r.backendRefs[0]?.name])).toEqual([
          [["/v1"], expect.stringMatching(/^app-service/)],
          [["/grafana"], grafanaService.metadata.name],
        ]);
        const grafana = objects.find((o) => o.kind === "Deployment" && o.metadata.name.startsWith("grafana")) as K8sObject;
        expect(JSON.stringify(grafana)).toContain('{"name":"GF_SERVER_ROOT_URL","value":"https://notes.example.com/grafana/"}');
        const policy = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name.startsWith("grafana")) as K8sObject;
        expect((policy["spec"] as { ingress: unknown[] }).ingress).toEqual([
          { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/part-of": "notes", "app.kubernetes.io/component": "edge-proxy" } } }], ports: [{ protocol: "TCP", port: 3000 }] },
        ]);
        expect(summary.outputs["grafanaPublicUrl"]).toBe("https://notes.example.com/grafana/");
      },
    ],
    [
      "backups off: no CronJob, no Pushgateway, no backup alerts",
      "dev",
      "config:\n  node-service-platform:redisBackups: false\n",
      (objects, summary) => {
        expect(objects.some((o) => o.kind === "CronJob" || o.metadata.name.startsWith("pushgateway"))).toBe(false);
        expect(JSON.stringify(objects.filter((o) => o.kind === "ConfigMap"))).not.toContain("RedisBackup");
        expect(summary.outputs["redisBackupCronJob"]).toBe("");
      },
    ],
    [
      "backups to S3: credentials from secure config in a Secret, redacted; no backups PVC; egress to the endpoint",
      "dev",
      "config:\n  node-service-platform:redisBackupTarget: s3\n  node-service-platform:redisBackupS3Endpoint: https://s3.eu-west-1.amazonaws.com\n  node-service-platform:redisBackupS3Bucket: acme-backups\n  node-service-platform:redisBackupS3AccessKeyId:\n    secure: v1:AAAA\n  node-service-platform:redisBackupS3SecretAccessKey:\n    secure: v1:BBBB\n",
      (objects, summary) => {
        const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name.startsWith("redis-backup-s3")) as K8sObject;
        expect(JSON.stringify(secret["stringData"] ?? secret["data"])).toContain(REDACTED);
        expect(objects.some((o) => o.kind === "PersistentVolumeClaim" && o.metadata.name.startsWith("redis-backup"))).toBe(false);
        const policy = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name.startsWith("redis-backup")) as K8sObject;
        expect((policy["spec"] as { egress: unknown[] }).egress).toContainEqual({ ports: [{ port: 443, protocol: "TCP" }], to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] });
        expect(summary.outputs["redisBackupLocation"]).toBe("s3://acme-backups/redis-backups");
      },
    ],
    [
      "a webhook receiver: its URL only in a Secret, redacted in the render",
      "dev",
      "config:\n  node-service-platform:alertReceiver: webhook\n  node-service-platform:alertReceiverUrl:\n    secure: v1:AAAA\n",
      (objects) => {
        const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name.startsWith("alertmanager-receiver")) as K8sObject;
        expect(JSON.stringify(secret["stringData"] ?? secret["data"])).toContain(REDACTED);
        expect(JSON.stringify(objects.filter((o) => o.kind === "ConfigMap"))).not.toContain("https://hooks");
      },
    ],
  ];
  it.each(variants)("%s", async (name, stack, yamlText, check) => {
    const file = path.join(tmp, `${name.replace(/\W+/g, "-")}.yaml`);
    fs.writeFileSync(file, yamlText);
    const out = path.join(tmp, `variant-${name.replace(/\W+/g, "-")}`);
    const run = await renderCli(["--stack", stack, "--out", out, "--config", file]);
    expect(run.code, run.stderr).toBe(0);
    const { objects, summary } = readRendered(out);
    expect(summary.problems).toEqual([]);
    check(objects, summary);
  }, 30_000);
});

describe("invalid config fails before anything is written, naming key, value and what is allowed", () => {
  const cases: Array<[string, string, string, number, RegExp]> = [
    ["wrong type", "dev", "config:\n  node-service-platform:minReplicas: many\n", 1, /minReplicas = "many": must be an integer from 1 to 100/],
    ["unknown key", "dev", "config:\n  node-service-platform:replicas: 3\n", 1, /replicas = "3": unknown setting/],
    ["out of range", "dev", "config:\n  node-service-platform:maxReplicas: 500\n", 1, /maxReplicas = "500": must be an integer from 1 to 100/],
    ["missing required value", "prod", "config:\n  node-service-platform:imageRepository: ghcr.io/a/notes\n  node-service-platform:acmeEmail: a@example.com\n", 1, /hostname = \(unset\): required in this environment/],
    ["contradictory settings", "dev", "config:\n  node-service-platform:redisMode: sentinel\n", 1, /redisReplicas = 1: must be 3 to 9 when redisMode is "sentinel"/],
    ["several at once", "dev", "config:\n  node-service-platform:logLevel: loud\n  node-service-platform:edgeMode: nodeport\n", 1, /\(2 problems\):\n.*logLevel = "loud".*\n.*edgeMode = "nodeport": must be "gateway" \(Gateway API\) or "ingress"/],
    ["a secret in plain text", "dev", "config:\n  node-service-platform:registryUsername: bot\n  node-service-platform:registryPassword: hunter2\n", 1, /registryPassword = "<hidden>": is a secret: set it with `pulumi config set --secret registryPassword/],
    ["not YAML", "dev", "config: [unclosed\n", 1, /cannot parse/],
  ];
  it.each(cases)("%s", async (_name, stack, yamlText, code, message) => {
    const file = path.join(tmp, `${_name.replace(/\W+/g, "-")}.yaml`);
    fs.writeFileSync(file, yamlText);
    const out = path.join(tmp, `bad-${_name.replace(/\W+/g, "-")}`);
    const run = await renderCli(["--stack", stack, "--out", out, "--config", file]);
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toMatch(/^render failed: configuration error:|^render failed: cannot parse/);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain("hunter2");
    expect(fs.existsSync(out)).toBe(false);
  }, 30_000);

  it("usage errors exit 2", async () => {
    const run = await renderCli(["--stack", "dev"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stack and --out are required/);
  });
});

/**
 * The renderer is kind-agnostic: footprint, cross-references and schemas for DaemonSets, Jobs, CronJobs (with init
 * containers and sidecars), RBAC chains and prometheus-operator monitors, on fixture objects and on a small
 * fixture program run through the project's mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import { hash8, registered, setMocks, settle } from "@platform/components/testing";
import { describe, expect, it } from "vitest";
import { type JsonObject, type K8sObject, type Rendered, REDACTED, toObjects } from "../lib/objects";
import { recordedResources } from "../lib/program";
import { validateObject } from "../lib/schema";
import { jobPeaks, podResources, summarize, toMarkdown, workloadTotals } from "../lib/summary";
import { crossReference } from "../lib/xref";

const Mi = 1024 ** 2;
const NS = "ns";
const labels = (name: string) => ({ "app.kubernetes.io/name": name });
const res = (cpuReq: string, memReq: string, cpuLim: string, memLim: string) => ({ requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory: memLim } });
const image = "registry.example/x@sha256:" + "a".repeat(64);
/** A fixture object; `namespace` null for a cluster-scoped kind. */
const k8s = (apiVersion: string, kind: string, name: string, body: Record<string, unknown>, namespace: string | null = NS): K8sObject =>
  ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...body }) as K8sObject;
const rendered = (objects: K8sObject[]): Rendered[] => objects.map((object) => ({ object, component: "fixture", resourceName: object.metadata.name }));

/** A CronJob whose pod has a regular init container, then a sidecar (restartPolicy Always), then another init container. */
const backupPodSpec: JsonObject = {
  restartPolicy: "OnFailure",
  serviceAccountName: "backup",
  initContainers: [
    { name: "migrate", image, resources: res("300m", "64Mi", "500m", "128Mi") },
    { name: "proxy", image, restartPolicy: "Always", ports: [{ name: "proxy", containerPort: 15000 }], resources: res("50m", "32Mi", "100m", "64Mi") },
    { name: "warm", image, resources: res("200m", "256Mi", "400m", "512Mi") },
  ],
  containers: [
    {
      name: "backup",
      image,
      env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "redis-pw", key: "password" } } }],
      resources: res("100m", "128Mi", "200m", "256Mi"),
    },
  ],
} as JsonObject;
const cronJob = (podSpec: JsonObject = backupPodSpec) =>
  k8s("batch/v1", "CronJob", "backup", {
    spec: { schedule: "0 3 * * *", concurrencyPolicy: "Forbid", jobTemplate: { spec: { parallelism: 2, completions: 4, template: { metadata: { labels: labels("backup") }, spec: podSpec } } } },
  });
const job = k8s("batch/v1", "Job", "restore-check", {
  spec: { parallelism: 3, completions: 2, template: { metadata: { labels: labels("restore") }, spec: { restartPolicy: "Never", containers: [{ name: "check", image, resources: res("100m", "128Mi", "250m", "256Mi") }] } } },
});
const daemonSet = (selector = labels("shipper")) =>
  k8s("apps/v1", "DaemonSet", "log-shipper", {
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels("shipper") },
        spec: {
          serviceAccountName: "shipper",
          containers: [{ name: "shipper", image, ports: [{ name: "metrics", containerPort: 9080 }], resources: res("100m", "64Mi", "200m", "128Mi"), volumeMounts: [{ name: "config", mountPath: "/etc/shipper" }] }],
          volumes: [{ name: "config", configMap: { name: "shipper-config", items: [{ key: "config.yaml", path: "config.yaml" }] } }],
        },
      },
    },
  });
const deployment = k8s("apps/v1", "Deployment", "api", {
  spec: {
    replicas: 2,
    selector: { matchLabels: labels("api") },
    template: { metadata: { labels: labels("api") }, spec: { containers: [{ name: "api", image, ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9464 }], resources: res("250m", "256Mi", "1", "512Mi") }] } },
  },
});
const hpa = k8s("autoscaling/v2", "HorizontalPodAutoscaler", "api", { spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: 5 } });
const apiService = k8s("v1", "Service", "api", { metadata: { name: "api", namespace: NS, labels: labels("api") }, spec: { selector: labels("api"), ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "metrics", port: 9464, targetPort: "metrics" }] } });
const serviceAccount = (name: string, namespace = NS) => k8s("v1", "ServiceAccount", name, {}, namespace);
const supporting = [
  serviceAccount("backup"),
  serviceAccount("shipper"),
  k8s("v1", "Secret", "redis-pw", { stringData: { password: REDACTED } }),
  k8s("v1", "ConfigMap", "shipper-config", { data: { "config.yaml": "server: {}\n" } }),
];
const allKinds = [cronJob(), job, daemonSet(), deployment, hpa, apiService, ...supporting];

describe("footprint: the scheduler's effective pod requests, for every pod-bearing kind", () => {
  it("a pod with init containers and a sidecar: max(containers + sidecars, each init step with the sidecars started before it)", () => {
    // requests  CPU: containers+sidecars 100+50=150; migrate 300; proxy step 50; warm 200+50=250 → 300m
    //           memory: 128+32=160; migrate 64; proxy 32; warm 256+32=288 → 288Mi
    // limits    CPU: 200+100=300; migrate 500; proxy 100; warm 400+100=500 → 500m
    //           memory: 256+64=320; migrate 128; proxy 64; warm 512+64=576 → 576Mi
    expect(podResources(backupPodSpec)).toEqual({ cpuRequests: 300, cpuLimits: 500, memoryRequests: 288 * Mi, memoryLimits: 576 * Mi });
  });
  it("sidecars run all along: they add to the containers, and a later init container runs beside them", () => {
    const spec: JsonObject = {
      initContainers: [
        { name: "mesh", restartPolicy: "Always", resources: res("100m", "100Mi", "100m", "100Mi") },
        { name: "setup", resources: res("150m", "10Mi", "150m", "10Mi") },
      ],
      containers: [{ name: "app", resources: res("200m", "200Mi", "200m", "200Mi") }],
    };
    // CPU: 200+100=300 vs setup 150+100=250 → 300m; memory: 200+100=300 vs 10+100=110 → 300Mi
    expect(podResources(spec)).toEqual({ cpuRequests: 300, cpuLimits: 300, memoryRequests: 300 * Mi, memoryLimits: 300 * Mi });
  });
  it("without init containers a pod is the sum of its containers, as before", () => {
    expect(podResources({ containers: [{ resources: res("100m", "64Mi", "1", "128Mi") }, { resources: res("50m", "0", "0", "0") }] })).toEqual({
      cpuRequests: 150,
      cpuLimits: 1000,
      memoryRequests: 64 * Mi,
      memoryLimits: 128 * Mi,
    });
  });

  it("DaemonSets count one pod per node, on the nodes assumed; Deployments at min and max replicas", () => {
    const w = workloadTotals(rendered(allKinds), 3);
    expect(w).toEqual([
      { workload: "DaemonSet ns/log-shipper", component: "fixture", minReplicas: 3, maxReplicas: 3, perPod: { cpuRequests: 100, cpuLimits: 200, memoryRequests: 64 * Mi, memoryLimits: 128 * Mi }, perNode: true },
      { workload: "Deployment ns/api", component: "fixture", minReplicas: 2, maxReplicas: 5, perPod: { cpuRequests: 250, cpuLimits: 1000, memoryRequests: 256 * Mi, memoryLimits: 512 * Mi } },
    ]);
  });

  it("Jobs and CronJobs are peaks apart: pods at once (parallelism, at most completions) × the effective pod", () => {
    expect(jobPeaks(rendered(allKinds))).toEqual([
      {
        workload: "CronJob ns/backup",
        component: "fixture",
        schedule: "0 3 * * *",
        podsAtOnce: 2, // parallelism 2, completions 4
        perPod: { cpuRequests: 300, cpuLimits: 500, memoryRequests: 288 * Mi, memoryLimits: 576 * Mi },
        peak: { cpuRequests: 600, cpuLimits: 1000, memoryRequests: 576 * Mi, memoryLimits: 1152 * Mi },
      },
      {
        workload: "Job ns/restore-check",
        component: "fixture",
        podsAtOnce: 2, // parallelism 3, but only 2 completions
        perPod: { cpuRequests: 100, cpuLimits: 250, memoryRequests: 128 * Mi, memoryLimits: 256 * Mi },
        peak: { cpuRequests: 200, cpuLimits: 500, memoryRequests: 256 * Mi, memoryLimits: 512 * Mi },
      },
    ]);
  });

  it("the summary: totals with the DaemonSet on N nodes, the jobs' peaks apart, both stated in SUMMARY.md", () => {
    const s = summarize({ stack: "t", project: "p", objects: rendered(allKinds), others: [], external: [], outputs: {}, files: [], nodes: 3 });
    // at min: api 2 × (250m, 1000m, 256Mi, 512Mi) + shipper 3 × (100m, 200m, 64Mi, 128Mi)
    expect(s.totals.atMinReplicas).toEqual({ cpuRequests: "800m", cpuLimits: "2600m", memoryRequests: "704Mi", memoryLimits: "1408Mi" });
    // at max: api 5 × ... + shipper 3 × ...
    expect(s.totals.atMaxReplicas).toEqual({ cpuRequests: "1550m", cpuLimits: "5600m", memoryRequests: "1472Mi", memoryLimits: "2944Mi" });
    // backup peak + restore-check peak
    expect(s.totals.addedWhileJobsRun).toEqual({ cpuRequests: "800m", cpuLimits: "1500m", memoryRequests: "832Mi", memoryLimits: "1664Mi" });
    expect(s.daemonSetNodes).toBe(3);
    const md = toMarkdown(s);
    expect(md).toContain("| DaemonSet ns/log-shipper | fixture | 1 per node × 3 | 100m | 200m | 64Mi | 128Mi |");
    expect(md).toContain("the totals count them on 3 nodes (`--nodes`). Per node they take CPU 100m requested / 200m limit, memory 64Mi requested / 128Mi limit.");
    expect(md).toContain("| CronJob ns/backup | fixture | 0 3 * * * | 2 | 600m | 1000m | 576Mi | 1152Mi |");
    expect(md).toContain("| Job ns/restore-check | fixture | once | 2 | 200m | 500m | 256Mi | 512Mi |");
    expect(md).toContain("| all at once | | | | 800m | 1500m | 832Mi | 1664Mi |");
  });

  it("a stack without DaemonSets or Jobs gets no node count and no jobs section (renders stay as they were)", () => {
    const s = summarize({ stack: "t", project: "p", objects: rendered([deployment, apiService]), others: [], external: [], outputs: {}, files: [] });
    expect(Object.keys(s)).not.toContain("daemonSetNodes");
    expect(Object.keys(s)).not.toContain("jobs");
    expect(Object.keys(s.totals)).toEqual(["atMinReplicas", "atMaxReplicas"]);
    expect(toMarkdown(s)).not.toMatch(/per node|Jobs and CronJobs/);
  });
});

describe("cross-references of every pod template kind", () => {
  it("passes a consistent set of CronJob, Job, DaemonSet and Deployment", () => {
    expect(crossReference(allKinds).errors).toEqual([]);
  });
  it.each([
    ["a CronJob reading a Secret that is not there", [cronJob(), ...supporting.filter((o) => o.kind !== "Secret")], "CronJob ns/backup: container backup env REDIS_PASSWORD reads Secret redis-pw, which is not in the set"],
    ["a CronJob whose ServiceAccount is missing", [cronJob(), ...supporting.filter((o) => o.metadata.name !== "backup")], "CronJob ns/backup: serviceAccountName backup is not in the set"],
    ["a DaemonSet whose selector does not select its own pods", [daemonSet(labels("other")), ...supporting], 'DaemonSet ns/log-shipper: spec.selector {"app.kubernetes.io/name":"other"} does not match the pod template\'s labels {"app.kubernetes.io/name":"shipper"}'],
    [
      "a DaemonSet volume item whose key the ConfigMap lacks",
      [daemonSet(), ...supporting.filter((o) => o.kind !== "ConfigMap"), k8s("v1", "ConfigMap", "shipper-config", { data: { "other.yaml": "" } })],
      "DaemonSet ns/log-shipper: volume config item key config.yaml is not a key of ConfigMap ns/shipper-config",
    ],
    [
      "a Service whose targetPort the Job's pods lack",
      [job, k8s("v1", "Service", "restore", { spec: { selector: labels("restore"), ports: [{ port: 80, targetPort: "http" }] } })],
      'Service ns/restore: targetPort "http" is not a container port of every selected pod',
    ],
    [
      "a Job pulling with an image pull secret that is not there",
      [k8s("batch/v1", "Job", "j", { spec: { template: { metadata: { labels: labels("j") }, spec: { restartPolicy: "Never", imagePullSecrets: [{ name: "registry" }], containers: [{ name: "c", image }] } } } })],
      "Job ns/j: imagePullSecrets registry is not a Secret in the set",
    ],
  ])("reports %s", (_n, objects, message) => {
    expect(crossReference(objects).errors).toEqual([message]);
  });
  it("a Service and a PDB select a DaemonSet's pods; a NetworkPolicy admits a sidecar's port of a CronJob's pods", () => {
    const pdb = k8s("policy/v1", "PodDisruptionBudget", "shipper", { spec: { maxUnavailable: 1, selector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["shipper"] }] } } });
    const svc = k8s("v1", "Service", "shipper", { spec: { selector: labels("shipper"), ports: [{ port: 9080, targetPort: "metrics" }] } });
    const policy = k8s("networking.k8s.io/v1", "NetworkPolicy", "backup", { spec: { podSelector: { matchLabels: labels("backup") }, ingress: [{ ports: [{ port: 15000 }] }] } });
    expect(crossReference([...allKinds, pdb, svc, policy]).errors).toEqual([]);
    const bad = k8s("policy/v1", "PodDisruptionBudget", "none", { spec: { maxUnavailable: 1, selector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["shipper", "api", "backup", "restore"] }] } } });
    expect(crossReference([...allKinds, bad]).errors).toEqual([
      'PodDisruptionBudget ns/none: selector {"matchExpressions":[{"key":"app.kubernetes.io/name","operator":"NotIn","values":["shipper","api","backup","restore"]}]} matches no pod template and no Gateway\'s infrastructure labels',
    ]);
  });
});

describe("RBAC: ServiceAccount → RoleBinding/ClusterRoleBinding → Role/ClusterRole", () => {
  const role = k8s("rbac.authorization.k8s.io/v1", "Role", "reader", { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] });
  const clusterRole = k8s("rbac.authorization.k8s.io/v1", "ClusterRole", "node-reader", { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }] }, null);
  const binding = (kind: string, roleKind: string, roleName: string, subjects: Record<string, unknown>[], namespace: string | null = NS) =>
    k8s("rbac.authorization.k8s.io/v1", kind, `${roleName}-binding`, { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: roleName }, subjects }, namespace);
  const sa = (name: string, namespace?: string) => ({ kind: "ServiceAccount", name, ...(namespace ? { namespace } : {}) });

  it("accepts a complete chain and lists built-in roles and outside subjects as provided outside", () => {
    const objects = [
      ...allKinds,
      role,
      clusterRole,
      binding("RoleBinding", "Role", "reader", [sa("backup")]),
      binding("ClusterRoleBinding", "ClusterRole", "node-reader", [sa("shipper", NS)], null),
      binding("RoleBinding", "ClusterRole", "view", [sa("backup"), sa("prometheus", "monitoring"), { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "auditors" }]),
    ];
    const r = crossReference(objects);
    expect(r.errors).toEqual([]);
    expect(r.external).toEqual([
      "ClusterRole view, built in (roleRef of RoleBinding ns/view-binding)",
      "Group auditors (subject of RoleBinding ns/view-binding)",
      "ServiceAccount monitoring/prometheus (subject of RoleBinding ns/view-binding)",
    ]);
  });
  it.each([
    ["a missing Role", [binding("RoleBinding", "Role", "writer", [sa("backup")])], "RoleBinding ns/writer-binding: roleRef Role ns/writer is not in the set and is not a built-in Role (system:*)"],
    [
      "a missing ClusterRole",
      [binding("ClusterRoleBinding", "ClusterRole", "operator", [sa("backup", NS)], null)],
      "ClusterRoleBinding operator-binding: roleRef ClusterRole operator is not in the set and is not a built-in ClusterRole (cluster-admin, admin, edit, view, system:*)",
    ],
    ["a missing ServiceAccount", [role, binding("RoleBinding", "Role", "reader", [sa("ghost")])], "RoleBinding ns/reader-binding: subjects[0] ServiceAccount ns/ghost is not in the set"],
    [
      "a ClusterRoleBinding subject without namespace",
      [clusterRole, binding("ClusterRoleBinding", "ClusterRole", "node-reader", [sa("shipper")], null)],
      "ClusterRoleBinding node-reader-binding: subjects[0] ServiceAccount shipper has no namespace (a ClusterRoleBinding's ServiceAccount subjects need one)",
    ],
    ["a ClusterRoleBinding to a Role", [role, binding("ClusterRoleBinding", "Role", "reader", [sa("backup", NS)], null)], "ClusterRoleBinding reader-binding: roleRef Role reader: a ClusterRoleBinding can only refer to a ClusterRole"],
  ])("reports %s", (_n, extra, message) => {
    expect(crossReference([...allKinds, ...extra]).errors).toEqual([message]);
  });
  it("validates the RBAC kinds' schemas", async () => {
    expect(await validateObject(role)).toEqual([]);
    expect(await validateObject(binding("RoleBinding", "Role", "reader", [{ kind: "ServiceAccount", name: "backup", namepsace: NS }]))).toEqual([
      "RoleBinding ns/reader-binding: unknown field subjects[0].namepsace (not in the rbac.authorization.k8s.io/v1 RoleBinding schema)",
    ]);
  });
});

describe("prometheus-operator: ServiceMonitor, PodMonitor, PrometheusRule", () => {
  const monitoring = "monitoring.coreos.com/v1";
  const serviceMonitor = (selector: Record<string, unknown>, endpoints: Record<string, unknown>[] = [{ port: "metrics", interval: "30s" }], extra: Record<string, unknown> = {}) =>
    k8s(monitoring, "ServiceMonitor", "api", { spec: { selector, endpoints, ...extra } });
  const podMonitor = (selector: Record<string, unknown>, endpoints: Record<string, unknown>[]) => k8s(monitoring, "PodMonitor", "shipper", { spec: { selector, podMetricsEndpoints: endpoints } });
  const rule = k8s(monitoring, "PrometheusRule", "api", {
    spec: { groups: [{ name: "api", rules: [{ alert: "ApiDown", expr: 'up{job="api"} == 0', for: "5m", labels: { severity: "page" }, annotations: { summary: "the API is down" } }] }] },
  });
  const valid = [serviceMonitor({ matchLabels: labels("api") }), podMonitor({ matchLabels: labels("shipper") }, [{ port: "metrics" }, { portNumber: 9080 }]), rule];

  it("valid monitors and rules pass schema and cross-references; a Prometheus to select them is listed as provided outside", async () => {
    for (const o of valid) expect(await validateObject(o)).toEqual([]);
    const r = crossReference([...allKinds, ...valid]);
    expect(r.errors).toEqual([]);
    expect(r.external).toEqual([
      "a Prometheus (prometheus-operator) whose podMonitorSelector selects PodMonitor ns/shipper",
      "a Prometheus (prometheus-operator) whose serviceMonitorSelector selects ServiceMonitor ns/api",
    ]);
  });
  it("reports schema errors and unknown fields in them", async () => {
    expect(await validateObject(k8s(monitoring, "ServiceMonitor", "api", { spec: { endpoints: [{ port: "metrics" }] } }))).toEqual([
      'ServiceMonitor ns/api: schema: /spec must have required property selector {"missingProperty":"selector"}',
    ]);
    expect(await validateObject(serviceMonitor({ matchLabels: labels("api") }, [{ port: "metrics", intervall: "30s" }]))).toEqual([
      "ServiceMonitor ns/api: unknown field spec.endpoints[0].intervall (not in the monitoring.coreos.com/v1 ServiceMonitor schema)",
    ]);
    expect(await validateObject(k8s(monitoring, "PrometheusRule", "api", { spec: { groups: [{ name: "api", rules: [{ alert: "ApiDown" }] }] } }))).toEqual([
      'PrometheusRule ns/api: schema: /spec/groups/0/rules/0 must have required property expr {"missingProperty":"expr"}',
    ]);
  });
  it.each([
    ["a ServiceMonitor whose selector matches no Service", [serviceMonitor({ matchLabels: labels("apy") })], 'ServiceMonitor ns/api: selector {"app.kubernetes.io/name":"apy"} matches no Service in namespace ns'],
    ["a ServiceMonitor endpoint port the Service does not name", [serviceMonitor({ matchLabels: labels("api") }, [{ port: "prom" }])], 'ServiceMonitor ns/api: endpoints[0].port "prom" is not a port name of any selected Service (Service ns/api)'],
    [
      "a ServiceMonitor targetPort the pods behind the Service lack",
      [serviceMonitor({ matchLabels: labels("api") }, [{ targetPort: 9090 }])],
      "ServiceMonitor ns/api: endpoints[0].targetPort 9090 is not a container port of every pod behind Service ns/api",
    ],
    ["a PodMonitor whose selector matches no pod template", [podMonitor({ matchLabels: labels("shiper") }, [{ port: "metrics" }])], 'PodMonitor ns/shipper: selector {"app.kubernetes.io/name":"shiper"} matches no pod template in namespace ns'],
    ["a PodMonitor port the pods do not expose", [podMonitor({ matchLabels: labels("shipper") }, [{ port: "http" }])], 'PodMonitor ns/shipper: podMetricsEndpoints[0].port "http" is not a container port of any selected pod template (DaemonSet ns/log-shipper)'],
  ])("reports %s", (_n, extra, message) => {
    expect(crossReference([...allKinds, ...extra]).errors).toEqual([message]);
  });
  it("a monitor of namespaces outside the set is listed as provided outside, not failed", () => {
    const r = crossReference([...allKinds, serviceMonitor({ matchLabels: { "k8s-app": "kube-dns" } }, [{ port: "metrics" }], { namespaceSelector: { matchNames: ["kube-system"] } })]);
    expect(r.errors).toEqual([]);
    expect(r.external).toContain('Services labelled {"k8s-app":"kube-dns"} in namespaces kube-system (selected by ServiceMonitor ns/api)');
  });
});

describe("a fixture program on the project's mock runtime", () => {
  it("renders a component's DaemonSet, CronJob (init container and sidecar), RBAC chain and ServiceMonitor cleanly", async () => {
    await setMocks({ project: "fixture", stack: "t" });
    class KubernetesObject extends pulumi.CustomResource {
      constructor(token: string, name: string, inputs: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
        const [group, kind] = token.split(":");
        super(`kubernetes:${token}`, name, { apiVersion: (group ?? "").replace(/^core\//, ""), kind, metadata: { namespace: NS }, ...inputs }, opts);
      }
    }
    const backup = new pulumi.ComponentResource("fixture:index:Backup", "backup");
    const object = (token: string, name: string, inputs: Record<string, unknown>) => new KubernetesObject(token, name, inputs, { parent: backup });
    /** The generated metadata.name of an object the mocks auto-named. */
    const nameOf = (r: pulumi.CustomResource) => (r as unknown as { metadata: pulumi.Output<{ name: string }> }).metadata.apply((m) => m.name);
    const sa = object("core/v1:ServiceAccount", "backup-sa", {});
    const role = object("rbac.authorization.k8s.io/v1:Role", "backup-role", { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] });
    object("rbac.authorization.k8s.io/v1:RoleBinding", "backup-binding", {
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: nameOf(role) },
      subjects: [{ kind: "ServiceAccount", name: nameOf(sa), namespace: NS }],
    });
    const pw = object("core/v1:Secret", "backup-pw", { stringData: pulumi.secret({ password: "s3cret" }) });
    const podSpec = {
      ...backupPodSpec,
      serviceAccountName: nameOf(sa),
      containers: (backupPodSpec["containers"] as JsonObject[]).map((c) => ({ ...c, env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: nameOf(pw), key: "password" } } }] })),
    };
    object("batch/v1:CronJob", "backup-cronjob", {
      spec: { schedule: "0 3 * * *", concurrencyPolicy: "Forbid", jobTemplate: { spec: { template: { metadata: { labels: labels("backup") }, spec: podSpec } } } },
    });
    object("apps/v1:DaemonSet", "backup-agent", {
      spec: {
        selector: { matchLabels: labels("agent") },
        template: { metadata: { labels: labels("agent") }, spec: { serviceAccountName: nameOf(sa), containers: [{ name: "agent", image, ports: [{ name: "metrics", containerPort: 9100 }], resources: res("20m", "32Mi", "50m", "64Mi") }] } },
      },
    });
    object("core/v1:Service", "backup-agent-metrics", { metadata: { namespace: NS, labels: labels("agent") }, spec: { selector: labels("agent"), ports: [{ name: "metrics", port: 9100, targetPort: "metrics" }] } });
    object("monitoring.coreos.com/v1:ServiceMonitor", "backup-agent-monitor", { spec: { selector: { matchLabels: labels("agent") }, endpoints: [{ port: "metrics" }] } });
    await settle();

    const { objects, problems } = toObjects(recordedResources(registered), []);
    expect(problems).toEqual([]);
    for (const { object: o } of objects) expect(await validateObject(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    expect(crossReference(objects.map((o) => o.object)).errors).toEqual([]);
    expect(objects.map((o) => `${o.component} ${o.object.kind} ${o.object.metadata.name}`)).toContain(`backup Role backup-role-${hash8("t", "kubernetes:rbac.authorization.k8s.io/v1:Role", "backup-role")}`);
    expect(JSON.stringify(objects)).not.toContain("s3cret");

    const s = summarize({ stack: "t", project: "fixture", objects, others: [], external: [], outputs: {}, files: [], nodes: 2 });
    expect(s.workloads.map((w) => [w.workload.split(" ")[0], w.minReplicas, w.perNode])).toEqual([["DaemonSet", 2, true]]);
    expect(s.totals.atMinReplicas).toEqual({ cpuRequests: "40m", cpuLimits: "100m", memoryRequests: "64Mi", memoryLimits: "128Mi" });
    expect(s.jobs?.map((j) => [j.podsAtOnce, j.peak])).toEqual([[1, { cpuRequests: 300, cpuLimits: 500, memoryRequests: 288 * Mi, memoryLimits: 576 * Mi }]]);
  });
});

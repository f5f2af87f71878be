import { SECRET_SIG, SIG_KEY } from "@platform/components/testing";
import { describe, expect, it } from "vitest";
import { type K8sObject, REDACTED, toObjects } from "../lib/objects";
import { validateObject } from "../lib/schema";
import { cpuMillis, memoryBytes, podResources } from "../lib/summary";
import { crossReference } from "../lib/xref";

const labels = { "app.kubernetes.io/name": "notes" };

function deployment(extra: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "ns" },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: "api",
          containers: [
            {
              name: "app",
              image: "x@sha256:" + "a".repeat(64),
              ports: [{ name: "http", containerPort: 8080 }],
              env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: "pw", key: "redis-password" } } }],
              envFrom: [{ configMapRef: { name: "cfg" } }],
              readinessProbe: { httpGet: { path: "/health/ready", port: "http" } },
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
      ...extra,
    },
  } as K8sObject;
}

const service = (targetPort: string | number, selector = labels): K8sObject =>
  ({ apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: "ns" }, spec: { selector, ports: [{ name: "http", port: 8080, targetPort }] } }) as K8sObject;
const secret: K8sObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "pw", namespace: "ns" }, stringData: { "redis-password": REDACTED } } as K8sObject;
const cm: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "ns" }, data: { PORT: "8080" } } as K8sObject;
const sa: K8sObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "api", namespace: "ns" } } as K8sObject;
const good = [deployment(), service("http"), secret, cm, sa];

describe("schema and unknown-field check", () => {
  it("accepts a valid object", async () => {
    expect(await validateObject(deployment())).toEqual([]);
  });
  it("reports schema errors", async () => {
    const problems = await validateObject(deployment({ replicas: "two" }));
    expect(problems.join("\n")).toMatch(/Deployment ns\/api: schema: \/spec\/replicas must be integer/);
  });
  it("reports unknown fields, which kubernetes-models alone lets through", async () => {
    const problems = await validateObject(deployment({ replicaz: 2 }));
    expect(problems).toEqual(["Deployment ns/api: unknown field spec.replicaz (not in the apps/v1 Deployment schema)"]);
    const nested = await validateObject({ ...cm, metadata: { name: "cfg", namespace: "ns", lables: { a: "b" } } } as K8sObject);
    expect(nested).toEqual(["ConfigMap ns/cfg: unknown field metadata.lables (not in the v1 ConfigMap schema)"]);
  });
  it("reports container port names the API server refuses (over 15 characters, no letter, bad hyphens), which the schemas let through", async () => {
    const withPorts = (...names: string[]) => {
      const d = deployment() as unknown as { spec: { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } } };
      d.spec.template.spec.containers[0]!.ports = names.map((name, i) => ({ name, containerPort: 8080 + i }));
      return d as unknown as K8sObject;
    };
    expect(await validateObject(withPorts("sentinel-exp", "metrics", "a-b-c"))).toEqual([]);
    expect(await validateObject(withPorts("sentinel-metrics", "8080", "-x", "a--b", "Http"))).toEqual(
      ["sentinel-metrics", "8080", "-x", "a--b", "Http"].map((n) => `Deployment ns/api: container app port name "${n}" is not an IANA service name (at most 15 characters of a-z, 0-9 and "-", with a letter)`),
    );
  });
  it("does not flag free-form maps such as labels and ConfigMap data", async () => {
    expect(await validateObject({ ...cm, metadata: { name: "cfg", namespace: "ns", labels: { anything: "x" } } } as K8sObject)).toEqual([]);
  });
  it("validates Gateway API and cert-manager kinds", async () => {
    const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "ns" }, spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "api", port: 8080, wieght: 1 }] }] } } as K8sObject;
    expect(await validateObject(route)).toEqual(["HTTPRoute ns/r: unknown field spec.rules[0].backendRefs[0].wieght (not in the gateway.networking.k8s.io/v1 HTTPRoute schema)"]);
    const issuer = { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec: { selfSigned: {} } } as K8sObject;
    expect(await validateObject(issuer)).toEqual([]);
  });
  it("fails closed on kinds it has no schema for", async () => {
    expect(await validateObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } as K8sObject)).toEqual([
      "Widget w: no schema known for example.com/v1 Widget",
    ]);
  });
});

describe("cross-reference check", () => {
  it("passes a consistent set", () => {
    expect(crossReference(good).errors).toEqual([]);
  });
  it.each([
    ["a Service selector that matches no pod", [deployment(), service("http", { "app.kubernetes.io/name": "other" }), secret, cm, sa], /Service ns\/api: selector .* matches no pod template/],
    ["a targetPort the pods do not have", [deployment(), service("metrics"), secret, cm, sa], /targetPort "metrics" is not a container port/],
    ["a missing Secret", [deployment(), service("http"), cm, sa], /env REDIS_PASSWORD reads Secret pw, which is not in the set/],
    ["a missing Secret key", [deployment(), service("http"), { ...secret, stringData: { other: REDACTED } } as K8sObject, cm, sa], /reads key redis-password that Secret ns\/pw does not have/],
    ["a missing ConfigMap", [deployment(), service("http"), secret, sa], /envFrom ConfigMap cfg is not in the set/],
    ["a missing ServiceAccount", [deployment(), service("http"), secret, cm], /serviceAccountName api is not in the set/],
    [
      "an HPA without target",
      [...good, { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "h", namespace: "ns" }, spec: { scaleTargetRef: { kind: "Deployment", name: "nope" }, maxReplicas: 2 } } as K8sObject],
      /scaleTargetRef Deployment\/nope is not in the set/,
    ],
    [
      "a PDB selecting nothing",
      [...good, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "p", namespace: "ns" }, spec: { maxUnavailable: 1, selector: { matchLabels: { x: "y" } } } } as K8sObject],
      /PodDisruptionBudget ns\/p: selector .* matches no pod template/,
    ],
    [
      "a NetworkPolicy selecting nothing",
      [...good, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "other" }, spec: { podSelector: { matchLabels: labels } } } as K8sObject],
      /NetworkPolicy other\/n: podSelector .* matches no pod template/,
    ],
    [
      "an HTTPRoute to a missing port",
      [...good, { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "ns" }, spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRefs: [{ name: "api", port: 9090 }] }] } } as K8sObject],
      /backendRef port 9090 is not a port of Service ns\/api/,
    ],
    ["a volume mount without volume", [deployment({ template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "i", volumeMounts: [{ name: "data", mountPath: "/d" }] }] } } }), cm, sa, secret], /mounts volume data, which the pod does not define/],
  ])("reports %s", (_n, objects, msg) => {
    const { errors } = crossReference(objects as K8sObject[]);
    expect(errors.some((e) => msg.test(e)), errors.join("\n")).toBe(true);
  });
  describe("NetworkPolicy peers and ports", () => {
    const policy = (spec: Record<string, unknown>): K8sObject =>
      ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "n", namespace: "ns" }, spec: { podSelector: { matchLabels: labels }, ...spec } }) as K8sObject;
    const proxyLabels = { "app.kubernetes.io/component": "edge-proxy" };
    const gateway = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "gw", namespace: "ns" }, spec: { infrastructure: { labels: proxyLabels } } } as K8sObject;
    const fromProxies = { ingress: [{ from: [{ podSelector: { matchLabels: proxyLabels } }], ports: [{ protocol: "TCP", port: 8080 }] }] };

    it("admits pods a Gateway implementation will run, as the Gateway's infrastructure labels ask", () => {
      expect(crossReference([...good, gateway, policy(fromProxies)]).errors).toEqual([]);
    });
    it("reports a peer that selects no pod of the set, such as a label the proxy pods never get", () => {
      expect(crossReference([...good, policy(fromProxies)]).errors).toEqual([
        'NetworkPolicy ns/n: ingress rule 0 peer pods labelled {"app.kubernetes.io/component":"edge-proxy"} in namespace ns matches no pod template and no Gateway\'s infrastructure labels',
      ]);
    });
    it("reports an ingress port the selected pods do not listen on, and an egress port the peer pods do not have", () => {
      const ingress = [{ from: [{ podSelector: { matchLabels: labels } }], ports: [{ protocol: "TCP", port: 9090 }] }];
      const egress = [{ to: [{ podSelector: { matchLabels: labels } }], ports: [{ protocol: "TCP", port: 6379 }] }];
      expect(crossReference([...good, policy({ ingress, egress })]).errors).toEqual([
        "NetworkPolicy ns/n: ingress rule 0 port 9090 is not a container port of every selected pod",
        "NetworkPolicy ns/n: egress rule 0 port 6379 is not a container port of the peer pods",
      ]);
    });
    it("lists peers outside the set as provided by the cluster", () => {
      const spec = {
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: {} } }], ports: [{ protocol: "TCP", port: "http" }] }],
        egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }] }],
      };
      const r = crossReference([...good, policy(spec)]);
      expect(r.errors).toEqual([]);
      expect(r.external).toEqual([
        "every pod in namespace monitoring (ingress peer of NetworkPolicy ns/n)",
        'pods labelled {"k8s-app":"kube-dns"} in any namespace (egress peer of NetworkPolicy ns/n)',
      ]);
    });
  });

  it("lists what the cluster must provide instead of failing", () => {
    const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "r", namespace: "ns" }, spec: { parentRefs: [{ name: "shared", namespace: "infra" }], rules: [{ backendRefs: [{ name: "api", port: 8080 }] }] } } as K8sObject;
    const r = crossReference([...good, route]);
    expect(r.errors).toEqual([]);
    expect(r.external).toEqual(["Gateway infra/shared (parent of HTTPRoute ns/r)"]);
  });
});

describe("secret handling", () => {
  const wrapped = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
  it("redacts secrets in a Secret's data", () => {
    const { objects, problems } = toObjects(
      [{ type: "kubernetes:core/v1:Secret", name: "pw", custom: true, component: "redis", inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "pw" }, stringData: wrapped({ "redis-password": "s3cret" }) } }],
      ["s3cret"],
    );
    expect(problems).toEqual([]);
    expect(objects[0]?.object["stringData"]).toEqual({ "redis-password": REDACTED });
    expect(JSON.stringify(objects)).not.toContain("s3cret");
  });
  it("reports a secret that reaches a ConfigMap, wrapped or not, and never prints it", () => {
    const { objects, problems } = toObjects(
      [
        { type: "kubernetes:core/v1:ConfigMap", name: "a", custom: true, component: "app", inputs: { metadata: { name: "a" }, data: { REDIS_URL: wrapped("redis://:s3cret@h") } } },
        { type: "kubernetes:core/v1:ConfigMap", name: "b", custom: true, component: "app", inputs: { metadata: { name: "b", annotations: { pw: "s3cret" } } } },
      ],
      ["s3cret"],
    );
    expect(problems).toEqual([
      "ConfigMap a: secret value at data.REDIS_URL; secrets may only live in a Secret's data/stringData and reach pods through secretKeyRef",
      "ConfigMap b: secret value at metadata.annotations.pw; secrets may only live in a Secret's data/stringData and reach pods through secretKeyRef",
    ]);
    expect(JSON.stringify(objects)).not.toContain("s3cret");
  });
});

describe("quantities", () => {
  it("parses CPU and memory", () => {
    expect([cpuMillis("250m"), cpuMillis("1"), cpuMillis("0.5")]).toEqual([250, 1000, 500]);
    expect([memoryBytes("128Mi"), memoryBytes("1Gi"), memoryBytes("1G")]).toEqual([128 * 1024 ** 2, 1024 ** 3, 1e9]);
    expect(podResources({ containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } } }, { resources: { requests: { cpu: "50m" } } }] })).toEqual({
      cpuRequests: 150,
      cpuLimits: 1000,
      memoryRequests: 64 * 1024 ** 2,
      memoryLimits: 128 * 1024 ** 2,
    });
  });
});

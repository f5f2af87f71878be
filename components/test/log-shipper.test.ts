/** The log shipper: its collector pipeline, host access, RBAC and NetworkPolicy. */
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LogShipper, logShipperConfig, resolveLogShipperArgs } from "../log-shipper";
import { byType, one, resetRegistered, settle, setupMocks } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

const loki = { namespace: "notes", podLabels: { app: "loki" }, ports: [3100] };
const args = { namespace: "notes-logs", sourceNamespace: "notes", lokiOtlpEndpoint: "http://loki.notes.svc:3100/otlp", lokiPeer: loki };

type Config = {
  receivers: { file_log: { include: string[]; storage: string; operators: { type: string; [k: string]: unknown }[] } };
  processors: { k8s_attributes: { filter: unknown; extract: { labels: { tag_name: string; key: string }[] } } };
  exporters: { "otlphttp/loki": { endpoint: string; sending_queue: { storage: string } } };
  service: { pipelines: { logs: { receivers: string[]; processors: string[]; exporters: string[] } } };
};

describe("LogShipper", () => {
  it("refuses a Loki peer without namespace, an unpinned image and a state path that is not its own", () => {
    expect(() => resolveLogShipperArgs("s", { ...args, lokiPeer: { podLabels: { app: "loki" } } })).toThrow(/lokiPeer.*name Loki's namespace/);
    expect(() => resolveLogShipperArgs("s", { ...args, image: "otel/opentelemetry-collector-k8s" })).toThrow(/image.*pin a tag/);
    for (const bad of ["relative/dir", "/var/log", "/", "/var/lib/../log"]) expect(() => resolveLogShipperArgs("s", { ...args, stateHostPath: bad }), bad).toThrow(/stateHostPath/);
    expect(resolveLogShipperArgs("log-shipper", args).stateHostPath).toBe("/var/lib/otelcol/notes-log-shipper");
  });

  it("tails the source namespace's pod logs, parses JSON lines for level and trace ids, labels by pod, and sends to Loki from a disk queue", () => {
    const c = logShipperConfig(resolveLogShipperArgs("log-shipper", args), "http://loki.notes.svc:3100/otlp") as Config;
    expect(c.receivers.file_log.include).toEqual(["/var/log/pods/notes_*/*/*.log"]);
    expect(c.receivers.file_log.storage).toBe("file_storage");
    expect(c.receivers.file_log.operators.map((o) => o.type)).toEqual(["container", "json_parser", "move", "remove"]);
    expect(c.receivers.file_log.operators[1]).toMatchObject({ trace: { trace_id: { parse_from: "attributes.trace_id" } }, on_error: "send_quiet" });
    expect(c.processors.k8s_attributes.filter).toEqual({ node_from_env_var: "K8S_NODE_NAME", namespace: "notes" });
    expect(c.processors.k8s_attributes.extract.labels.map((l) => [l.tag_name, l.key])).toEqual([
      ["service.name", "app.kubernetes.io/name"],
      ["component", "app.kubernetes.io/component"],
    ]);
    expect(c.exporters["otlphttp/loki"]).toMatchObject({ endpoint: "http://loki.notes.svc:3100/otlp", sending_queue: { storage: "file_storage" } });
    expect(c.service.pipelines.logs).toEqual({ receivers: ["file_log"], processors: ["memory_limiter", "k8s_attributes"], exporters: ["otlphttp/loki"] });
  });

  it("a DaemonSet with /var/log/pods read-only, no capability, a Role on the source namespace's pods only, and egress to Loki", async () => {
    new LogShipper("log-shipper", { ...args, scrapers: [{ namespace: "notes", podLabels: { app: "prometheus" } }] });
    await settle();
    const pod = one("kubernetes:apps/v1:DaemonSet").inputs.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe("otel/opentelemetry-collector-k8s:0.159.0");
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(c.volumeMounts).toContainEqual({ name: "pod-logs", mountPath: "/var/log/pods", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "state", hostPath: { path: "/var/lib/otelcol/notes-log-shipper", type: "DirectoryOrCreate" } });
    expect(c.env).toEqual([{ name: "K8S_NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }]);
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    const role = one("kubernetes:rbac.authorization.k8s.io/v1:Role").inputs;
    expect(role.metadata.namespace).toBe("notes");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
    const binding = one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").inputs;
    expect(binding.subjects[0]).toMatchObject({ kind: "ServiceAccount", namespace: "notes-logs" });
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toEqual([]);
    expect(parse(one("kubernetes:core/v1:ConfigMap").inputs.data["config.yaml"])).toEqual(logShipperConfig(resolveLogShipperArgs("log-shipper", args), args.lokiOtlpEndpoint));
    const np = one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec;
    expect(np.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "notes" } }, podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 8888 }] }]);
    expect(np.egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "notes" } }, podSelector: { matchLabels: { app: "loki" } } }], ports: [{ protocol: "TCP", port: 3100 }] });
  });
});

/** kube-state-metrics: only the watched namespaces, read-only namespaced RBAC, the kinds the alerts use. */
import { beforeEach, describe, expect, it } from "vitest";
import { KSM_RESOURCES, KubeStateMetrics, kubeStateMetricsAddress, resolveKubeStateMetricsArgs } from "../kube-state-metrics";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

describe("KubeStateMetrics", () => {
  it("refuses an empty list of namespaces and an unpinned image", () => {
    expect(() => resolveKubeStateMetricsArgs("ksm", { watchNamespaces: [] })).toThrow(/argument "watchNamespaces" .*name at least one namespace/);
    expect(() => resolveKubeStateMetricsArgs("ksm", { watchNamespaces: ["notes"], image: "ksm" })).toThrow(/argument "image" is "ksm"; pin a tag or digest/);
  });

  it("reports on the watched namespaces only, with a list/watch Role in each and nothing cluster-wide", async () => {
    const ksm = new KubeStateMetrics("kube-state-metrics", { namespace: "notes", watchNamespaces: ["notes", "jobs"], clients: [{ podLabels: { app: "prometheus" } }] });
    expect(await value(ksm.address)).toBe(kubeStateMetricsAddress("kube-state-metrics", "notes"));
    await settle();
    const args = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].args as string[];
    expect(args).toContain("--namespaces=notes,jobs");
    expect(args).toContain(`--resources=${KSM_RESOURCES.join(",")}`);
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:Role").map((r) => r.inputs.metadata.namespace).sort()).toEqual(["jobs", "notes"]);
    for (const role of byType("kubernetes:rbac.authorization.k8s.io/v1:Role")) {
      for (const rule of role.inputs.rules as { verbs: string[] }[]) expect(rule.verbs).toEqual(["list", "watch"]);
    }
    expect(byType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toHaveLength(0);
    expect(one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: "prometheus" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
    ]);
  });
});

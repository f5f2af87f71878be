/**
 * The CRDs the stacks' objects need, taken from the Go modules that ship them (a module zip carries its YAML),
 * at the versions the stacks pin: the Gateway API's standard channel and cert-manager (components/cluster-addons'
 * ADDON_VERSIONS), and prometheus-operator's PodMonitor and PrometheusRule (the `prometheus: operator` mode).
 * `go mod download` fetches them once into Go's module cache.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ADDON_VERSIONS } from "@platform/components";
import { parseAllDocuments } from "yaml";
import type { KubeApi, ObjectRef } from "./kube-api";

export interface CrdSource {
  readonly module: string;
  readonly version: string;
  /** Files in the module, relative to its root. */
  readonly files: readonly string[];
}

const GATEWAY_API_STANDARD = ["gatewayclasses", "gateways", "grpcroutes", "httproutes", "referencegrants", "backendtlspolicies", "listenersets", "tlsroutes"].map(
  (r) => `config/crd/standard/gateway.networking.k8s.io_${r}.yaml`,
);

/** prometheus-operator's release whose CRDs are checked: the newest the Go module proxy serves (2026-12). */
export const PROMETHEUS_OPERATOR_VERSION = "v0.94.0";

export const CRD_SOURCES: readonly CrdSource[] = [
  { module: "sigs.k8s.io/gateway-api", version: ADDON_VERSIONS.gatewayApi, files: GATEWAY_API_STANDARD },
  {
    module: "github.com/cert-manager/cert-manager",
    version: ADDON_VERSIONS.certManager,
    files: ["acme.cert-manager.io_challenges", "acme.cert-manager.io_orders", "cert-manager.io_certificaterequests", "cert-manager.io_certificates", "cert-manager.io_clusterissuers", "cert-manager.io_issuers"].map(
      (f) => `deploy/crds/${f}.yaml`,
    ),
  },
  {
    module: "github.com/prometheus-operator/prometheus-operator",
    version: PROMETHEUS_OPERATOR_VERSION,
    files: ["monitoring.coreos.com_podmonitors", "monitoring.coreos.com_prometheusrules"].map((f) => `example/prometheus-operator-crd/${f}.yaml`),
  },
];

type Crd = ObjectRef & { spec: { names: { kind: string } } };

/** The CRD objects of every source, read from Go's module cache (downloaded when missing). */
export function loadCrds(sources: readonly CrdSource[] = CRD_SOURCES): Crd[] {
  const crds: Crd[] = [];
  for (const s of sources) {
    let dir: string;
    try {
      const info = execFileSync("go", ["mod", "download", "-json", `${s.module}@${s.version}`], { encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" }, cwd: os.tmpdir() });
      dir = (JSON.parse(info) as { Dir: string }).Dir;
    } catch (e) {
      throw new Error(`the CRDs of ${s.module}@${s.version} could not be fetched with go mod download: ${(e as { stdout?: string }).stdout ?? (e as Error).message}`);
    }
    for (const file of s.files) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
        const o = doc.toJS() as Crd | null;
        if (o?.kind === "CustomResourceDefinition") crds.push(o);
      }
    }
  }
  return crds;
}

/** Installs the CRDs (server-side apply) and waits until each is Established. */
export async function installCrds(api: KubeApi, crds: readonly Crd[]): Promise<void> {
  for (const crd of crds) await api.apply(crd);
  for (const crd of crds) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(crd);
      if (got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} is not Established after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await api.discover();
}

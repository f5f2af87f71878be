/**
 * The dev and prod renders against a real Kubernetes API server (kube-apiserver and kine, built from their Go
 * modules by tools/platform-tools.sh, started by tools/e2e/control-plane.ts): with the CRDs the stacks use, from
 * the modules that ship them, every object passes a server-side dry run: the server's decoding, defaulting,
 * OpenAPI and CEL validation and admission. The same check `npm run e2e` runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describeWithTools } from "@platform/components/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ControlPlane, binaryVersion, startControlPlane } from "../e2e/control-plane";
import { installCrds, loadCrds } from "../e2e/crds";
import { dryRunRender, readRender } from "../e2e/dry-run";
import { ApiError } from "../e2e/kube-api";
import { renderStack } from "./support/rendered";

describeWithTools(["kine", "kube-apiserver", "kube-controller-manager"], "the renders against a real API server (server-side dry run)", (bins) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "apiserver-dry-run-"));
  let cp: ControlPlane | undefined;
  const renders: Record<string, string> = {};

  beforeAll(async () => {
    for (const stack of ["dev", "prod"]) renders[stack] = renderStack(stack, path.join(dir, stack));
    cp = await startControlPlane({ kine: bins["kine"], kubeApiserver: bins["kube-apiserver"], kubeControllerManager: bins["kube-controller-manager"] }, path.join(dir, "cp"));
    await installCrds(cp.api, loadCrds());
    console.log(`apiserver-dry-run: ${binaryVersion(bins["kube-apiserver"])} ready in ${cp.startSeconds.toFixed(1)} s`);
  }, 240_000);

  afterAll(async () => {
    await cp?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("/version tells the real version", async () => {
    const version = await cp!.api.json<{ gitVersion: string; major: string; minor: string }>("GET", "/version");
    expect(version).toMatchObject({ gitVersion: "v1.37.2", major: "1", minor: "37" });
  });

  it.each(["dev", "prod"])("%s: the API server accepts every rendered object", async (stack) => {
    const results = await dryRunRender(cp!.api, renders[stack] as string);
    expect(results.length).toBe(readRender(renders[stack] as string).length);
    expect(results.filter((r) => r.error).map((r) => `${r.object}: ${r.error}`)).toEqual([]);
    // Custom resources of each CRD source were among them (the CRDs are really in use).
    const kinds = new Set(results.map((r) => r.object.split(" ")[0]));
    for (const kind of ["HTTPRoute", "Gateway", "ClusterIssuer", "Certificate"].filter((k) => stack === "dev" || k !== "Certificate")) expect(kinds.has(kind), kind).toBe(true);
  }, 120_000);

  it("refuses what the offline checks cannot see: a CEL rule of the Gateway API, and a field the server's schema rejects", async () => {
    const api = cp!.api;
    // The Gateway API's CEL rule: a PathPrefix match's value must start with "/" ... and other rules the schema
    // alone does not express; the server evaluates them on a dry run too.
    const route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "bad-route", namespace: "notes-dev" },
      spec: { parentRefs: [{ name: "notes" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/v1//x" } }] }] },
    };
    const refusal = await api.apply(route, { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).status).toBe(422);
    expect((refusal as ApiError).message).toMatch(/must not contain '\/\/'/);
    // A Deployment whose selector does not match its template's labels.
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bad-deployment", namespace: "notes-dev" },
      spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "x:1" }] } } },
    };
    await expect(api.apply(deployment, { dryRun: true })).rejects.toThrow(/selector.*does not match template .?labels/);
  }, 60_000);
});

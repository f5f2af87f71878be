import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { AppImage, resolveAppImageArgs } from "../app-image";
import { ADDON_VERSIONS, ClusterAddons, resolveClusterAddonsArgs } from "../cluster-addons";
import { byType, one, resetRegistered, secretValue, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

describe("AppImage", () => {
  it.each([
    ["neither prebuilt nor repository", {}, /set exactly one of prebuilt .* and repository/],
    ["both", { prebuilt: "a/b:1", repository: "a/b" }, /set exactly one of prebuilt/],
    ["prebuilt without tag or digest", { prebuilt: "ghcr.io/acme/notes" }, /argument "prebuilt" is "ghcr.io\/acme\/notes"; pin the image/],
    ["repository with a tag", { repository: "ghcr.io/acme/notes:1" }, /argument "repository" is "ghcr.io\/acme\/notes:1"; use a repository without tag/],
    ["unknown platform", { repository: "ghcr.io/acme/notes", platform: "windows/amd64" }, /argument "platform" is "windows\/amd64"/],
  ])("throws if %s", (_n, args, msg) => {
    expect(() => resolveAppImageArgs(args)).toThrow(msg);
  });

  it("accepts a registry with a port", () => {
    expect(resolveAppImageArgs({ repository: "localhost:5001/notes" }).imageName).toBe("localhost:5001/notes:latest");
  });

  it("builds app/ from the repository root for linux/amd64 and exposes the digest-pinned reference", async () => {
    const img = new AppImage("img", {
      repository: "ghcr.io/acme/notes",
      registry: { username: "bot", password: pulumi.secret("token") },
    });
    expect(await value(img.ref)).toBe(`ghcr.io/acme/notes@sha256:${"a".repeat(64)}`);
    await settle();
    const inputs = one("docker:index/image:Image").inputs;
    expect(inputs).toMatchObject({
      imageName: "ghcr.io/acme/notes:latest",
      build: { context: ".", dockerfile: "app/Dockerfile", platform: "linux/amd64" },
      buildOnPreview: false,
    });
    // The registry block carries the password, so it reaches the engine as a secret.
    expect(secretValue(inputs.registry)).toEqual({ server: "ghcr.io", username: "bot", password: "token" });
  });

  it("uses a prebuilt reference as is and builds nothing", async () => {
    const img = new AppImage("pre", { prebuilt: "ghcr.io/acme/notes:pr-12" });
    expect(await value(img.ref)).toBe("ghcr.io/acme/notes:pr-12");
    expect(await value(img.built)).toBe(false);
    await settle();
    expect(byType("docker:index/image:Image")).toHaveLength(0);
  });
});

describe("ClusterAddons", () => {
  it("refuses unpinned versions", () => {
    expect(() => resolveClusterAddonsArgs({ certManagerVersion: "latest" })).toThrow(/argument "certManagerVersion" is "latest"; pin an exact version/);
    expect(() => resolveClusterAddonsArgs({ nginxGatewayFabricVersion: "^2.0.0" })).toThrow(/pin an exact version/);
  });

  it("installs cert-manager and NGINX Gateway Fabric at pinned chart versions, after the Gateway API CRDs", async () => {
    const addons = new ClusterAddons("addons", {});
    expect(await value(addons.gatewayClassName)).toBe("nginx");
    await settle();
    const releases = byType("kubernetes:helm.sh/v3:Release").map((r) => r.inputs).sort((a, b) => String(a.chart).localeCompare(String(b.chart)));
    expect(releases.map((r) => [r.chart, r.version])).toEqual([
      ["cert-manager", ADDON_VERSIONS.certManager],
      ["oci://ghcr.io/nginx/charts/nginx-gateway-fabric", ADDON_VERSIONS.nginxGatewayFabric],
    ]);
    const cm = one("kubernetes:helm.sh/v3:Release", "addons-cert-manager").inputs;
    expect(cm.values.config.enableGatewayAPI).toBe(true);
    expect(cm.values.crds.enabled).toBe(true);
    const crds = one("kubernetes:yaml/v2:ConfigFile").inputs;
    expect(crds.file).toBe(`https://github.com/kubernetes-sigs/gateway-api/releases/download/${ADDON_VERSIONS.gatewayApi}/standard-install.yaml`);
    // Two proxy pods per Gateway, so a drain or a crash never takes the edge down.
    expect(one("kubernetes:helm.sh/v3:Release", "addons-nginx-gateway-fabric").inputs.values.nginx).toEqual({ replicas: 2 });
  });

  it("keeps the Gateway API CRDs on destroy: deleting a CRD deletes every Gateway and route in the cluster", async () => {
    const seen: Record<string, boolean | undefined> = {};
    const record: pulumi.ResourceTransformation = (a) => {
      seen[a.type] = a.opts.retainOnDelete;
      return undefined;
    };
    new ClusterAddons("kept", {}, { transformations: [record] });
    await settle();
    expect(seen["kubernetes:yaml/v2:ConfigFile"]).toBe(true);
    expect(seen["kubernetes:helm.sh/v3:Release"]).toBeUndefined();
  });

  it("installs nothing when both are off", async () => {
    new ClusterAddons("none", { certManager: false, gatewayApi: false });
    await settle();
    expect(byType("kubernetes:helm.sh/v3:Release")).toHaveLength(0);
    expect(byType("kubernetes:core/v1:Namespace")).toHaveLength(0);
  });
});

/** The pure spec builders of ClusterAddons, without Pulumi mocks: resolved args in, release and manifest inputs out. */
import { describe, expect, it } from "vitest";
import { ADDON_VERSIONS, resolveClusterAddonsArgs } from "../cluster-addons/args";
import {
  CERT_MANAGER_NAMESPACE,
  NGINX_GATEWAY_NAMESPACE,
  certManagerReleaseArgs,
  gatewayApiCrdsArgs,
  gatewayClassName,
  namespaceArgs,
  nginxGatewayFabricReleaseArgs,
} from "../cluster-addons/spec";

const defaults = resolveClusterAddonsArgs({});
const pinned = resolveClusterAddonsArgs({ certManagerVersion: "v1.19.0", gatewayApiVersion: "v1.4.0", nginxGatewayFabricVersion: "2.5.0" });

describe("namespaces", () => {
  it("fixed names", () => {
    expect(namespaceArgs(CERT_MANAGER_NAMESPACE)).toEqual({ metadata: { name: "cert-manager" } });
    expect(namespaceArgs(NGINX_GATEWAY_NAMESPACE)).toEqual({ metadata: { name: "nginx-gateway" } });
  });
});

describe("gatewayApiCrdsArgs", () => {
  it("the standard-install manifest of the pinned release", () => {
    expect(gatewayApiCrdsArgs(defaults)).toEqual({ file: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml" });
    expect(gatewayApiCrdsArgs(pinned)).toEqual({ file: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml" });
  });
});

describe("certManagerReleaseArgs", () => {
  it("jetstack chart at the pinned version with CRDs kept and Gateway API support on", () => {
    expect(certManagerReleaseArgs(defaults, "cert-manager-x")).toEqual({
      name: "cert-manager",
      chart: "cert-manager",
      version: "v1.20.2",
      repositoryOpts: { repo: "https://charts.jetstack.io" },
      namespace: "cert-manager-x",
      atomic: true,
      values: {
        crds: { enabled: true, keep: true },
        config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
        resources: { requests: { cpu: "10m", memory: "64Mi" } },
      },
    });
  });

  it("an overridden version", () => {
    expect(certManagerReleaseArgs(pinned, "cm").version).toBe("v1.19.0");
  });
});

describe("nginxGatewayFabricReleaseArgs", () => {
  it("the OCI chart at the pinned version, providing the nginx GatewayClass", () => {
    expect(nginxGatewayFabricReleaseArgs(defaults, "nginx-gateway-x")).toEqual({
      name: "ngf",
      chart: "oci://ghcr.io/nginx/charts/nginx-gateway-fabric",
      version: ADDON_VERSIONS.nginxGatewayFabric,
      namespace: "nginx-gateway-x",
      atomic: true,
      values: { nginxGateway: { gatewayClassName: "nginx" }, nginx: { replicas: 2 } },
    });
    expect(nginxGatewayFabricReleaseArgs(pinned, "ngf").version).toBe("2.5.0");
  });
});

describe("gatewayClassName", () => {
  it("nginx with the Gateway API installed, empty without", () => {
    expect(gatewayClassName(defaults)).toBe("nginx");
    expect(gatewayClassName(resolveClusterAddonsArgs({ gatewayApi: false }))).toBe("");
  });
});

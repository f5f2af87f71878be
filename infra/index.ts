/**
 * The Pulumi program: reads the stack's validated settings (stacks/) and
 * composes the components (components/) into the dev or prod deployment.
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AppImage,
  AppService,
  ClusterAddons,
  Edge,
  EdgeMode,
  IssuerKind,
  edgeProxyPodLabels,
  type NetworkPeer,
  Redis,
  RedisMode,
  AppendFsync,
  TlsIssuer,
  selectorLabels,
} from "@platform/components";
import { loadSecrets, loadSettings } from "@platform/stacks";

// Fails with every bad key listed before any resource is registered.
const s = loadSettings();
const secrets = loadSecrets(s);

// Paths relative to the working directory (the project root for `pulumi up` and the renderer).
const repoRoot = path.relative(process.cwd(), path.resolve(__dirname, "..")) || ".";

// Every Kubernetes object goes through the default provider (kubeconfig / `kubernetes:context`
// config), or through one that writes manifests instead of deploying when renderYamlToDirectory is set.
const renderProvider = s.renderYamlToDirectory ? new k8s.Provider("render-yaml", { renderYamlToDirectory: s.renderYamlToDirectory }) : undefined;
const providerOpts: pulumi.ComponentResourceOptions = renderProvider ? { providers: [renderProvider] } : {};

// Cluster add-ons: cert-manager, Gateway API CRDs and NGINX Gateway Fabric (on by default in dev only).
const addons =
  s.addons.certManager || s.addons.gatewayApi
    ? new ClusterAddons("addons", { certManager: s.addons.certManager, gatewayApi: s.addons.gatewayApi }, providerOpts)
    : undefined;
const afterAddons: pulumi.ResourceTransformation[] = addons
  ? [(a) => ({ props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: [addons] }) })]
  : [];

// Everything namespaced references this namespace's name, so it is created after the add-ons.
const namespace = new k8s.core.v1.Namespace(
  "namespace",
  {
    metadata: {
      name: s.namespace,
      labels: {
        "app.kubernetes.io/part-of": "node-service-platform",
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  },
  { provider: renderProvider, dependsOn: addons ? [addons] : [] },
);
const ns = namespace.metadata.name;

const apiLabels = selectorLabels(s.appName, "api");
const redisAppName = `${s.appName}-redis`;
const gatewayName = s.appName; // name of the Gateway the stack creates (gateway mode, no existing Gateway)
const createsGateway = s.edge.mode === "gateway" && s.edge.gatewayName === undefined;

// TLS issuer: self-signed CA (dev), ACME HTTP-01 (prod) or an existing ClusterIssuer.
let clusterIssuerName: pulumi.Input<string> | undefined = s.tls.clusterIssuerName;
if (s.tls.issuer !== "existing") {
  const issuer = new TlsIssuer(
    "tls",
    {
      appName: s.appName,
      kind: s.tls.issuer === "acme" ? IssuerKind.Acme : IssuerKind.SelfSigned,
      acmeEmail: s.tls.acmeEmail,
      acmeServer: s.tls.acmeServer,
      http01Gateway:
        s.edge.mode === "gateway"
          ? createsGateway
            ? { name: gatewayName, namespace: ns, sectionName: "http" }
            : { name: s.edge.gatewayName as string, namespace: s.edge.gatewayNamespace ?? ns, sectionName: s.edge.gatewayListener }
          : undefined,
      http01IngressClassName: s.edge.mode === "ingress" ? s.edge.ingressClassName : undefined,
    },
    { ...providerOpts, transformations: afterAddons },
  );
  clusterIssuerName = issuer.clusterIssuerName;
}

// The image: built from app/ (repository root as context) and pinned by digest, or prebuilt.
const image = new AppImage("image", {
  prebuilt: s.image.prebuilt,
  repository: s.image.repository,
  context: repoRoot,
  dockerfile: path.join(repoRoot, "app", "Dockerfile"),
  platform: s.image.platform,
  buildOnPreview: s.image.buildOnPreview,
  registry:
    s.image.registryUsername !== undefined && secrets.registryPassword !== undefined
      ? { server: s.image.registryServer, username: s.image.registryUsername, password: secrets.registryPassword }
      : undefined,
});

const redis = new Redis("redis", {
  namespace: ns,
  appName: redisAppName,
  mode: s.redis.mode === "sentinel" ? RedisMode.Sentinel : RedisMode.Standalone,
  replicas: s.redis.replicas,
  storageSize: s.redis.storageSize,
  storageClassName: s.redis.storageClass,
  appendFsync: s.redis.appendFsync as AppendFsync,
  maxMemoryMb: s.redis.maxMemoryMb,
  memoryLimit: s.redis.memoryLimit,
  evictionPolicy: s.redis.evictionPolicy,
  requireAntiAffinity: s.redis.requireAntiAffinity,
  clients: [{ podLabels: apiLabels }],
  prometheus: { namespace: s.observability.prometheusNamespace },
}, providerOpts);

// Who may call the service: the edge proxy pods (labelled through the created Gateway's infrastructure labels).
const edgePeers: NetworkPeer[] = createsGateway
  ? [{ namespace: s.edge.edgeProxyNamespace, podLabels: edgeProxyPodLabels(s.appName) }]
  : [{ namespace: s.edge.edgeProxyNamespace ?? s.edge.gatewayNamespace }];

const sentinel = s.redis.mode === "sentinel";
const app = new AppService("app", {
  image: image.ref,
  namespace: ns,
  appName: s.appName,
  minReplicas: s.workload.minReplicas,
  maxReplicas: s.workload.maxReplicas,
  cpuTargetPercent: s.workload.cpuTargetPercent,
  memoryTargetPercent: s.workload.memoryTargetPercent,
  scaleDownStabilizationSeconds: s.workload.scaleDownStabilizationSeconds,
  ...s.workload.resources,
  config: {
    LOG_LEVEL: s.workload.logLevel,
    RATE_LIMIT_MAX: String(s.workload.rateLimitMax),
    RATE_LIMIT_WINDOW_MS: String(s.workload.rateLimitWindowMs),
    CORS_ORIGINS: s.workload.corsOrigins,
    READINESS_REQUIRES_REDIS: String(s.workload.readinessRequiresRedis),
    TRUST_PROXY: "1",
  },
  redis: {
    url: sentinel ? undefined : redis.url,
    sentinels: sentinel ? redis.sentinels : undefined,
    sentinelMasterName: sentinel ? redis.masterName : undefined,
    passwordSecretName: redis.passwordSecretName,
    podLabels: selectorLabels(redisAppName, "redis"),
  },
  tracing: s.observability.otlpEndpoint
    ? { endpoint: s.observability.otlpEndpoint, namespace: s.observability.tracingNamespace, sampleRatio: s.observability.tracesSampleRatio }
    : undefined,
  shutdownDrainDelayMs: s.workload.shutdownDrainDelayMs,
  shutdownGraceMs: s.workload.shutdownGraceMs,
  allowFrom: edgePeers,
  prometheus: { namespace: s.observability.prometheusNamespace },
}, providerOpts);

const edge = new Edge(
  "edge",
  {
    namespace: ns,
    appName: s.appName,
    hostname: s.edge.hostname,
    serviceName: app.serviceName,
    servicePort: 8080,
    // The API only (and its docs where the stack says so): /metrics has its own port and the probes stay inside.
    pathPrefixes: ["/v1", ...(s.edge.exposeDocs ? ["/docs", "/openapi.json"] : [])],
    mode: s.edge.mode === "ingress" ? EdgeMode.Ingress : EdgeMode.Gateway,
    gateway: s.edge.gatewayName
      ? { name: s.edge.gatewayName, namespace: s.edge.gatewayNamespace, sectionName: s.edge.gatewayListener }
      : undefined,
    gatewayName,
    gatewayClassName: s.edge.gatewayClassName,
    ingressClassName: s.edge.ingressClassName,
    clusterIssuerName,
  },
  { ...providerOpts, transformations: afterAddons },
);

// Stack outputs: names and addresses only, never secret values.
export const environment = s.environment;
export const url = edge.url;
export const imageRef = image.ref;
export const namespaceName = ns;
export const serviceName = app.serviceName;
export const redisHost = redis.host;
export const redisSentinels = redis.sentinels;
export const redisPasswordSecretName = redis.passwordSecretName;
export const tlsSecretName = edge.tlsSecretName;
export const tlsClusterIssuer = pulumi.output(clusterIssuerName ?? "");

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { oneUnavailableBudget, recommendedLabels } from "../lib/k8s";
import { type AppServiceArgs, resolveAppServiceArgs } from "./args";
import { configChecksum, configMapData, deploymentSpec, hpaSpec, networkPolicySpec, podSelector, secretEnv, serviceSpec } from "./spec";

export * from "./args";

/**
 * The Node service on Kubernetes: Deployment, Service, HPA, PDB, ServiceAccount,
 * NetworkPolicy and the ConfigMap of its non-secret settings.
 */
export class AppService extends pulumi.ComponentResource {
  /** Name of the Deployment. */
  readonly deploymentName: pulumi.Output<string>;
  /** Name of the Service (port `http`). */
  readonly serviceName: pulumi.Output<string>;
  /** Service port. */
  readonly port: pulumi.Output<number>;
  /** Name of the ConfigMap holding the non-secret settings. */
  readonly configMapName: pulumi.Output<string>;
  /** Name of the ServiceAccount. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** Labels selecting the service's pods. */
  readonly podLabels: pulumi.Output<Record<string, string>>;
  /** Whether an HPA owns the replica count. */
  readonly autoscaled: pulumi.Output<boolean>;
  /**
   * Name of the Deployment, and of the HPA when there is one: the appName, fixed so alerts and dashboards
   * can name them (kube-state-metrics labels). Plain values, known when the component is constructed.
   */
  readonly workloadName: string;
  readonly hpaName: string | undefined;
  /** Labels selecting the service's pods, as a plain value (podLabels is the same as an output). */
  readonly podSelector: Record<string, string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:AppService", name, {}, opts);
    const r = resolveAppServiceArgs(name, args);
    const labels = recommendedLabels(r.appName, "api", name, args.version);
    const meta = { namespace: args.namespace, labels };
    const podLabels = { ...args.podLabels, ...labels };
    const child = { parent: this };

    const configData = pulumi.output(configMapData(r, args));
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta, data: configData }, child);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta, automountServiceAccountToken: false }, child);
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { ...meta, name: r.appName },
        spec: deploymentSpec(r, {
          image: args.image,
          labels: podLabels,
          configMapName: configMap.metadata.name,
          checksum: configData.apply(configChecksum),
          serviceAccountName: serviceAccount.metadata.name,
          env: secretEnv(r, args),
        }),
      },
      child,
    );
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta, spec: serviceSpec(r) }, child);
    if (r.autoscale) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, { metadata: { ...meta, name: r.appName }, spec: hpaSpec(r, deployment.metadata.name) }, child);
    }
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: meta, spec: oneUnavailableBudget(podSelector(r)) }, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, args) }, child);

    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.port = pulumi.output(r.port);
    this.configMapName = configMap.metadata.name;
    this.serviceAccountName = serviceAccount.metadata.name;
    this.podLabels = pulumi.output(podSelector(r));
    this.autoscaled = pulumi.output(r.autoscale);
    this.workloadName = r.appName;
    this.hpaName = r.autoscale ? r.appName : undefined;
    this.podSelector = podSelector(r);
    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      port: this.port,
      configMapName: this.configMapName,
      serviceAccountName: this.serviceAccountName,
      podLabels: this.podLabels,
      autoscaled: this.autoscaled,
    });
  }
}

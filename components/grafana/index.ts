import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { recommendedLabels, selectorLabels, serviceAddress } from "../lib/k8s";
import { GRAFANA_PORT, type GrafanaArgs, resolveGrafanaArgs } from "./args";
import { ADMIN_PASSWORD_KEY, dashboardProviderFile, datasourcesFile, deploymentSpec, networkPolicySpec, serviceSpec } from "./spec";

export * from "./args";
export { dashboards, type DashboardsInput, type DashboardJson } from "./dashboards";

/**
 * Grafana with its datasources and dashboards provisioned as code (read-only in the UI), an admin password from
 * @pulumi/random kept in a Secret, anonymous access and sign-up off; internal unless given clients.
 */
export class Grafana extends pulumi.ComponentResource {
  /** In-cluster URL of the UI. */
  readonly url: pulumi.Output<string>;
  /** The UI's Service and port, for an edge route (Edge subPathServices). */
  readonly serviceName: pulumi.Output<string>;
  readonly port: number = GRAFANA_PORT;
  /** The public URL when published through the edge (args.publicUrl), else empty. */
  readonly publicUrl: pulumi.Output<string>;
  /** Secret holding the admin password (key `admin-password`). */
  readonly adminPasswordSecretName: pulumi.Output<string>;
  /** The admin password, as a Pulumi secret. */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:observability:Grafana", name, {}, opts);
    const r = resolveGrafanaArgs(name, args);
    const selector = selectorLabels(r.appName, "grafana");
    const labels = recommendedLabels(r.appName, "grafana", name, r.image.split(":").pop());
    const meta = { namespace: args.namespace, labels };
    const child = { parent: this };

    const password = pulumi.secret(args.adminPassword ?? new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, child).result);
    const secret = new k8s.core.v1.Secret(
      `${name}-admin`,
      { metadata: meta, type: "Opaque", stringData: { [ADMIN_PASSWORD_KEY]: password } },
      { ...child, additionalSecretOutputs: ["data", "stringData"] },
    );
    const datasourcesYaml = datasourcesFile(args).apply((d) => stringify(d));
    const providersYaml = stringify(dashboardProviderFile());
    const dashboardFiles = Object.fromEntries(r.dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 2)]));
    const datasources = new k8s.core.v1.ConfigMap(`${name}-datasources`, { metadata: meta, data: { "datasources.yaml": datasourcesYaml } }, child);
    const providers = new k8s.core.v1.ConfigMap(`${name}-providers`, { metadata: meta, data: { "dashboards.yaml": providersYaml } }, child);
    const dashboardsMap = new k8s.core.v1.ConfigMap(`${name}-dashboards`, { metadata: meta, data: dashboardFiles }, child);
    const checksum = datasourcesYaml.apply((ds) => crypto.createHash("sha256").update(ds).update(providersYaml).update(JSON.stringify(dashboardFiles)).digest("hex"));
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: deploymentSpec(r, {
          passwordSecretName: secret.metadata.name,
          datasourcesConfigMapName: datasources.metadata.name,
          providersConfigMapName: providers.metadata.name,
          dashboardsConfigMapName: dashboardsMap.metadata.name,
          checksum,
          selector,
          podLabels: labels,
        }),
      },
      child,
    );
    const service = new k8s.core.v1.Service(`${name}-service`, { metadata: meta, spec: serviceSpec(selector) }, child);
    new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, { metadata: meta, spec: networkPolicySpec(r, args, selector) }, child);

    this.url = pulumi.interpolate`http://${serviceAddress(service.metadata.name, args.namespace, GRAFANA_PORT)}`;
    this.serviceName = service.metadata.name;
    this.publicUrl = pulumi.output(r.publicUrl ?? "");
    this.adminPasswordSecretName = secret.metadata.name;
    this.adminPassword = password;
    this.registerOutputs({ url: this.url, serviceName: this.serviceName, publicUrl: this.publicUrl, adminPasswordSecretName: this.adminPasswordSecretName, adminPassword: this.adminPassword });
  }
}

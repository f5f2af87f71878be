/** Grafana's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory } from "../lib/validate";
import type { DashboardJson } from "./dashboards";

const COMPONENT = "Grafana";

/** Official image, pinned. */
export const GRAFANA_IMAGE = "grafana/grafana:13.2.3";
export const GRAFANA_PORT = 3000;
/** The datasource uids the dashboards refer to. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
export const ALERTMANAGER_DATASOURCE_UID = "alertmanager";
export const LOKI_DATASOURCE_UID = "loki";
export const JAEGER_DATASOURCE_UID = "jaeger";

export interface GrafanaArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod. @default the component name */
  readonly appName?: string;
  /** Image. @default GRAFANA_IMAGE */
  readonly image?: string;
  /** Prometheus' URL, e.g. http://prometheus.notes.svc:9090. Required (no default). */
  readonly prometheusUrl: pulumi.Input<string>;
  /** Prometheus' pods, for the egress rule (port 9090). Required (no default). */
  readonly prometheusPeer: NetworkPeer;
  /** Alertmanager's URL, for its datasource. @default unset: no Alertmanager datasource */
  readonly alertmanagerUrl?: pulumi.Input<string>;
  /** Alertmanager's pods, for the egress rule (port 9093). @default unset */
  readonly alertmanagerPeer?: NetworkPeer;
  /**
   * Loki's URL, e.g. http://loki.notes.svc:3100: adds its datasource (uid "loki"). With Jaeger too, a log line's
   * `trace_id` (structured metadata) links to its trace, and a span to its service's log lines. @default unset
   */
  readonly lokiUrl?: pulumi.Input<string>;
  /** Loki's pods, for the egress rule (port 3100). @default unset */
  readonly lokiPeer?: NetworkPeer;
  /** Jaeger's query URL, e.g. http://jaeger.notes.svc:16686: adds its datasource (uid "jaeger"). @default unset */
  readonly jaegerUrl?: pulumi.Input<string>;
  /** Jaeger's pods, for the egress rule (port 16686). @default unset */
  readonly jaegerPeer?: NetworkPeer;
  /** Dashboards to provision (see dashboards.ts), read-only in the UI. @default [] */
  readonly dashboards?: DashboardJson[];
  /**
   * Public URL when Grafana is published through the edge, e.g. https://notes.example.com/grafana/: Grafana then
   * serves from that URL's path and sends its session cookie over TLS only. Set `clients` to the edge's proxies
   * too. @default unset: internal only, reached with kubectl port-forward
   */
  readonly publicUrl?: string;
  /** Who may open the UI (3000): an edge proxy, or nobody (kubectl port-forward). @default [] */
  readonly clients?: NetworkPeer[];
  /** CPU request. @default "20m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "500m" */
  readonly cpuLimit?: string;
  /** Memory request and limit. @default "192Mi" */
  readonly memory?: string;
  /** The admin password, when it comes from elsewhere (a Pulumi secret). @default a generated 32-character one (@pulumi/random) */
  readonly adminPassword?: pulumi.Input<string>;
}

export interface ResolvedGrafanaArgs {
  readonly appName: string;
  readonly image: string;
  readonly dashboards: DashboardJson[];
  readonly clients: NetworkPeer[];
  /** The public URL, ending in "/", when published. */
  readonly publicUrl: string | undefined;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** An https URL without query or fragment, normalised to end in "/" (Grafana's root_url form). */
function checkPublicUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== "https:" || parsed.search || parsed.hash || parsed.username) {
    throw new ArgumentError(COMPONENT, "publicUrl", url, "use the https URL Grafana is published at, e.g. https://notes.example.com/grafana/.");
  }
  return parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
}

/** Pure: validates the args and resolves every default. */
export function resolveGrafanaArgs(name: string, args: GrafanaArgs): ResolvedGrafanaArgs {
  const image = args.image ?? GRAFANA_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. grafana/grafana:13.2.3.");
  const uids = (args.dashboards ?? []).map((d) => d.uid);
  if (new Set(uids).size !== uids.length) throw new ArgumentError(COMPONENT, "dashboards", uids, "give every dashboard its own uid.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    publicUrl: args.publicUrl === undefined ? undefined : checkPublicUrl(args.publicUrl),
    dashboards: args.dashboards ?? [],
    clients: args.clients ?? [],
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "20m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "500m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "192Mi"),
  };
}

/** The Grafana pods, as a peer (known before the component exists): Prometheus and Alertmanager admit it. */
export function grafanaPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "grafana") };
}

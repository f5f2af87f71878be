/** Alertmanager's arguments, their defaults and their validation. */
import type * as pulumi from "@pulumi/pulumi";
import { type NetworkPeer, selectorLabels } from "../lib/k8s";
import { ArgumentError, checkCpu, checkDnsLabel, checkMemory, checkOneOf } from "../lib/validate";

const COMPONENT = "Alertmanager";

/** Official image, pinned; amtool at the same version checks the rendered configuration (tools/platform-tools.json). */
export const ALERTMANAGER_IMAGE = "prom/alertmanager:v0.35.0";

export enum ReceiverKind {
  /** Alerts are evaluated and shown in Alertmanager's UI, but sent nowhere. */
  None = "none",
  /** An HTTP endpoint receiving Alertmanager's webhook JSON (PagerDuty, Opsgenie and most tools accept it). */
  Webhook = "webhook",
  /** A Slack incoming webhook. */
  Slack = "slack",
}

export interface AlertmanagerArgs {
  /** Namespace of every object. @default the Kubernetes provider's namespace */
  readonly namespace?: pulumi.Input<string>;
  /** `app.kubernetes.io/name` of the pod. @default the component name */
  readonly appName?: string;
  /** Image. @default ALERTMANAGER_IMAGE */
  readonly image?: string;
  /** Where notifications go. @default ReceiverKind.None */
  readonly receiver?: ReceiverKind;
  /** The receiver's URL, kept in a Secret (a Pulumi secret in, never in a ConfigMap). Required unless receiver is None. */
  readonly receiverUrl?: pulumi.Input<string>;
  /** Slack channel, for ReceiverKind.Slack. @default unset: the webhook's own channel */
  readonly slackChannel?: string;
  /** Who may send alerts and open the UI (9093): Prometheus, Grafana. @default [] */
  readonly clients?: NetworkPeer[];
  /** CPU request. @default "10m" */
  readonly cpuRequest?: string;
  /** CPU limit. @default "200m" */
  readonly cpuLimit?: string;
  /** Memory request and limit. @default "64Mi" */
  readonly memory?: string;
}

export interface ResolvedAlertmanagerArgs {
  readonly appName: string;
  readonly image: string;
  readonly receiver: ReceiverKind;
  readonly slackChannel?: string;
  readonly clients: NetworkPeer[];
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/** Pure: validates the args and resolves every default. */
export function resolveAlertmanagerArgs(name: string, args: AlertmanagerArgs): ResolvedAlertmanagerArgs {
  const receiver = checkOneOf(COMPONENT, "receiver", args.receiver ?? ReceiverKind.None, [ReceiverKind.None, ReceiverKind.Webhook, ReceiverKind.Slack]);
  if (receiver !== ReceiverKind.None && args.receiverUrl === undefined) {
    throw new ArgumentError(COMPONENT, "receiverUrl", undefined, `is required for receiver "${receiver}": pass the URL as a Pulumi secret.`);
  }
  if (args.slackChannel !== undefined && !/^#[a-z0-9_-]{1,80}$/.test(args.slackChannel)) {
    throw new ArgumentError(COMPONENT, "slackChannel", args.slackChannel, 'use a channel such as "#alerts".');
  }
  const image = args.image ?? ALERTMANAGER_IMAGE;
  if (!/[:@]/.test(image.split("/").pop() ?? "")) throw new ArgumentError(COMPONENT, "image", image, "pin a tag or digest, e.g. prom/alertmanager:v0.35.0.");
  return {
    appName: checkDnsLabel(COMPONENT, "appName", args.appName ?? name),
    image,
    receiver,
    slackChannel: args.slackChannel,
    clients: args.clients ?? [],
    cpuRequest: checkCpu(COMPONENT, "cpuRequest", args.cpuRequest ?? "10m"),
    cpuLimit: checkCpu(COMPONENT, "cpuLimit", args.cpuLimit ?? "200m"),
    memory: checkMemory(COMPONENT, "memory", args.memory ?? "64Mi"),
  };
}

/** host:port of the Service (named after the app, so it is known before the component exists). */
export function alertmanagerAddress(name: string, namespace: string, appName?: string): string {
  return `${appName ?? name}.${namespace}.svc:9093`;
}

/** The Alertmanager pods, as a peer (known before the component exists): Prometheus' egress goes to them. */
export function alertmanagerPeer(name: string, appName?: string): NetworkPeer {
  return { podLabels: selectorLabels(appName ?? name, "alertmanager") };
}

/** Alertmanager: routing by severity, inhibition, the receiver's URL only in a Secret, and — with the real amtool — a valid configuration. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { Alertmanager, ReceiverKind, alertmanagerAddress, resolveAlertmanagerArgs } from "../alertmanager";
import { RECEIVER_URL_FILE, alertmanagerConfig, networkPolicySpec } from "../alertmanager/spec";
import { itWithTool, platformTool } from "../testing";
import { byType, one, resetRegistered, settle, setupMocks, value } from "./mocks";

setupMocks();
beforeEach(resetRegistered);

describe("resolveAlertmanagerArgs", () => {
  it.each([
    ["a receiver without URL", { receiver: ReceiverKind.Webhook }, /argument "receiverUrl" is undefined; is required for receiver "webhook"/],
    ["a bad Slack channel", { receiver: ReceiverKind.Slack, receiverUrl: "https://hooks.slack.com/x", slackChannel: "alerts" }, /argument "slackChannel" is "alerts"/],
    ["an unknown receiver", { receiver: "email" as ReceiverKind }, /argument "receiver" is "email"/],
  ])("throws if %s", (_n, args, msg) => {
    expect(() => resolveAlertmanagerArgs("alertmanager", args)).toThrow(msg);
  });
});

describe("alertmanagerConfig", () => {
  const config = (receiver: ReceiverKind) =>
    alertmanagerConfig(resolveAlertmanagerArgs("alertmanager", { receiver, receiverUrl: "https://example.com/hook", slackChannel: "#alerts" })) as {
      route: { routes: { receiver: string; matchers: string[] }[] };
      receivers: { name: string; webhook_configs?: { url_file: string }[]; slack_configs?: { api_url_file: string; channel: string }[] }[];
      inhibit_rules: unknown[];
    };

  it("pages on critical and tickets on warning, and a fast SLO burn silences the slow one of the same SLO", () => {
    const c = config(ReceiverKind.Webhook);
    expect(c.route.routes.map((r) => [r.matchers, r.receiver])).toEqual([
      [['severity="critical"'], "page"],
      [['severity="warning"'], "ticket"],
    ]);
    expect(c.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"', 'slo=~".+"'], target_matchers: ['severity="warning"', 'slo=~".+"'], equal: ["namespace", "slo"] },
    ]);
  });

  it("reads the receiver's URL from the mounted Secret, never from the configuration", () => {
    expect(config(ReceiverKind.Webhook).receivers[0]?.webhook_configs).toEqual([{ url_file: RECEIVER_URL_FILE, send_resolved: true }]);
    expect(config(ReceiverKind.Slack).receivers[0]?.slack_configs?.[0]).toMatchObject({ api_url_file: RECEIVER_URL_FILE, channel: "#alerts" });
    expect(JSON.stringify(config(ReceiverKind.Slack))).not.toContain("example.com");
    expect(config(ReceiverKind.None).receivers).toEqual([{ name: "page" }, { name: "ticket" }]);
  });

  it("reaches outside the cluster (HTTPS) only when it has a receiver", () => {
    const egress = (receiver: ReceiverKind) => networkPolicySpec(resolveAlertmanagerArgs("am", { receiver, receiverUrl: "https://x" }), { app: "am" }).egress;
    expect(egress(ReceiverKind.None) as unknown[]).toHaveLength(1);
    expect((egress(ReceiverKind.Webhook) as unknown[])[1]).toEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
  });

  itWithTool("amtool", "amtool check-config accepts the configuration of every receiver kind", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-"));
    try {
      for (const receiver of [ReceiverKind.None, ReceiverKind.Webhook, ReceiverKind.Slack]) {
        const file = path.join(dir, `${receiver}.yml`);
        fs.writeFileSync(file, stringify(config(receiver)));
        const out = execFileSync(platformTool("amtool") as string, ["check-config", file], { encoding: "utf8" });
        expect(out, receiver).toMatch(/SUCCESS/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Alertmanager", () => {
  it("keeps the receiver's URL in a Secret as a Pulumi secret, and its Service at the address Prometheus is given", async () => {
    const am = new Alertmanager("alertmanager", { namespace: "notes", receiver: ReceiverKind.Webhook, receiverUrl: pulumi.secret("https://example.com/hook") });
    expect(await value(am.address)).toBe(alertmanagerAddress("alertmanager", "notes"));
    await settle();
    const secret = one("kubernetes:core/v1:Secret").inputs;
    expect(secret.type).toBe("Opaque");
    const cm = one("kubernetes:core/v1:ConfigMap").inputs;
    expect(JSON.stringify(cm)).not.toContain("example.com");
    const pod = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({ name: "receiver", secret: { secretName: expect.stringMatching(/^alertmanager-receiver/), defaultMode: 0o400 } });
  });

  it("creates no Secret without a receiver", async () => {
    new Alertmanager("alertmanager", { namespace: "notes" });
    await settle();
    expect(byType("kubernetes:core/v1:Secret")).toHaveLength(0);
  });
});

/**
 * The rendered Prometheus configuration, checked by the real promtool at the deployed version: the file as rendered
 * for both stacks (`promtool check config` accepts Kubernetes discovery without a cluster), and its rules.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { itWithTool, platformTool } from "@platform/components/testing";
import { afterAll, describe, expect } from "vitest";
import { renderStack, renderedConfigMapData } from "./support/rendered";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prometheus-config-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Renders a stack and copies its Prometheus configuration and rules into dir, where the config's rule_files glob finds them. */
function renderedPrometheus(stack: string): string {
  const out = renderStack(stack, path.join(tmp, `${stack}-render`));
  const data = (role: string) => renderedConfigMapData(out, "prometheus", role);
  const dir = path.join(tmp, stack);
  fs.mkdirSync(path.join(dir, "rules"), { recursive: true });
  // The pod's paths, moved under dir: /etc/prometheus/rules/*.yaml becomes dir/rules/*.yaml, and the service
  // account's token and CA (which promtool checks exist) become stand-in files.
  fs.mkdirSync(path.join(dir, "sa"), { recursive: true });
  for (const f of ["token", "ca.crt"]) fs.writeFileSync(path.join(dir, "sa", f), "stand-in\n");
  const config = (data("config")["prometheus.yml"] as string)
    .replace("/etc/prometheus/rules/", `${dir}/rules/`)
    .replaceAll("/var/run/secrets/kubernetes.io/serviceaccount/", `${dir}/sa/`);
  fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
  fs.writeFileSync(path.join(dir, "rules", "rules.yaml"), data("rules")["rules.yaml"] as string);
  return dir;
}

describe("the rendered Prometheus configuration", () => {
  for (const stack of ["dev", "prod"]) {
    itWithTool("promtool", `${stack}: promtool check config accepts it and its rule files`, () => {
      const dir = renderedPrometheus(stack);
      const out = execFileSync(platformTool("promtool") as string, ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
      expect(out).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    }, 60_000);
  }
});

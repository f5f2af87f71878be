/** Renders a stack with the real CLI, and reads what the tests need back from the written objects. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Renders `stack` into `out` (`npm run render` as a user runs it); throws with the CLI's output when it fails. */
export function renderStack(stack: string, out: string): string {
  const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["tools/render.ts", "--stack", stack, "--out", out], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`render of ${stack} failed:\n${run.stdout}${run.stderr}`);
  return out;
}

/** The data of the rendered ConfigMap `<component>-<role>` (e.g. prometheus, rules) in the render at `out`. */
export function renderedConfigMapData(out: string, component: string, role: string): Record<string, string> {
  const dir = path.join(out, component);
  const file = fs.readdirSync(dir).find((f) => f.startsWith("configmap-") && f.includes(`-${component}-${role}-`));
  if (!file) throw new Error(`no ${component}-${role} ConfigMap in the render at ${out}`);
  return (parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))[0]?.toJS() as { data: Record<string, string> }).data;
}

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RenderError, loadStackConfig } from "../lib/config";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "render-config-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
fs.writeFileSync(
  path.join(root, "Pulumi.yaml"),
  "name: proj\nruntime: nodejs\nconfig:\n  appName:\n    type: string\n    default: notes\n  maxReplicas:\n    type: integer\n    default: 3\n",
);

describe("loadStackConfig", () => {
  it("applies Pulumi.yaml defaults, namespaces keys, encodes values like the engine, and stands in for secure values", () => {
    fs.writeFileSync(
      path.join(root, "Pulumi.s.yaml"),
      "config:\n  proj:maxReplicas: 5\n  minReplicas: 2\n  proj:registryPassword:\n    secure: AAABAJ0x\n  kubernetes:context: kind-notes\n  proj:tags: [a, b]\n",
    );
    const c = loadStackConfig(root, "s");
    expect(c.project).toBe("proj");
    expect(c.values).toMatchObject({
      "proj:appName": "notes",
      "proj:maxReplicas": "5",
      "proj:minReplicas": "2",
      "kubernetes:context": "kind-notes",
      "proj:tags": '["a","b"]',
    });
    expect(c.secretKeys).toEqual(["proj:registryPassword"]);
    expect(c.values["proj:registryPassword"]).toBe(c.secretPlaceholders[0]);
    expect(c.values["proj:registryPassword"]).not.toContain("AAABAJ0x");
  });

  it("fails clearly on a missing or broken stack file", () => {
    expect(() => loadStackConfig(root, "nope")).toThrow(new RenderError("no stack config file Pulumi.nope.yaml (stacks have a Pulumi.<stack>.yaml)", 1));
    fs.writeFileSync(path.join(root, "Pulumi.bad.yaml"), "config: [\n");
    expect(() => loadStackConfig(root, "bad")).toThrow(/cannot parse .*Pulumi\.bad\.yaml/);
  });
});

import { readFileSync, readdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_DIR } from "./support/dockerfile";

/** Package names that src/ imports or requires (node: built-ins and relative paths excluded). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const name of importedPackages(path)) names.add(name);
      continue;
    }
    if (!entry.name.endsWith(".ts")) continue;
    const source = readFileSync(path, "utf8");
    // Type-only imports vanish at build time; everything else must resolve in the image.
    for (const match of source.matchAll(/^import (?!type )[^;]*? from "([^"]+)"|require\("([^"]+)"\)/gm)) {
      const specifier = match[1] ?? match[2] ?? "";
      if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
      const parts = specifier.split("/");
      names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier));
    }
  }
  return names;
}

describe("app/package.json", () => {
  it("declares every package src/ loads at run time (a hoisted transitive copy is not a promise)", () => {
    const manifest = JSON.parse(readFileSync(join(APP_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const undeclared = [...importedPackages(join(APP_DIR, "src"))].filter((name) => !(name in manifest.dependencies));
    expect(undeclared).toEqual([]);
  });
});

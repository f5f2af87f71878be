/** Reads Pulumi.yaml and a stack's config file the way the Pulumi CLI hands them to a program. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export class RenderError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "RenderError";
  }
}

export interface StackConfig {
  readonly project: string;
  /** Full keys (`project:key`) → string values, as the engine passes them (objects JSON-encoded). */
  readonly values: Record<string, string>;
  /** Full keys whose values are secrets. */
  readonly secretKeys: string[];
  /** Placeholders standing in for `secure:` values, which cannot be decrypted here. */
  readonly secretPlaceholders: string[];
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new RenderError(`${what} must be a mapping`, 1);
  return v as Record<string, unknown>;
}

export function readProject(root: string): { name: string; config: Record<string, unknown> } {
  const file = path.join(root, "Pulumi.yaml");
  if (!fs.existsSync(file)) throw new RenderError(`no Pulumi.yaml in ${root}`, 2);
  const doc = asRecord(parse(fs.readFileSync(file, "utf8")), "Pulumi.yaml");
  if (typeof doc["name"] !== "string") throw new RenderError("Pulumi.yaml has no project name", 2);
  return { name: doc["name"], config: asRecord(doc["config"], "Pulumi.yaml config") };
}

/** Loads the stack's config: project-level defaults from Pulumi.yaml, then Pulumi.<stack>.yaml (or `file`). */
export function loadStackConfig(root: string, stack: string, file?: string): StackConfig {
  const project = readProject(root);
  const stackFile = file ?? path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new RenderError(`no stack config file ${path.relative(root, stackFile) || stackFile} (stacks have a Pulumi.<stack>.yaml)`, 1);
  let doc: Record<string, unknown>;
  try {
    doc = asRecord(parse(fs.readFileSync(stackFile, "utf8")), stackFile);
  } catch (e) {
    throw new RenderError(`cannot parse ${stackFile}: ${(e as Error).message}`, 1);
  }
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const secretPlaceholders: string[] = [];
  const full = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const encode = (key: string, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
      // A URL, so secrets that must be URLs (alertReceiverUrl) pass their schema too; never a real address (.invalid).
      const placeholder = `https://render-secret-placeholder.invalid/${key.replace(/[^A-Za-z0-9]/g, "-")}`;
      secretKeys.push(key);
      secretPlaceholders.push(placeholder);
      values[key] = placeholder;
      return;
    }
    values[key] = typeof v === "string" ? v : JSON.stringify(v);
  };
  // Project-level config declared in Pulumi.yaml: `key: { type, default, ... }` (or a bare default value).
  for (const [key, decl] of Object.entries(project.config)) {
    const d = decl !== null && typeof decl === "object" && !Array.isArray(decl) ? (decl as Record<string, unknown>) : { default: decl };
    if (d["default"] !== undefined) encode(full(key), d["default"]);
  }
  for (const [key, v] of Object.entries(asRecord(doc["config"], `${stackFile} config`))) encode(full(key), v);
  return { project: project.name, values, secretKeys, secretPlaceholders };
}

/**
 * Server-side dry run of a render (`npm run render` output): every object goes through the real API server's
 * decoding, defaulting, validation (OpenAPI schemas, and the CEL rules of the Gateway API and cert-manager CRDs)
 * and admission with `dryRun=All`, and nothing is stored. The namespaces are created for real first: admission
 * refuses objects in a namespace that does not exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { ApiError, type KubeApi, type ObjectRef } from "./kube-api";

export interface DryRunResult {
  readonly file: string;
  readonly object: string;
  /** The API server's refusal, when it refused. */
  readonly error?: string;
}

/** Every object of a render directory, with its file (relative to the directory). */
export function readRender(dir: string): { file: string; object: ObjectRef & Record<string, unknown> }[] {
  const out: { file: string; object: ObjectRef & Record<string, unknown> }[] = [];
  for (const component of fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const f of fs.readdirSync(path.join(dir, component.name)).filter((n) => n.endsWith(".yaml")).sort()) {
      const file = `${component.name}/${f}`;
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
        const o = doc.toJS() as (ObjectRef & Record<string, unknown>) | null;
        if (o?.kind) out.push({ file, object: o });
      }
    }
  }
  return out;
}

export const describeRef = (o: ObjectRef): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Applies the render's namespaces, then dry-runs every other object; one result per object. */
export async function dryRunRender(api: KubeApi, dir: string): Promise<DryRunResult[]> {
  const objects = readRender(dir);
  if (objects.length === 0) throw new Error(`no rendered objects in ${dir}`);
  const results: DryRunResult[] = [];
  const attempt = async (file: string, object: ObjectRef, dryRun: boolean) => {
    try {
      await api.apply(object, { dryRun });
      results.push({ file, object: describeRef(object) });
    } catch (e) {
      const message = e instanceof ApiError ? `${e.status} ${e.reason}: ${e.message}` : (e as Error).message;
      results.push({ file, object: describeRef(object), error: message });
    }
  };
  for (const { file, object } of objects.filter((o) => o.object.kind === "Namespace")) await attempt(file, object, false);
  for (const { file, object } of objects.filter((o) => o.object.kind !== "Namespace")) await attempt(file, object, true);
  return results;
}

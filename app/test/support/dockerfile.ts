import { readFileSync } from "node:fs";
import { join } from "node:path";

export const APP_DIR = join(__dirname, "..", "..");
export const REPO_ROOT = join(APP_DIR, "..");

export interface Dockerfile {
  /** Every instruction on one line (continuations joined), without comments or blank lines. */
  readonly instructions: string[];
  /** The FROM lines, one per stage. */
  readonly stages: string[];
  /** Instructions before the last FROM. */
  readonly buildStage: string[];
  /** The last FROM and what follows it: what the image runs. */
  readonly runtimeStage: string[];
  /** First element of the runtime stage's exec-form CMD. */
  readonly entry: string;
}

/** app/Dockerfile as the tests read it: no Docker engine here, so they check and replay its instructions. */
export function readDockerfile(file = join(APP_DIR, "Dockerfile")): Dockerfile {
  const instructions = readFileSync(file, "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const runtimeStart = instructions.findLastIndex((line) => line.startsWith("FROM "));
  const runtimeStage = instructions.slice(runtimeStart);
  const command = runtimeStage.find((line) => line.startsWith("CMD "));
  return {
    instructions,
    stages: instructions.filter((line) => line.startsWith("FROM ")),
    buildStage: instructions.slice(0, runtimeStart),
    runtimeStage,
    entry: (JSON.parse(command?.slice(4) ?? "[]") as string[])[0] ?? "",
  };
}

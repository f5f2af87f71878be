import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LogLine } from "./log-capture";

export const SERVER_ENTRY = join(__dirname, "..", "..", "dist", "server.js");

/** Builds the service (`npm run build --workspace app`) unless SERVER_ENTRY is there already: for suites outside app/. */
export function ensureServiceBuilt(): void {
  if (!existsSync(SERVER_ENTRY)) execFileSync("npm", ["run", "build", "--workspace", "app"], { cwd: join(__dirname, "..", "..", ".."), stdio: "ignore" });
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Entry point, relative to `cwd` or absolute. @default SERVER_ENTRY */
  readonly entry?: string;
  /** Working directory. @default this process's */
  readonly cwd?: string;
  /** Run as this user and group id (needs root). @default this process's */
  readonly uid?: number;
  readonly gid?: number;
}

/** Runs the built service (`node dist/server.js`, as the image does) and waits until it listens. */
export async function startService(env: Record<string, string>, options: StartOptions = {}): Promise<ServiceProcess> {
  const entry = options.entry ?? SERVER_ENTRY;
  if (!existsSync(join(options.cwd ?? "", entry))) throw new Error(`${entry} is missing: run "npm run build --workspace app" first`);
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", SHUTDOWN_DRAIN_DELAY_MS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
  });
  const logs: LogLine[] = [];
  let stderr = "";
  let pending = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter((text) => text.trim())) {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(parsed.msg);
        if (match?.[1]) resolve(match[1]);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    void exited.then((code) => reject(new Error(`service exited with ${code} before listening: ${stderr}`)));
  });
  const url = await listening;
  return { child, url, logs, stderr: () => stderr, exited };
}

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis, type RedisOptions } from "ioredis";

/** A free TCP port on loopback, from the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  password?: string;
  /** AOF with appendfsync always: whatever Redis acknowledged survives its own crash. */
  durable?: boolean;
  /** Extra `--flag value` arguments. */
  args?: string[];
}

/**
 * A real redis-server on a free port with its own data directory, for tests.
 * Fails with a clear message when redis-server is not installed.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "notes-redis-"));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    try {
      await server.start();
    } catch (error) {
      await server.stop(); // no stray process or data directory behind a failed start
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://${this.options.password ? `:${this.options.password}@` : ""}127.0.0.1:${this.port}/0`;
  }

  /** Starts (or restarts, on the same port and data) the server and waits until it answers. */
  async start(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--daemonize", "no", "--loglevel", "warning"];
    if (this.options.durable) args.push("--appendonly", "yes", "--appendfsync", "always");
    if (this.options.password) args.push("--requirepass", this.options.password);
    args.push(...(this.options.args ?? []));
    const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    const failed = new Promise<never>((_, reject) => {
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "ENOENT" ? new Error("redis-server is not installed: apt-get install redis-server (see README)") : error),
      );
    });
    this.process = child;
    await Promise.race([failed, this.waitUntilAnswering()]);
  }

  private async waitUntilAnswering(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const client = this.client({ lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        await sleep(50);
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`redis-server on port ${this.port} did not answer within 10 s`);
  }

  /** A direct client, bypassing the service, to check what Redis really holds. */
  client(options: RedisOptions = {}): Redis {
    const client = new Redis(this.url, options);
    // Connection errors surface through the awaited commands; no need for ioredis' warning.
    client.on("error", () => undefined);
    return client;
  }

  /** SIGKILL: no chance to flush anything that was not already fsynced. */
  async kill(): Promise<void> {
    await this.stopWith("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.stopWith("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }
}

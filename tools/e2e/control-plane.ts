/**
 * A throwaway Kubernetes control plane on 127.0.0.1, from the binaries tools/platform-tools.sh builds: kine (etcd's
 * API over SQLite) as the store, kube-apiserver, and kube-controller-manager for what the engine relies on
 * (namespace deletion, garbage collection, service accounts). No kubelet: pods are stored, never run.
 *
 * The admin authenticates with a static token (group system:masters); the API server's self-signed serving
 * certificate is the CA the client trusts. Everything lives in one directory and goes with `stop()`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { freePort } from "@platform/components/testing";
import { stringify } from "yaml";
import { KubeApi } from "./kube-api";

export interface ControlPlaneBinaries {
  readonly kine: string;
  readonly kubeApiserver: string;
  /** Without it, namespaces are never finalized and nothing is garbage-collected. */
  readonly kubeControllerManager?: string;
}

export interface ControlPlane {
  readonly api: KubeApi;
  /** A kubeconfig for the admin (kubectl, the Pulumi Kubernetes provider). */
  readonly kubeconfig: string;
  readonly url: string;
  /** Seconds from start to a ready API server. */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

/** Whether something accepts connections on 127.0.0.1:port (undefined: not yet). */
function listening(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(undefined));
  });
}

function start(bin: string, args: string[], log: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ["ignore", fs.openSync(log, "a"), fs.openSync(log, "a")] });
  child.on("error", () => undefined);
  return child;
}

function tail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").slice(-2000) : "(no log)";
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, exited: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = exited();
    if (dead) throw new Error(`${what}: ${dead}`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts kine, the API server and (when given) the controller manager in `dir`; resolves once /readyz answers ok. */
export async function startControlPlane(bins: ControlPlaneBinaries, dir: string): Promise<ControlPlane> {
  const started = Date.now();
  fs.mkdirSync(path.join(dir, "certs"), { recursive: true });
  const children: { name: string; child: ChildProcess; log: string }[] = [];
  const exited = () => {
    const dead = children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
    return dead ? `${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}):\n${tail(dead.log)}` : undefined;
  };
  // SIGTERM, then SIGKILL for what is still running 10 s later: a throwaway control plane owes no graceful exit.
  const stop = async () => {
    const running = children.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    const gone = Promise.all(running.map((c) => new Promise((r) => c.child.once("exit", r))));
    for (const c of [...running].reverse()) c.child.kill("SIGTERM");
    const timer = setTimeout(() => running.forEach((c) => c.child.kill("SIGKILL")), 10_000);
    await gone;
    clearTimeout(timer);
  };
  try {
    // The store.
    const kinePort = await freePort();
    const kineLog = path.join(dir, "kine.log");
    children.push({
      name: "kine",
      log: kineLog,
      // Its metrics server would take :8080 on every interface (and fail beside another run): off.
      child: start(bins.kine, [`--listen-address=127.0.0.1:${kinePort}`, "--metrics-bind-address=0", `--endpoint=sqlite://${path.join(dir, "state.db")}?_journal=WAL&cache=shared&_busy_timeout=30000`], kineLog),
    });
    await until("kine to listen", 30_000, () => listening(kinePort), exited);

    // The service-account signing key, and the admin's token.
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const saKey = path.join(dir, "sa.key");
    fs.writeFileSync(saKey, privateKey.export({ type: "pkcs1", format: "pem" }));
    const token = crypto.randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(dir, "tokens.csv"), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const apiLog = path.join(dir, "kube-apiserver.log");
    children.push({
      name: "kube-apiserver",
      log: apiLog,
      child: start(
        bins.kubeApiserver,
        [
          `--etcd-servers=http://127.0.0.1:${kinePort}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          `--cert-dir=${path.join(dir, "certs")}`,
          `--service-account-issuer=${url}`,
          `--service-account-key-file=${saKey}`,
          `--service-account-signing-key-file=${saKey}`,
          "--authorization-mode=RBAC",
          `--token-auth-file=${path.join(dir, "tokens.csv")}`,
          "--service-cluster-ip-range=10.96.0.0/16",
          "--allow-privileged=true",
        ],
        apiLog,
      ),
    });
    const caFile = path.join(dir, "certs", "apiserver.crt");
    await until("the API server's serving certificate", 60_000, async () => (fs.existsSync(caFile) ? true : undefined), exited);
    const api = new KubeApi(url, token, fs.readFileSync(caFile));
    await until("the API server to be ready (/readyz)", 120_000, async () => ((await api.raw("GET", "/readyz")).status === 200 ? true : undefined), exited);
    await api.discover();

    const kubeconfig = path.join(dir, "admin.kubeconfig");
    fs.writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "e2e", cluster: { server: url, "certificate-authority": caFile } }],
        users: [{ name: "admin", user: { token } }],
        contexts: [{ name: "e2e", context: { cluster: "e2e", user: "admin" } }],
        "current-context": "e2e",
      }),
      { mode: 0o600 },
    );

    if (bins.kubeControllerManager) {
      const kcmLog = path.join(dir, "kube-controller-manager.log");
      children.push({
        name: "kube-controller-manager",
        log: kcmLog,
        child: start(
          bins.kubeControllerManager,
          [
            `--kubeconfig=${kubeconfig}`,
            "--leader-elect=false",
            "--secure-port=0",
            "--controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token,pvc-protection,pv-protection",
            `--service-account-private-key-file=${saKey}`,
            `--root-ca-file=${caFile}`,
          ],
          kcmLog,
        ),
      });
      // Ready once it has created the default namespace's service account.
      await until("the controller manager (the default ServiceAccount)", 60_000, async () => ((await api.raw("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200 ? true : undefined), exited);
    }
    return { api, kubeconfig, url, startSeconds: (Date.now() - started) / 1000, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `kube-apiserver --version`, e.g. "Kubernetes v1.37.2". */
export function binaryVersion(bin: string): string {
  return execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
}

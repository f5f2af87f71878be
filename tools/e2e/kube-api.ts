/**
 * Just enough of a Kubernetes API client for the harness: discovery (which resource and scope each kind has) and
 * server-side apply, real or dry run. Plain HTTPS with the API server's CA and a bearer token.
 */
import * as https from "node:https";

export interface ApiResponse {
  readonly status: number;
  readonly body: string;
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

interface ResourceInfo {
  readonly resource: string;
  readonly namespaced: boolean;
}

/** A refusal from the API server, with its own message (`Status.message`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const FIELD_MANAGER = "platform-e2e";

export class KubeApi {
  private readonly agent: https.Agent;
  private discovered = new Map<string, ResourceInfo>();

  constructor(
    readonly url: string,
    private readonly token: string,
    ca: Buffer,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true });
  }

  raw(method: string, urlPath: string, body?: string, contentType = "application/json"): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.url}${urlPath}`,
        { method, agent: this.agent, headers: { authorization: `Bearer ${this.token}`, accept: "application/json", ...(body !== undefined ? { "content-type": contentType } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("error", reject);
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 60 s`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async json<T>(method: string, urlPath: string, body?: string, contentType?: string): Promise<T> {
    const res = await this.raw(method, urlPath, body, contentType);
    if (res.status >= 300) {
      let status: { reason?: string; message?: string } = {};
      try {
        status = JSON.parse(res.body) as typeof status;
      } catch {
        status = { message: res.body.slice(0, 500) };
      }
      throw new ApiError(res.status, status.reason ?? "", status.message ?? `HTTP ${res.status}`);
    }
    return JSON.parse(res.body) as T;
  }

  /** Reads the server's API groups and resources (again: after CRDs are installed). */
  async discover(): Promise<void> {
    type ResourceList = { groupVersion: string; resources: { name: string; kind: string; namespaced: boolean }[] };
    const lists: ResourceList[] = [await this.json<ResourceList>("GET", "/api/v1")];
    const groups = await this.json<{ groups: { versions: { groupVersion: string }[] }[] }>("GET", "/apis");
    for (const g of groups.groups) for (const v of g.versions) lists.push(await this.json<ResourceList>("GET", `/apis/${v.groupVersion}`));
    const found = new Map<string, ResourceInfo>();
    for (const list of lists) {
      for (const r of list.resources) if (!r.name.includes("/")) found.set(`${list.groupVersion}/${r.kind}`, { resource: r.name, namespaced: r.namespaced });
    }
    this.discovered = found;
  }

  /** The REST path of an object, from discovery; throws when the server does not serve its kind. */
  path(o: ObjectRef): string {
    const info = this.discovered.get(`${o.apiVersion}/${o.kind}`);
    if (!info) throw new ApiError(404, "NotFound", `the server does not serve ${o.apiVersion} ${o.kind} (is its CRD installed?)`);
    const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const scope = info.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? "default")}` : "";
    return `${base}${scope}/${info.resource}/${encodeURIComponent(o.metadata.name)}`;
  }

  /** Server-side apply (JSON is YAML); with dryRun the server validates, defaults and admits it but stores nothing. */
  apply<T = unknown>(o: ObjectRef, options: { dryRun?: boolean } = {}): Promise<T> {
    const query = `fieldManager=${FIELD_MANAGER}&force=true${options.dryRun ? "&dryRun=All" : ""}`;
    return this.json<T>("PATCH", `${this.path(o)}?${query}`, JSON.stringify(o), "application/apply-patch+yaml");
  }

  get<T = unknown>(o: ObjectRef): Promise<T> {
    return this.json<T>("GET", this.path(o));
  }
}

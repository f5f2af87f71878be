/** AppImage's public arguments and their pure validation. */
import type * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../lib/validate";

const COMPONENT = "AppImage";

export interface AppImageRegistryArgs {
  /** Registry host[:port]. @default the host part of `repository` */
  readonly server?: pulumi.Input<string>;
  /** User name. Required (no default). */
  readonly username: pulumi.Input<string>;
  /** Password or token; pass a Pulumi secret. Required (no default). */
  readonly password: pulumi.Input<string>;
}

export interface AppImageArgs {
  /** Prebuilt image reference to use as is (PR previews, clusters that pull from elsewhere); nothing is built. @default unset: build */
  readonly prebuilt?: string;
  /** Repository to push to, without tag, e.g. ghcr.io/acme/notes. Required unless `prebuilt` is set. @default unset */
  readonly repository?: string;
  /** Tag pushed beside the digest. @default "latest" */
  readonly tag?: string;
  /** Build context. @default "." (the repository root: the service's Dockerfile copies npm workspace files) */
  readonly context?: string;
  /** Dockerfile. @default "app/Dockerfile" */
  readonly dockerfile?: string;
  /** Target platform. @default "linux/amd64" */
  readonly platform?: string;
  /** Registry credentials. @default unset: push without logging in (e.g. a local registry) */
  readonly registry?: AppImageRegistryArgs;
  /** Build during `pulumi preview` too. @default false */
  readonly buildOnPreview?: boolean;
}

export interface ResolvedAppImageArgs {
  readonly prebuilt?: string;
  readonly imageName?: string;
  readonly context: string;
  readonly dockerfile: string;
  readonly platform: string;
  readonly buildOnPreview: boolean;
}

const REF = /^[a-z0-9]+([._\-/:][a-z0-9]+)*$/i;

/** Pure: validates the args and resolves every default. */
export function resolveAppImageArgs(args: AppImageArgs): ResolvedAppImageArgs {
  if ((args.prebuilt === undefined) === (args.repository === undefined)) {
    throw new ArgumentError(COMPONENT, "prebuilt", args.prebuilt ?? null, "set exactly one of prebuilt (an image reference to use) and repository (where to push the build).");
  }
  if (args.prebuilt !== undefined) {
    const last = args.prebuilt.split("/").pop() ?? "";
    if (!/@sha256:[a-f0-9]{64}$/.test(args.prebuilt) && !last.includes(":")) {
      throw new ArgumentError(COMPONENT, "prebuilt", args.prebuilt, "pin the image with a tag or, better, a digest (repo@sha256:...).");
    }
  }
  if (args.repository !== undefined && (!REF.test(args.repository) || /@/.test(args.repository) || /:[^/]*$/.test(args.repository.replace(/^[^/]*\//, "")))) {
    throw new ArgumentError(COMPONENT, "repository", args.repository, "use a repository without tag or digest, e.g. ghcr.io/acme/notes.");
  }
  const tag = args.tag ?? "latest";
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new ArgumentError(COMPONENT, "tag", tag, "use a Docker tag: letters, digits, '_', '.', '-'.");
  const platform = args.platform ?? "linux/amd64";
  if (!/^linux\/(amd64|arm64|arm\/v7)$/.test(platform)) throw new ArgumentError(COMPONENT, "platform", platform, 'use "linux/amd64" or "linux/arm64".');
  return {
    prebuilt: args.prebuilt,
    imageName: args.repository !== undefined ? `${args.repository}:${tag}` : undefined,
    context: args.context ?? ".",
    dockerfile: args.dockerfile ?? "app/Dockerfile",
    platform,
    buildOnPreview: args.buildOnPreview ?? false,
  };
}

/**
 * Pure builders of AppImage's docker.Image inputs: resolved args (plus the repository
 * and registry credentials) in, @pulumi/docker input types out. No resource is created here.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { AppImageArgs, AppImageRegistryArgs, ResolvedAppImageArgs } from "./args";

/** Registry host[:port] of a repository: its first path segment. */
export function registryServer(repository: string): string {
  return repository.split("/")[0] as string;
}

/** What `docker build` runs: context, Dockerfile and target platform. */
export function imageBuild(r: ResolvedAppImageArgs): docker.types.input.DockerBuild {
  return { context: r.context, dockerfile: r.dockerfile, platform: r.platform };
}

/** Registry login; the server defaults to the repository's host and the password is always a Pulumi secret. */
export function registryLogin(repository: string, registry: AppImageRegistryArgs): docker.types.input.Registry {
  return {
    server: registry.server ?? registryServer(repository),
    username: registry.username,
    password: pulumi.secret(registry.password),
  };
}

/** The docker.Image inputs, or undefined for a prebuilt reference (nothing is built then). */
export function imageArgs(r: ResolvedAppImageArgs, args: AppImageArgs): docker.ImageArgs | undefined {
  if (r.prebuilt !== undefined) return undefined;
  return {
    imageName: r.imageName as string,
    build: imageBuild(r),
    buildOnPreview: r.buildOnPreview,
    registry: args.registry ? registryLogin(args.repository as string, args.registry) : undefined,
  };
}

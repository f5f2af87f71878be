import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { type AppImageArgs, resolveAppImageArgs } from "./args";
import { imageArgs } from "./spec";

export * from "./args";

/** The service's image: built from app/ and pushed (reference pinned by digest), or a prebuilt reference. */
export class AppImage extends pulumi.ComponentResource {
  /** Image reference to deploy: `repo@sha256:...` when built here, the prebuilt reference otherwise. */
  readonly ref: pulumi.Output<string>;
  /** Whether the stack built the image. */
  readonly built: pulumi.Output<boolean>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:image:AppImage", name, {}, opts);
    const r = resolveAppImageArgs(args);
    const spec = imageArgs(r, args);
    if (spec === undefined) {
      this.ref = pulumi.output(r.prebuilt as string);
      this.built = pulumi.output(false);
    } else {
      const image = new docker.Image(`${name}-image`, spec, { parent: this });
      this.ref = image.repoDigest;
      this.built = pulumi.output(true);
    }
    this.registerOutputs({ ref: this.ref, built: this.built });
  }
}

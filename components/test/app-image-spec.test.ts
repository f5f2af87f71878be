/** The pure spec builders of AppImage, without Pulumi mocks: resolved args in, docker.Image inputs out. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { resolveAppImageArgs } from "../app-image/args";
import { imageArgs, imageBuild, registryLogin, registryServer } from "../app-image/spec";

describe("registryServer", () => {
  it.each([
    ["ghcr.io/acme/notes", "ghcr.io"],
    ["localhost:5001/notes", "localhost:5001"],
    ["notes", "notes"],
  ])("%s -> %s", (repository, server) => {
    expect(registryServer(repository)).toBe(server);
  });
});

describe("imageBuild", () => {
  it("defaults: the repository root as context, app/Dockerfile, linux/amd64", () => {
    expect(imageBuild(resolveAppImageArgs({ repository: "ghcr.io/acme/notes" }))).toEqual({ context: ".", dockerfile: "app/Dockerfile", platform: "linux/amd64" });
  });

  it("passes the given context, Dockerfile and platform through", () => {
    const r = resolveAppImageArgs({ repository: "ghcr.io/acme/notes", context: "svc", dockerfile: "svc/Dockerfile", platform: "linux/arm64" });
    expect(imageBuild(r)).toEqual({ context: "svc", dockerfile: "svc/Dockerfile", platform: "linux/arm64" });
  });
});

describe("registryLogin", () => {
  it("defaults the server to the repository's host and keeps the password secret", async () => {
    const login = registryLogin("localhost:5001/notes", { username: "bot", password: "token" });
    expect(login.server).toBe("localhost:5001");
    expect(login.username).toBe("bot");
    const password = login.password as pulumi.Output<string>;
    expect(pulumi.Output.isInstance(password)).toBe(true);
    expect(await pulumi.isSecret(password)).toBe(true);
  });

  it("uses an explicit server", () => {
    expect(registryLogin("ghcr.io/acme/notes", { server: "registry.example.com", username: "bot", password: "token" }).server).toBe("registry.example.com");
  });
});

describe("imageArgs", () => {
  it("builds <repository>:<tag> with the build settings, without registry login when no credentials are given", () => {
    const args = { repository: "ghcr.io/acme/notes", tag: "v7", platform: "linux/arm64", buildOnPreview: true };
    expect(imageArgs(resolveAppImageArgs(args), args)).toEqual({
      imageName: "ghcr.io/acme/notes:v7",
      build: { context: ".", dockerfile: "app/Dockerfile", platform: "linux/arm64" },
      buildOnPreview: true,
      registry: undefined,
    });
  });

  it("logs in to the repository's registry when credentials are given", () => {
    const args = { repository: "ghcr.io/acme/notes", registry: { username: "bot", password: "token" } };
    const spec = imageArgs(resolveAppImageArgs(args), args);
    expect(spec?.imageName).toBe("ghcr.io/acme/notes:latest");
    expect(spec?.buildOnPreview).toBe(false);
    const registry = spec?.registry as { server: string; username: string };
    expect([registry.server, registry.username]).toEqual(["ghcr.io", "bot"]);
  });

  it("prebuilt: nothing to build", () => {
    const args = { prebuilt: "ghcr.io/acme/notes:pr-12" };
    expect(imageArgs(resolveAppImageArgs(args), args)).toBe(undefined);
  });
});

// Generates the two files the Kubernetes provider's main embeds, which its release build makes with
// `go generate` (cmd/pulumi-resource-kubernetes/generate.go) and its Go module lacks: the package schema with
// its version set, and the Terraform mapping, both compact. Run by tools/platform-tools.sh ("prepare") in a
// writable copy of the module:  node kubernetes-provider-embeds.mjs <version>
import { readFileSync, writeFileSync } from "node:fs";

const [version] = process.argv.slice(2);
if (!version) {
  console.error("usage: node kubernetes-provider-embeds.mjs <version>");
  process.exit(2);
}
const dir = "cmd/pulumi-resource-kubernetes";
const schema = JSON.parse(readFileSync(`${dir}/schema.json`, "utf8"));
schema.version = version;
writeFileSync(`${dir}/schema-embed.json`, JSON.stringify(schema));
writeFileSync(`${dir}/terraform-mapping-embed.json`, JSON.stringify(JSON.parse(readFileSync(`${dir}/terraform-mapping.json`, "utf8"))));

/** Prints the README's settings table (markdown) from the schema, so the two never disagree. */
import { SETTINGS, SETTING_KEYS, type KeySpec } from "./settings";

const show = (v: unknown) => (v === undefined ? "—" : v === "" ? '`""`' : `\`${String(v)}\``);
const lines = ["| key | type | dev default | prod default | meaning |", "|---|---|---|---|---|"];
for (const key of SETTING_KEYS) {
  const spec: KeySpec = SETTINGS[key];
  const type = `${spec.kind}${spec.secret ? " (secret)" : ""}: ${spec.allowed}`;
  lines.push(`| \`${key}\` | ${type.replace(/\|/g, "\\|")} | ${show(spec.dev)} | ${show(spec.prod)} | ${spec.doc.replace(/\|/g, "\\|")} |`);
}
process.stdout.write(lines.join("\n") + "\n");

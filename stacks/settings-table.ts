/**
 * The README's settings table (markdown), generated from the schema so the two never disagree.
 * `npm run settings-table -w stacks` prints it; `-- --write` replaces the table in README.md.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SETTINGS, SETTING_KEYS, type KeySpec } from "./settings";

export const README = path.resolve(__dirname, "..", "README.md");
const HEADER = "| key | type | dev default | prod default | meaning |";

export function settingsTable(): string {
  const show = (v: unknown) => (v === undefined ? "—" : v === "" ? '`""`' : `\`${String(v)}\``);
  const lines = [HEADER, "|---|---|---|---|---|"];
  for (const key of SETTING_KEYS) {
    const spec: KeySpec = SETTINGS[key];
    const type = `${spec.kind}${spec.secret ? " (secret)" : ""}: ${spec.allowed}`;
    lines.push(`| \`${key}\` | ${type.replace(/\|/g, "\\|")} | ${show(spec.dev)} | ${show(spec.prod)} | ${spec.doc.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n") + "\n";
}

/** The table as it stands in the README: from its header to the first line that is not a table row. */
export function readmeTable(readme: string): string {
  const start = readme.indexOf(HEADER);
  if (start < 0) return "";
  const rows: string[] = [];
  for (const line of readme.slice(start).split("\n")) {
    if (!line.startsWith("|")) break;
    rows.push(line);
  }
  return rows.join("\n") + "\n";
}

if (require.main === module) {
  if (process.argv.includes("--write")) {
    const readme = fs.readFileSync(README, "utf8");
    fs.writeFileSync(README, readme.replace(readmeTable(readme), settingsTable()));
  } else {
    process.stdout.write(settingsTable());
  }
}

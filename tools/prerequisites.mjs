// Checks, once, for the programs the test suites run for real, before any suite starts: a missing one
// stops `npm test` with one line naming it and how to install it, instead of a screen of failures.
// .ci/run installs them; add a program here when a suite starts to need it.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

const PROGRAMS = [
  { name: "redis-server", install: "apt-get install redis-server (Debian/Ubuntu), brew install redis (macOS)" },
  { name: "redis-cli", install: "apt-get install redis-tools (Debian/Ubuntu; redis-server pulls it in), brew install redis (macOS)" },
];

function onPath(program) {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missing = PROGRAMS.filter((p) => !onPath(p.name));
for (const p of missing) console.error(`npm test needs ${p.name}, which is not on the PATH: ${p.install}`);
process.exit(missing.length === 0 ? 0 : 1);

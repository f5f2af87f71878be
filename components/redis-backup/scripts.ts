/**
 * The backup job's program, redis-backup.sh beside this file: kept as a real shell file so that shellcheck
 * and editors read it as what it is; the component mounts its text from a ConfigMap.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const BACKUP_SCRIPT_PATH = path.join(__dirname, "redis-backup.sh");
/** Its file name in the ConfigMap and in the container. */
export const BACKUP_SCRIPT_NAME = "redis-backup.sh";
export const BACKUP_SCRIPT: string = fs.readFileSync(BACKUP_SCRIPT_PATH, "utf8");

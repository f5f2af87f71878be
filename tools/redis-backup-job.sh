#!/usr/bin/env bash
# Runs the Redis backup program (components/redis-backup/redis-backup.sh) in the cluster, as a Job made from
# the backup CronJob's own template (same image, Secret, PVC, NetworkPolicy), with another command, and prints
# its log. One command for each thing an operator does with backups (docs/backups.md):
#
#   bash tools/redis-backup-job.sh -n <namespace> list
#   bash tools/redis-backup-job.sh -n <namespace> backup
#   bash tools/redis-backup-job.sh -n <namespace> verify <id>
#   bash tools/redis-backup-job.sh -n <namespace> restore [<id>|latest] [--merge]
#
# --cronjob <name>: the backup CronJob (default: the one labelled app.kubernetes.io/component=redis-backup in the
# namespace; the stack exports it as redisBackupCronJob). --timeout <seconds>: how long to wait (default 3600).
# A restore suspends the CronJob while it runs (no snapshot of a half-restored Redis) and is never retried.
# Exit status: the Job's (0 done, 1 failed), 2 on a usage error or when kubectl cannot find what it needs.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}
fail() {
  echo "redis-backup-job: $*" >&2
  exit 2
}

namespace="" cronjob="" timeout=3600
while [ $# -gt 0 ]; do
  case "$1" in
    -n | --namespace) [ $# -ge 2 ] || usage; namespace="$2"; shift 2 ;;
    --cronjob) [ $# -ge 2 ] || usage; cronjob="$2"; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout="$2"; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "redis-backup-job: unknown option $1 (options come before the command)" >&2; usage ;;
    *) break ;;
  esac
done
[ -n "$namespace" ] || { echo "redis-backup-job: name the namespace with -n (the stack's namespaceName output)" >&2; usage; }
[[ "$timeout" =~ ^[0-9]+$ ]] || fail "--timeout takes whole seconds, not $timeout"
command="${1:-}"
case "$command" in
  list | backup) [ $# -eq 1 ] || usage ;;
  verify) [ $# -eq 2 ] || usage ;;
  restore) [ $# -le 3 ] || usage ;;
  *) usage ;;
esac
command -v kubectl >/dev/null || fail "needs kubectl on the PATH, pointed at the cluster"
command -v node >/dev/null || fail "needs node on the PATH"

k() { kubectl -n "$namespace" "$@"; }

if [ -z "$cronjob" ]; then
  found="$(k get cronjob -l app.kubernetes.io/component=redis-backup -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')" ||
    fail "cannot list CronJobs in namespace $namespace"
  [ "$(echo "$found" | grep -c .)" -eq 1 ] || fail "expected one backup CronJob in $namespace, found: ${found:-none} (name it with --cronjob)"
  cronjob="$found"
fi
template="$(k get cronjob "$cronjob" -o json)" || fail "no CronJob $cronjob in namespace $namespace"

job="$cronjob-$command-$(date -u +%Y%m%d%H%M%S)"
job="${job:0:63}"
# The CronJob's job template, with this command's arguments, a name, no retry for a restore, cleaned up after a day.
manifest="$(printf '%s' "$template" | node -e '
  const [job, ...args] = process.argv.slice(1);
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const cron = JSON.parse(s);
    const t = cron.spec.jobTemplate;
    const spec = JSON.parse(JSON.stringify(t.spec));
    const container = spec.template.spec.containers.find((c) => c.name === "backup");
    if (!container) { console.error("redis-backup-job: the CronJob has no container named backup"); process.exit(2); }
    container.args = args;
    if (args[0] === "restore") spec.backoffLimit = 0;
    spec.ttlSecondsAfterFinished = 86400;
    const labels = { ...(t.metadata?.labels ?? {}) };
    process.stdout.write(JSON.stringify({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: job, namespace: cron.metadata.namespace, labels, annotations: { "redis-backup/command": args.join(" "), "cronjob.kubernetes.io/instantiate": "manual" } },
      spec,
    }));
  });' "$job" "$@")"

resume=""
# shellcheck disable=SC2317 # called by the EXIT trap
on_exit() {
  local rc=$?
  if [ -n "$resume" ]; then
    k patch cronjob "$cronjob" --type=merge -p '{"spec":{"suspend":false}}' >/dev/null && echo "redis-backup-job: resumed CronJob $cronjob" >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
if [ "$command" = "restore" ]; then
  if [ "$(k get cronjob "$cronjob" -o jsonpath='{.spec.suspend}')" != "true" ]; then
    k patch cronjob "$cronjob" --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
    resume=1
    echo "redis-backup-job: suspended CronJob $cronjob while the restore runs" >&2
  fi
  # A backup that is running holds the volume: wait for it rather than race it.
  while [ -n "$(k get jobs -l app.kubernetes.io/component=redis-backup -o jsonpath='{range .items[?(@.status.active)]}{.metadata.name}{"\n"}{end}')" ]; do
    echo "redis-backup-job: waiting for the running backup to finish" >&2
    sleep 5
  done
fi

printf '%s' "$manifest" | k create -f - >/dev/null || fail "could not create Job $job"
echo "redis-backup-job: started Job $job ($*)" >&2

deadline=$((SECONDS + timeout)) state=""
while [ "$SECONDS" -lt "$deadline" ]; do
  state="$(k get job "$job" -o jsonpath='{.status.succeeded}/{.status.failed}')"
  case "$state" in
    1/*) state="succeeded"; break ;;
    */[1-9]*) state="failed"; break ;;
  esac
  sleep 2
done
k logs "job/$job" --all-containers 2>/dev/null || echo "redis-backup-job: no log of Job $job" >&2
case "$state" in
  succeeded) exit 0 ;;
  failed) echo "redis-backup-job: Job $job failed (kubectl -n $namespace describe job $job)" >&2; exit 1 ;;
  *) echo "redis-backup-job: Job $job did not finish in ${timeout} s; it goes on (kubectl -n $namespace logs -f job/$job)" >&2; exit 1 ;;
esac

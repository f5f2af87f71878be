/** Start scripts of the Redis and Sentinel containers, mounted from a ConfigMap. */

/** Shell shared by both containers: find the current master by asking the other Sentinels. */
const COMMON_SH = `#!/bin/sh
# Paths and ports are the pod's; the variables exist so the scripts can be tested outside a pod.
SCRIPTS_DIR="\${SCRIPTS_DIR:-/scripts}"
RUN_DIR="\${RUN_DIR:-/run/redis}"
DATA_DIR="\${DATA_DIR:-/data}"
REDIS_PORT="\${REDIS_PORT:-6379}"
SENTINEL_PORT="\${SENTINEL_PORT:-26379}"
# Prints the master's host as the Sentinels know it, or nothing when none answers.
find_master() {
  i=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    peer="$STATEFULSET-$i.$HEADLESS_SERVICE"
    if [ "$peer" != "$SELF" ]; then
      m=$(REDISCLI_AUTH="$REDIS_PASSWORD" timeout 3 redis-cli -h "$peer" -p "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | head -n 1 || true)
      if [ -n "$m" ]; then echo "$m"; return 0; fi
    fi
    i=$((i + 1))
  done
}
SELF="$POD_NAME.$HEADLESS_SERVICE"
`;

const REDIS_SH = `#!/bin/sh
# Writes redis.conf from the environment (the password never lands in a ConfigMap) and starts Redis.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
conf="$RUN_DIR/redis.conf"
umask 077
{
  echo "bind * -::*"
  echo "port $REDIS_PORT"
  echo "dir $DATA_DIR"
  echo "appendonly yes"
  echo "appendfsync $REDIS_APPENDFSYNC"
  echo "save 900 1 300 10 60 10000"
  echo "maxmemory \${REDIS_MAXMEMORY_MB}mb"
  echo "maxmemory-policy $REDIS_MAXMEMORY_POLICY"
  echo "requirepass $REDIS_PASSWORD"
  echo "masterauth $REDIS_PASSWORD"
} > "$conf"
if [ "$REDIS_MODE" = "sentinel" ]; then
  echo "replica-announce-ip $SELF" >> "$conf"
  # A master cut off from every replica stops taking writes after 10 s, which bounds what a
  # partitioned old master can accept (and lose) once Sentinel has promoted another pod.
  echo "min-replicas-to-write 1" >> "$conf"
  echo "min-replicas-max-lag 10" >> "$conf"
  master=$(find_master)
  # First start of the set: nobody knows a master yet, pod 0 is it.
  [ -n "$master" ] || master="$STATEFULSET-0.$HEADLESS_SERVICE"
  if [ "$master" != "$SELF" ]; then echo "replicaof $master $REDIS_PORT" >> "$conf"; fi
fi
exec redis-server "$conf"
`;

const SENTINEL_SH = `#!/bin/sh
# Writes sentinel.conf (rewritten by Sentinel at run time, so it lives in an emptyDir) and starts Sentinel.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
conf="$RUN_DIR/sentinel.conf"
master=$(find_master)
[ -n "$master" ] || master="$STATEFULSET-0.$HEADLESS_SERVICE"
umask 077
{
  echo "port $SENTINEL_PORT"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $SELF"
  echo "requirepass $REDIS_PASSWORD"
  echo "sentinel monitor $MASTER_NAME $master $REDIS_PORT $SENTINEL_QUORUM"
  echo "sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD"
  echo "sentinel down-after-milliseconds $MASTER_NAME 5000"
  echo "sentinel failover-timeout $MASTER_NAME 60000"
  echo "sentinel parallel-syncs $MASTER_NAME 1"
} > "$conf"
exec redis-server "$conf" --sentinel
`;

/** The start scripts the pods run (exported for the tests that run them against a real redis-server). */
export const REDIS_SCRIPTS: Readonly<Record<string, string>> = { "common.sh": COMMON_SH, "redis.sh": REDIS_SH, "sentinel.sh": SENTINEL_SH };

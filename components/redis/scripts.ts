/**
 * Scripts of the Redis and Sentinel containers, mounted from a ConfigMap: start scripts, probes
 * and the preStop hook. The tests run them against real redis-server processes
 * (components/test/redis-scripts.test.ts, redis-sentinel-set.test.ts).
 */

/** Shell shared by every script: pod addresses, redis-cli with a timeout, and what the peers say. */
const COMMON_SH = `#!/bin/sh
# Paths, ports and addresses are the pod's; the variables exist so the scripts can be tested outside a pod.
SCRIPTS_DIR="\${SCRIPTS_DIR:-/scripts}"
RUN_DIR="\${RUN_DIR:-/run/redis}"
DATA_DIR="\${DATA_DIR:-/data}"
REDIS_PORT="\${REDIS_PORT:-6379}"
SENTINEL_PORT="\${SENTINEL_PORT:-26379}"
REDIS_BIND="\${REDIS_BIND:-* -::*}"
# Where this pod's own Redis answers (tests bind each "pod" to its own loopback address).
LOCAL_HOST="\${LOCAL_HOST:-127.0.0.1}"
# Written once this volume holds the set's data: when pod 0 bootstraps the set, or when the
# readiness probe first sees this Redis in sync (probe.sh). A volume without it has nothing to lose.
MARKER="$DATA_DIR/set-member"
ORDINAL="\${POD_NAME##*-}"
# Sentinel promotes only replicas with a non-zero priority. A replica starts at 0 and gets this once it
# has synced with its master since it started, so a replica that restarted with old data is never promoted.
REPLICA_PRIORITY=100

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(basename "$0"): $*" >&2; }

# Host name of pod $1: namespace-qualified, so clients in other namespaces resolve the announced master.
# POD_HOSTS (ordinal order, space-separated) replaces the cluster's DNS names in tests.
pod_host() {
  if [ -n "\${POD_HOSTS:-}" ]; then echo "$POD_HOSTS" | cut -d' ' -f"$(($1 + 1))"; return; fi
  echo "$STATEFULSET-$1.$HEADLESS_SERVICE.$POD_NAMESPACE.svc"
}
SELF="$(pod_host "$ORDINAL")"

rcli() {
  host="$1"; port="$2"; shift 2
  REDISCLI_AUTH="$REDIS_PASSWORD" timeout 3 redis-cli --no-auth-warning -h "$host" -p "$port" "$@" 2>/dev/null
}

# ROLE of the Redis at $1 (master, slave), or nothing when it does not answer.
role_of() { rcli "$1" "$REDIS_PORT" role | head -n 1; }

# Keys held by the Redis at $1, or nothing while it does not answer (or is still loading).
keys_of() {
  rcli "$1" "$REDIS_PORT" info keyspace | tr -d '\\r' | awk -F'[:=,]' '/^# Keyspace/ {ok=1} /^db[0-9]+:/ {n+=$3} END {if (ok) print n+0}'
}

# The master the Sentinels agree on: at least a quorum of them must answer, and the address with the
# highest config epoch wins (a Sentinel that was down during a failover still names the old master).
sentinel_master() {
  i=0; answers=0; best=""; best_epoch=-1
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    out=$(rcli "$(pod_host "$i")" "$SENTINEL_PORT" sentinel master "$MASTER_NAME" | tr -d '\\r')
    ip=$(printf '%s\\n' "$out" | awk 'prev == "ip" {print; exit} {prev = $0}')
    epoch=$(printf '%s\\n' "$out" | awk 'prev == "config-epoch" {print; exit} {prev = $0}')
    if [ -n "$ip" ] && [ -n "$epoch" ]; then
      answers=$((answers + 1))
      if [ "$epoch" -gt "$best_epoch" ]; then best_epoch="$epoch"; best="$ip"; fi
    fi
    i=$((i + 1))
  done
  if [ "$answers" -ge "$SENTINEL_QUORUM" ]; then echo "$best"; fi
}

# Prints the first other pod that answers the test "$1 <host>".
first_peer() {
  i=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    h=$(pod_host "$i")
    if [ "$h" != "$SELF" ] && "$1" "$h"; then echo "$h"; return 0; fi
    i=$((i + 1))
  done
}
is_master() { [ "$(role_of "$1")" = "master" ]; }
# The peer Redis holding the most keys, or nothing when none holds any.
best_holder() {
  i=0; best=""; most=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    h=$(pod_host "$i")
    if [ "$h" != "$SELF" ]; then
      n=$(keys_of "$h")
      if [ -n "$n" ] && [ "$n" -gt "$most" ]; then most="$n"; best="$h"; fi
    fi
    i=$((i + 1))
  done
  echo "$best"
}
# Asks the Sentinels of the other pods, one after the other, to fail over now; prints whose accepted.
request_failover() {
  i=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    h=$(pod_host "$i")
    if [ "$h" != "$SELF" ] && [ "$(rcli "$h" "$SENTINEL_PORT" sentinel failover "$MASTER_NAME")" = "OK" ]; then echo "$h"; return 0; fi
    i=$((i + 1))
  done
  return 1
}
holds_keys() { n=$(keys_of "$1"); [ -n "$n" ] && [ "$n" -gt 0 ]; }
is_empty_replica() { [ "$(role_of "$1")" = "slave" ] && [ "$(keys_of "$1")" = "0" ]; }
count_peers() {
  i=0; n=0
  while [ "$i" -lt "$REDIS_REPLICAS" ]; do
    h=$(pod_host "$i")
    if [ "$h" != "$SELF" ] && "$1" "$h"; then n=$((n + 1)); fi
    i=$((i + 1))
  done
  echo "$n"
}
`;

const REDIS_SH = `#!/bin/sh
# Writes redis.conf from the environment (the password never lands in a ConfigMap) and starts Redis.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
conf="$RUN_DIR/redis.conf"
umask 077
{
  echo "bind $REDIS_BIND"
  echo "port $REDIS_PORT"
  echo "dir $DATA_DIR"
  echo "appendonly yes"
  echo "appendfsync $REDIS_APPENDFSYNC"
  # AOF alone is the durable copy: a second RDB schedule would fork again beside AOF rewrites and
  # full syncs, and every fork's copy-on-write counts against the container's memory limit.
  echo 'save ""'
  echo "maxmemory \${REDIS_MAXMEMORY_MB}mb"
  echo "maxmemory-policy $REDIS_MAXMEMORY_POLICY"
  # Bounded so a slow replica's output buffer cannot push Redis past its memory limit (default 256mb).
  echo "client-output-buffer-limit replica \${REDIS_REPLICA_BUFFER_MB}mb \$((REDIS_REPLICA_BUFFER_MB / 2))mb 60"
  echo "requirepass $REDIS_PASSWORD"
  echo "masterauth $REDIS_PASSWORD"
} > "$conf"

# Sentinel mode: decide whom to follow before Redis starts, and never let a pod whose volume holds
# nothing of the set's data (or an older copy of it) become master over one that holds newer data.
decide_master() {
  delay=1
  while :; do
    named=$(sentinel_master)
    if [ -n "$named" ] && [ "$named" != "$SELF" ]; then log "following $named, the master the Sentinels name"; echo "$named"; return; fi
    if [ -n "$named" ] && [ -e "$MARKER" ]; then log "the Sentinels name this pod master and its volume holds the set's data"; echo "$SELF"; return; fi
    live=$(first_peer is_master)
    if [ -n "$live" ]; then log "following $live, which is master"; echo "$live"; return; fi
    if [ ! -e "$MARKER" ]; then
      # Nothing to lose here: follow whoever holds data, else bootstrap (pod 0) or wait for pod 0.
      holder=$(best_holder)
      if [ -n "$holder" ]; then
        # No master runs and this volume is empty: make the fullest replica promotable (replicas only become
        # so once in sync, see probe.sh, and none can sync without a master), so the Sentinels fail over to it.
        log "no master runs and this volume holds no data of the set; making $holder promotable"
        rcli "$holder" "$REDIS_PORT" config set replica-priority "$REPLICA_PRIORITY" >/dev/null || true
        if [ "$named" = "$SELF" ]; then
          # The Sentinels still name this pod: ask them to fail over now rather than after down-after.
          log "the Sentinels name this pod master but its volume holds no data of the set; asking them to promote $holder"
          request_failover >/dev/null || true
        fi
        log "this volume holds no data of the set; following $holder, which does"; echo "$holder"; return
      fi
      if [ "$ORDINAL" = "0" ]; then
        empty=$(count_peers is_empty_replica)
        # True first boot: a majority of the set (this pod included) is up, and every one of them is empty.
        if [ $((empty + 1)) -ge "$SENTINEL_QUORUM" ]; then log "first boot of the set: bootstrapping as master"; : > "$MARKER"; echo "$SELF"; return; fi
      else
        first=$(pod_host 0)
        log "this volume holds no data of the set; starting as a replica of $first"; echo "$first"; return
      fi
    fi
    log "no master known yet (no quorum of Sentinels, no master among the peers); retrying in \${delay}s"
    sleep "$delay"
    delay=$((delay * 2)); [ "$delay" -le 16 ] || delay=16
  done
}

if [ "$REDIS_MODE" = "sentinel" ]; then
  echo "replica-announce-ip $SELF" >> "$conf"
  # A master cut off from every replica stops taking writes after 10 s, which bounds what a
  # partitioned old master can accept (and lose) once Sentinel has promoted another pod.
  echo "min-replicas-to-write 1" >> "$conf"
  echo "min-replicas-max-lag 10" >> "$conf"
  master=$(decide_master)
  if [ "$master" != "$SELF" ]; then
    echo "replicaof $master $REDIS_PORT" >> "$conf"
    echo "replica-priority 0" >> "$conf"
  fi
fi
exec redis-server "$conf"
`;

const SENTINEL_SH = `#!/bin/sh
# Writes sentinel.conf and starts Sentinel. Its state (the last master, config epochs, known peers)
# lives on the data volume, so after every pod restarts the Sentinels still know the last master.
set -eu
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
state_dir="$DATA_DIR/sentinel"
conf="$state_dir/sentinel.conf"
mkdir -p "$state_dir"
umask 077
master=""
: > "$RUN_DIR/sentinel-state"
if [ -s "$conf" ]; then
  master=$(awk -v n="$MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == n {print $4; exit}' "$conf")
  grep -E "^sentinel (myid|current-epoch|config-epoch|leader-epoch|known-replica|known-sentinel) " "$conf" > "$RUN_DIR/sentinel-state" || true
fi
# No saved state: monitor whatever this pod's Redis chose once it runs (redis.sh decides first).
if [ -z "$master" ]; then log "no saved Sentinel state; waiting for this pod's Redis to choose its master"; fi
while [ -z "$master" ]; do
  role=$(rcli "$LOCAL_HOST" "$REDIS_PORT" role | tr -d '\r' | head -n 2)
  case "$role" in
    master*) master="$SELF" ;;
    slave*) master=$(echo "$role" | sed -n 2p) ;;
    *) sleep 1 ;;
  esac
done
log "monitoring $MASTER_NAME at $master"
{
  echo "bind $REDIS_BIND"
  echo "port $SENTINEL_PORT"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $SELF"
  echo "requirepass $REDIS_PASSWORD"
  echo "sentinel monitor $MASTER_NAME $master $REDIS_PORT $SENTINEL_QUORUM"
  echo "sentinel auth-pass $MASTER_NAME $REDIS_PASSWORD"
  echo "sentinel down-after-milliseconds $MASTER_NAME \${SENTINEL_DOWN_AFTER_MS:-5000}"
  echo "sentinel failover-timeout $MASTER_NAME \${SENTINEL_FAILOVER_TIMEOUT_MS:-60000}"
  echo "sentinel parallel-syncs $MASTER_NAME 1"
  cat "$RUN_DIR/sentinel-state"
} > "$conf.new"
mv "$conf.new" "$conf"
exec redis-server "$conf" --sentinel
`;

const PROBE_SH = `#!/bin/sh
# Probes of the Redis container: probe.sh startup|live|ready.
#   live:    the process answers; LOADING (a large AOF or a full sync being loaded) and MASTERDOWN count as alive.
#   startup: the data set is loaded (PONG); its budget scales with maxmemory (see spec.ts).
#   ready:   PONG, and in Sentinel mode a replica only with its link to the master up.
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
reply=$(REDISCLI_AUTH="$REDIS_PASSWORD" timeout 2 redis-cli --no-auth-warning -h "$LOCAL_HOST" -p "$REDIS_PORT" ping 2>&1 | tr -d '\\r')
case "$1" in
  live)
    case "$reply" in PONG | LOADING* | MASTERDOWN*) exit 0 ;; esac ;;
  startup)
    [ "$reply" = "PONG" ] && exit 0 ;;
  ready)
    [ "$reply" = "PONG" ] || { echo "$reply"; exit 1; }
    [ "$REDIS_MODE" = "sentinel" ] || exit 0
    info=$(rcli "$LOCAL_HOST" "$REDIS_PORT" info replication | tr -d '\\r')
    case "$info" in
      *role:master*) ;;
      *master_link_status:up*) ;;
      *) echo "replica not in sync with its master"; exit 1 ;;
    esac
    # In sync (or master): this volume now holds the set's data (see MARKER in common.sh), and a replica
    # may be promoted from now on (see REPLICA_PRIORITY). Both are recorded once, here, where the kubelet
    # checks the sync every few seconds anyway.
    [ -e "$MARKER" ] || : > "$MARKER"
    case "$(rcli "$LOCAL_HOST" "$REDIS_PORT" config get replica-priority | tr -d '\r' | sed -n 2p)" in
      0) rcli "$LOCAL_HOST" "$REDIS_PORT" config set replica-priority "$REPLICA_PRIORITY" >/dev/null ;;
    esac
    exit 0 ;;
esac
echo "$reply"
exit 1
`;

const PRESTOP_SH = `#!/bin/sh
# preStop of the Redis container in Sentinel mode: when this pod is master, ask a Sentinel of another
# pod (this pod's own Sentinel is stopping too) to fail over, and wait until this Redis is demoted,
# so a rollout or drain costs a failover of a second or two, not down-after-milliseconds of errors.
. "\${SCRIPTS_DIR:-/scripts}/common.sh"
[ "$REDIS_MODE" = "sentinel" ] || exit 0
[ "$(role_of "$LOCAL_HOST")" = "master" ] || exit 0
deadline=$(($(date +%s) + \${PRESTOP_TIMEOUT_SECONDS:-20}))
asked=""
while [ "$(date +%s)" -lt "$deadline" ]; do
  if [ -z "$asked" ]; then
    asked=$(request_failover) && log "asked the Sentinel of $asked to fail over"
  fi
  if [ "$(role_of "$LOCAL_HOST")" != "master" ]; then log "demoted; the new master took over"; exit 0; fi
  sleep 1
done
log "still master after the timeout; stopping anyway (Sentinel fails over after down-after-milliseconds)"
exit 0
`;

/** The scripts the pods run (exported for the tests that run them against a real redis-server). */
export const REDIS_SCRIPTS: Readonly<Record<string, string>> = {
  "common.sh": COMMON_SH,
  "redis.sh": REDIS_SH,
  "sentinel.sh": SENTINEL_SH,
  "probe.sh": PROBE_SH,
  "prestop.sh": PRESTOP_SH,
};

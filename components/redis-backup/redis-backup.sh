#!/usr/bin/env bash
# Verified Redis backups: the program the RedisBackup CronJob runs, in the official redis image (which
# brings redis-cli, redis-server, redis-check-rdb, gzip and sha256sum). Tested against real redis-server
# processes by components/test/redis-backup-script.test.ts.
#
#   redis-backup.sh backup                  snapshot, store, verify, apply retention, report
#   redis-backup.sh list                    the stored backups, newest first
#   redis-backup.sh verify <id>             verify a stored backup again (checksum, load, key count)
#   redis-backup.sh prune                   apply the retention policy now (backup does after each run)
#   redis-backup.sh restore [<id>|latest] [--merge]
#                                           restore a verified backup into the live Redis (its master)
#
# A backup is a folder <id>/ (id: UTC time, e.g. 20261202T133000Z) holding dump.rdb.gz, SHA256SUMS and
# manifest.json, and verified.json once a restore of it into a throwaway redis-server held every key of the
# manifest. A backup counts only once its manifest is there, and the manifest is written last: on a volume
# (BACKUP_TARGET=pvc) the folder is assembled under .incomplete/ and renamed into place whole; in object
# storage (BACKUP_TARGET=s3) the manifest is uploaded after the files it describes, and removed first.
# verified.json is written in one step too (renamed into place, or one PUT).
#
# Environment (the CronJob sets it; the tests set their own):
#   REDIS_HOST, REDIS_PORT            a standalone Redis; or
#   SENTINEL_HOSTS, SENTINEL_MASTER   "host:port ..." of the Sentinels and the master's name: the snapshot
#                                     comes from an in-sync replica (sparing the master), a restore goes to
#                                     the master and the replicas resync from it
#   REDIS_PASSWORD                    from the Redis password Secret (passed to redis-cli as REDISCLI_AUTH)
#   BACKUP_TARGET                     pvc (default): BACKUP_DIR (/backups), a mounted volume; or
#                                     s3: S3_ENDPOINT (https://...), S3_BUCKET, S3_PREFIX (redis-backups),
#                                     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (us-east-1), with s5cmd
#   SCRATCH_DIR (/scratch)
#   RETAIN_LAST (7)  RETAIN_DAILY_DAYS (7)  RETAIN_WEEKLY_WEEKS (4)
#   PUSHGATEWAY_URL                   http://host:port: where the outcome is pushed (unset: logs only)
#   BACKUP_NAMESPACE, BACKUP_REDIS    the grouping labels of the pushed metrics
# Logs are JSON lines on stderr. Exit status: 0 done, 1 failed (the log says why), 2 usage.
set -euo pipefail
umask 077

BACKUP_TARGET="${BACKUP_TARGET:-pvc}"
BACKUP_DIR="${BACKUP_DIR:-/backups}"
S3_PREFIX="${S3_PREFIX:-redis-backups}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
SCRATCH_DIR="${SCRATCH_DIR:-/scratch}"
REDIS_PORT="${REDIS_PORT:-6379}"
SENTINEL_MASTER="${SENTINEL_MASTER:-main}"
SENTINEL_HOSTS="${SENTINEL_HOSTS:-}"
SENTINEL_HOSTS="${SENTINEL_HOSTS//,/ }" # Redis.sentinels separates them with commas
RETAIN_LAST="${RETAIN_LAST:-7}"
RETAIN_DAILY_DAYS="${RETAIN_DAILY_DAYS:-7}"
RETAIN_WEEKLY_WEEKS="${RETAIN_WEEKLY_WEEKS:-4}"
SNAPSHOT_TIMEOUT_SECONDS="${SNAPSHOT_TIMEOUT_SECONDS:-1800}"
FORMAT=1
REDIS_PASSWORD="${REDIS_PASSWORD:-}"

# ------------------------------------------------------------------ logging and errors

json_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\r'/}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "$s"
}

# log LEVEL MESSAGE [key value]...: one JSON line on stderr; values that look like numbers stay numbers.
log() {
  local level="$1" msg="$2" line
  shift 2
  line="{\"time\":\"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\",\"level\":\"$level\",\"msg\":$(json_string "$msg")"
  while [ $# -ge 2 ]; do
    if [[ "$2" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then line+=",\"$1\":$2"; else line+=",\"$1\":$(json_string "$2")"; fi
    shift 2
  done
  echo "$line}" >&2
}

die() {
  log error "$1"
  exit 1
}

usage() {
  echo "usage: redis-backup.sh backup | list | verify <id> | prune | restore [<id>|latest] [--merge]" >&2
  exit 2
}

# ------------------------------------------------------------------ Redis

# The live Redis (authenticated), and the throwaway server on its socket (no password).
rcli() { REDISCLI_AUTH="$REDIS_PASSWORD" timeout 10 redis-cli --no-auth-warning "$@"; }
tcli() { redis-cli -s "$THROWAWAY_SOCK" "$@"; }

# info_field HOST PORT SECTION FIELD
# (redis-cli's own complaint goes: the callers say what failed.)
info_field() { rcli -h "$1" -p "$2" INFO "$3" 2>/dev/null | tr -d '\r' | sed -n "s/^$4://p"; }

# The Sentinels' answer for the master: "host port", from the first Sentinel that knows it.
sentinel_master_addr() {
  local s
  for s in $SENTINEL_HOSTS; do
    if out="$(rcli -h "${s%:*}" -p "${s##*:}" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null)" && [ -n "$out" ]; then
      echo "$out" | tr '\n' ' '
      return 0
    fi
  done
  return 1
}

# A replica that is up and in sync ("host port"), or nothing.
sentinel_synced_replica() {
  local s host port flags link
  for s in $SENTINEL_HOSTS; do
    # SENTINEL replicas: one block of field/value lines per replica.
    out="$(rcli -h "${s%:*}" -p "${s##*:}" SENTINEL replicas "$SENTINEL_MASTER" 2>/dev/null)" || continue
    while read -r host port flags link; do
      [ "$flags" = "slave" ] && [ "$link" = "ok" ] && { echo "$host $port"; return 0; }
    done < <(echo "$out" | tr -d '\r' | awk '
      /^ip$/ { getline; ip = $0 } /^port$/ { getline; port = $0 } /^flags$/ { getline; flags = $0 }
      /^master-link-status$/ { getline; print ip, port, flags, $0 }')
    return 0
  done
}

# Where a snapshot comes from: SOURCE_HOST, SOURCE_PORT and SOURCE_ROLE.
pick_source() {
  if [ -z "${SENTINEL_HOSTS:-}" ]; then
    [ -n "${REDIS_HOST:-}" ] || die "set REDIS_HOST (standalone) or SENTINEL_HOSTS (Sentinel set)"
    SOURCE_HOST="$REDIS_HOST" SOURCE_PORT="$REDIS_PORT" SOURCE_ROLE="standalone"
    return
  fi
  local replica master
  replica="$(sentinel_synced_replica || true)"
  if [ -n "$replica" ]; then
    read -r SOURCE_HOST SOURCE_PORT <<<"$replica"
    SOURCE_ROLE="replica"
  else
    master="$(sentinel_master_addr)" || die "no Sentinel of '$SENTINEL_HOSTS' knows master '$SENTINEL_MASTER'"
    read -r SOURCE_HOST SOURCE_PORT <<<"$master"
    SOURCE_ROLE="master"
    log warn "no replica in sync: taking the snapshot from the master" host "$SOURCE_HOST" port "$SOURCE_PORT"
  fi
}

# Where a restore goes: the master. TARGET_HOST and TARGET_PORT.
pick_master() {
  if [ -z "${SENTINEL_HOSTS:-}" ]; then
    [ -n "${REDIS_HOST:-}" ] || die "set REDIS_HOST (standalone) or SENTINEL_HOSTS (Sentinel set)"
    TARGET_HOST="$REDIS_HOST" TARGET_PORT="$REDIS_PORT"
  else
    local master
    master="$(sentinel_master_addr)" || die "no Sentinel of '$SENTINEL_HOSTS' knows master '$SENTINEL_MASTER'"
    read -r TARGET_HOST TARGET_PORT <<<"$master"
  fi
}

# check_rdb FILE: "keys expired" of a snapshot redis-check-rdb accepts (its checksum included), else fails.
check_rdb() {
  local out keys expired
  out="$(redis-check-rdb "$1" 2>&1)" || { log error "redis-check-rdb refused the snapshot" detail "$(echo "$out" | grep -m1 -iE 'error|fail|wrong|unexpected|invalid' || echo "$out" | tail -n1)"; return 1; }
  echo "$out" | grep -q "RDB looks OK" || { log error "redis-check-rdb did not report the snapshot OK" detail "$(echo "$out" | tail -n1)"; return 1; }
  keys="$(echo "$out" | sed -n 's/^\[info\] \([0-9]*\) keys read$/\1/p')"
  expired="$(echo "$out" | sed -n 's/^\[info\] \([0-9]*\) already expired$/\1/p')"
  [ -n "$keys" ] || { log error "redis-check-rdb printed no key count"; return 1; }
  echo "$keys ${expired:-0}"
}

# Throwaway redis-server on a Unix socket in DIR, loading DIR/dump.rdb; sets THROWAWAY_PID and THROWAWAY_SOCK.
start_throwaway() {
  local dir="$1"
  THROWAWAY_SOCK="$dir/redis.sock"
  redis-server --port 0 --unixsocket "$THROWAWAY_SOCK" --unixsocketperm 700 --dir "$dir" --dbfilename dump.rdb \
    --appendonly no --save "" --protected-mode yes --logfile "$dir/redis.log" &
  THROWAWAY_PID=$!
  for _ in $(seq 1 600); do
    if [ -S "$THROWAWAY_SOCK" ] && [ "$(tcli INFO persistence 2>/dev/null | tr -d '\r' | sed -n 's/^loading://p')" = "0" ]; then
      return 0
    fi
    kill -0 "$THROWAWAY_PID" 2>/dev/null || { log error "the throwaway redis-server refused the snapshot" detail "$(tail -n 3 "$dir/redis.log" | tr '\n' ' ')"; return 1; }
    sleep 0.2
  done
  log error "the throwaway redis-server did not finish loading in 120 s"
  return 1
}

stop_throwaway() {
  [ -n "${THROWAWAY_PID:-}" ] || return 0
  tcli SHUTDOWN NOSAVE >/dev/null 2>&1 || kill "$THROWAWAY_PID" 2>/dev/null || true
  wait "$THROWAWAY_PID" 2>/dev/null || true
  THROWAWAY_PID=""
}

# ------------------------------------------------------------------ the store

# Where the backups are, for messages.
store_name() { if [ "$BACKUP_TARGET" = "s3" ]; then echo "s3://$S3_BUCKET/$S3_PREFIX"; else echo "$BACKUP_DIR"; fi; }

s3() { timeout 600 s5cmd --endpoint-url "$S3_ENDPOINT" "$@"; }
s3_url() { echo "s3://$S3_BUCKET/$S3_PREFIX/$1"; }

# Fails with a clear line when the target cannot be used at all.
store_check() {
  case "$BACKUP_TARGET" in
    pvc)
      mkdir -p "$BACKUP_DIR" 2>/dev/null || true
      if [ ! -d "$BACKUP_DIR" ] || [ ! -w "$BACKUP_DIR" ]; then die "the backup target $BACKUP_DIR is not a writable directory"; fi
      ;;
    s3)
      command -v s5cmd >/dev/null || die "BACKUP_TARGET=s3 needs s5cmd on the PATH"
      if [ -z "${S3_ENDPOINT:-}" ] || [ -z "${S3_BUCKET:-}" ]; then die "BACKUP_TARGET=s3 needs S3_ENDPOINT and S3_BUCKET"; fi
      s3 ls "s3://$S3_BUCKET" >/dev/null 2>&1 || s3 ls "s3://$S3_BUCKET" 2>&1 | grep -qi "no object found" ||
        die "cannot list bucket $S3_BUCKET at $S3_ENDPOINT: $(s3 ls "s3://$S3_BUCKET" 2>&1 | tail -n1)"
      ;;
    *) die "BACKUP_TARGET must be pvc or s3, not '$BACKUP_TARGET'" ;;
  esac
}

# Complete backups (those with a manifest), oldest first.
backup_ids() {
  if [ "$BACKUP_TARGET" = "s3" ]; then
    s3 ls "$(s3_url '*/manifest.json')" 2>/dev/null | awk '{print $NF}' | sed -n 's|^\([^/]*\)/manifest\.json$|\1|p' | sort
    return 0
  fi
  local d
  [ -d "$BACKUP_DIR" ] || return 0
  for d in "$BACKUP_DIR"/*/; do
    [ -f "$d/manifest.json" ] && basename "$d"
  done | sort
}

# store_read ID FILE: the file's content on stdout.
store_read() {
  if [ "$BACKUP_TARGET" = "s3" ]; then s3 cat "$(s3_url "$1/$2")"; else cat "$BACKUP_DIR/$1/$2"; fi
}

is_verified() {
  if [ "$BACKUP_TARGET" = "s3" ]; then s3 ls "$(s3_url "$1/verified.json")" >/dev/null 2>&1; else [ -f "$BACKUP_DIR/$1/verified.json" ]; fi
}

# store_fetch ID DIR: the backup's files into DIR (the folder itself on a volume is read in place: copied anyway,
# so that verify and restore read exactly what they check).
store_fetch() {
  mkdir -p "$2"
  if [ "$BACKUP_TARGET" = "s3" ]; then
    s3 cp "$(s3_url "$1/*")" "$2/" >/dev/null
  else
    cp "$BACKUP_DIR/$1/"* "$2/"
  fi
}

# store_write SRC_DIR ID: SRC_DIR's files become backup ID; the manifest counts it, so it comes last.
store_write() {
  local src="$1" id="$2"
  if [ "$BACKUP_TARGET" = "s3" ]; then
    s3 ls "$(s3_url "$id/manifest.json")" >/dev/null 2>&1 && die "backup $id already exists"
    s3 cp "$src/dump.rdb.gz" "$(s3_url "$id/dump.rdb.gz")" >/dev/null
    s3 cp "$src/SHA256SUMS" "$(s3_url "$id/SHA256SUMS")" >/dev/null
    s3 cp "$src/manifest.json" "$(s3_url "$id/manifest.json")" >/dev/null
    return
  fi
  local staging="$BACKUP_DIR/.incomplete/$id"
  [ ! -e "$BACKUP_DIR/$id" ] || die "backup $id already exists"
  mkdir -p "$BACKUP_DIR/.incomplete"
  rm -rf "$staging"
  mkdir "$staging"
  cp "$src/dump.rdb.gz" "$src/SHA256SUMS" "$src/manifest.json" "$staging/"
  sync "$staging"/* 2>/dev/null || sync
  mv "$staging" "$BACKUP_DIR/$id"
  sync "$BACKUP_DIR" 2>/dev/null || true
}

# store_mark_verified ID FILE: FILE becomes the backup's verified.json, in one step.
store_mark_verified() {
  if [ "$BACKUP_TARGET" = "s3" ]; then
    s3 cp "$2" "$(s3_url "$1/verified.json")" >/dev/null
  else
    cp "$2" "$BACKUP_DIR/$1/.verified.json.tmp"
    mv "$BACKUP_DIR/$1/.verified.json.tmp" "$BACKUP_DIR/$1/verified.json"
  fi
}

# store_delete ID: the manifest goes first, so a deletion cut short never leaves something that looks complete.
store_delete() {
  if [ "$BACKUP_TARGET" = "s3" ]; then
    s3 rm "$(s3_url "$1/manifest.json")" >/dev/null 2>&1 || true
    s3 rm "$(s3_url "$1/*")" >/dev/null 2>&1 || true
  else
    rm -f "$BACKUP_DIR/$1/manifest.json"
    rm -rf "${BACKUP_DIR:?}/$1"
  fi
}

# Leftovers of runs that died more than an hour ago: staging folders, or objects of an id without a manifest.
store_cleanup_incomplete() {
  local now="$1" id
  if [ "$BACKUP_TARGET" = "s3" ]; then
    local complete
    complete=" $(backup_ids | tr '\n' ' ') "
    for id in $(s3 ls "$(s3_url '*')" 2>/dev/null | awk '{print $NF}' | cut -d/ -f1 | sort -u); do
      [[ "$complete" == *" $id "* ]] && continue
      epoch="$(id_epoch "$id" 2>/dev/null)" || continue
      if [ $((now - epoch)) -gt 3600 ]; then s3 rm "$(s3_url "$id/*")" >/dev/null 2>&1 || true; fi
    done
    return 0
  fi
  find "$BACKUP_DIR/.incomplete" -mindepth 1 -maxdepth 1 -mmin +60 -exec rm -rf {} + 2>/dev/null || true
}

manifest_field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n1; }

latest_verified() {
  local id
  for id in $(backup_ids | sort -r); do
    is_verified "$id" && { echo "$id"; return 0; }
  done
  return 1
}

# id_epoch ID: seconds since the epoch of a backup id (20261202T133000Z).
id_epoch() {
  [[ "$1" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || return 1
  date -u -d "$(echo "$1" | sed -E 's/^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$/\1-\2-\3 \4:\5:\6/')" +%s
}

# ------------------------------------------------------------------ verify

# verify ID: the stored files' checksum, then a load into a throwaway redis-server whose loaded and
# expired keys must add up to the manifest's key count. Writes verified.json on success.
verify() {
  local id="$1" work keys info loaded expired now
  backup_ids | grep -qx "$id" || die "no complete backup $id in $(store_name) (see: redis-backup.sh list)"
  work="$SCRATCH_DIR/verify-$id"
  rm -rf "$work" && mkdir -p "$work/files"
  if ! store_fetch "$id" "$work/files"; then
    rm -rf "$work"
    log error "could not read backup $id from $(store_name)" backup "$id"
    return 1
  fi
  if ! (cd "$work/files" && sha256sum --check --status SHA256SUMS); then
    rm -rf "$work"
    log error "checksum mismatch: the stored snapshot is not the one that was written" backup "$id"
    return 1
  fi
  if ! gzip -dc "$work/files/dump.rdb.gz" >"$work/dump.rdb"; then
    rm -rf "$work"
    log error "the stored snapshot does not decompress" backup "$id"
    return 1
  fi
  keys="$(manifest_field keys <"$work/files/manifest.json")"
  if ! start_throwaway "$work"; then
    stop_throwaway; rm -rf "$work"
    return 1
  fi
  info="$(tcli INFO persistence | tr -d '\r')"
  loaded="$(sed -n 's/^rdb_last_load_keys_loaded://p' <<<"$info")"
  expired="$(sed -n 's/^rdb_last_load_keys_expired://p' <<<"$info")"
  stop_throwaway
  if [ -z "$loaded" ] || [ $((loaded + expired)) -ne "$keys" ]; then
    rm -rf "$work"
    log error "the restored snapshot does not hold the manifest's keys" backup "$id" manifest_keys "$keys" loaded "${loaded:-unknown}" expired_on_load "${expired:-unknown}"
    return 1
  fi
  now="$(date -u +%s)"
  printf '{"format":%s,"verified_at":"%s","verified_at_seconds":%s,"keys_loaded":%s,"keys_expired_on_load":%s}\n' \
    "$FORMAT" "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)" "$now" "$loaded" "$expired" >"$work/verified.json"
  store_mark_verified "$id" "$work/verified.json"
  rm -rf "$work"
  log info "backup verified by a restore" backup "$id" keys_loaded "$loaded" keys_expired_on_load "$expired"
}

# ------------------------------------------------------------------ retention

# Keeps the newest RETAIN_LAST backups, the newest of each of the last RETAIN_DAILY_DAYS days and of the last
# RETAIN_WEEKLY_WEEKS ISO weeks, and always the newest verified one; deletes the rest, and staging
# folders of runs that died. Prints the ids it deletes.
retention() {
  local now ids keep=() id epoch day week newest_verified n=0
  local -A kept_day=() kept_week=()
  now="${RETENTION_NOW:-$(date -u +%s)}" # RETENTION_NOW (epoch seconds): a fixed clock for the tests
  mapfile -t ids < <(backup_ids | sort -r)
  newest_verified="$(latest_verified || true)"
  for id in "${ids[@]}"; do
    epoch="$(id_epoch "$id")" || { log warn "not a backup id, left alone" entry "$id"; keep+=("$id"); continue; }
    day="$(date -u -d "@$epoch" +%F)" week="$(date -u -d "@$epoch" +%G-W%V)"
    n=$((n + 1))
    if [ "$n" -le "$RETAIN_LAST" ] || [ "$id" = "$newest_verified" ]; then
      keep+=("$id")
    elif [ $(((now - epoch) / 86400)) -lt "$RETAIN_DAILY_DAYS" ] && [ -z "${kept_day[$day]:-}" ]; then
      keep+=("$id")
    elif [ $(((now - epoch) / 604800)) -lt "$RETAIN_WEEKLY_WEEKS" ] && [ -z "${kept_week[$week]:-}" ]; then
      keep+=("$id")
    else
      store_delete "$id"
      echo "$id"
      continue
    fi
    # The newest backup of a day or week stands for it.
    kept_day[$day]=1
    kept_week[$week]=1
  done
  store_cleanup_incomplete "$now"
}

# ------------------------------------------------------------------ outcome report

# push_metrics SUCCESS [DURATION]: the outcome as Prometheus metrics to the Pushgateway (POST: replaces only
# these metrics of the group). The figures of the newest verified backup come from the store itself, so a
# failed run, or a Pushgateway that lost its state, still reports the truth.
push_metrics() {
  local ok="$1" duration="${2:-}" body id manifest url host port path status
  [ -n "${PUSHGATEWAY_URL:-}" ] || return 0
  body="# TYPE redis_backup_last_run_success gauge
redis_backup_last_run_success $ok
# TYPE redis_backup_last_run_timestamp_seconds gauge
redis_backup_last_run_timestamp_seconds $(date -u +%s)
"
  [ -z "$duration" ] || body+="# TYPE redis_backup_duration_seconds gauge
redis_backup_duration_seconds $duration
"
  if id="$(backup_ids | tail -n1)" && [ -n "$id" ]; then
    body+="# TYPE redis_backup_last_success_timestamp_seconds gauge
redis_backup_last_success_timestamp_seconds $(id_epoch "$id")
"
  fi
  if id="$(latest_verified)"; then
    manifest="$(store_read "$id" manifest.json)"
    body+="# TYPE redis_backup_last_verified_timestamp_seconds gauge
redis_backup_last_verified_timestamp_seconds $(store_read "$id" verified.json | manifest_field verified_at_seconds)
# TYPE redis_backup_size_bytes gauge
redis_backup_size_bytes $(manifest_field compressed_bytes <<<"$manifest")
# TYPE redis_backup_keys gauge
redis_backup_keys $(manifest_field keys <<<"$manifest")
"
  fi
  url="${PUSHGATEWAY_URL#http://}"
  host="${url%%[:/]*}" port=80
  [[ "$url" != "$host:"* ]] || { port="${url#"$host":}"; port="${port%%/*}"; }
  path="/metrics/job/redis-backup/namespace/${BACKUP_NAMESPACE:-default}/redis/${BACKUP_REDIS:-redis}"
  # bash's /dev/tcp: the redis image has no curl. HTTP/1.0, one request, read the status line.
  if ! status="$(
    { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || exit 1
    printf 'POST %s HTTP/1.0\r\nHost: %s\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: %s\r\n\r\n%s' "$path" "$host" "${#body}" "$body" >&3
    timeout 10 head -n1 <&3 | tr -d '\r'
  )" || [[ "$status" != HTTP/1.?\ 2* ]]; then
    log warn "could not push the outcome to the Pushgateway" url "$PUSHGATEWAY_URL" status "${status:-no answer}"
    return 0
  fi
}

# ------------------------------------------------------------------ commands

on_backup_exit() {
  local rc=$?
  stop_throwaway
  [ "$rc" -eq 0 ] || push_metrics 0 "$(($(date -u +%s) - BACKUP_START))"
  exit "$rc"
}

cmd_backup() {
  local start id work keys expired version dbsize rdb_bytes gz_bytes sum deleted
  start="$(date -u +%s)"
  # Any failure from here on is reported, with what is known of the store.
  BACKUP_START="$start"
  trap on_backup_exit EXIT
  mkdir -p "$SCRATCH_DIR"
  store_check
  pick_source
  id="$(date -u -d "@$start" +%Y%m%dT%H%M%SZ)"
  work="$SCRATCH_DIR/backup-$id"
  rm -rf "$work" && mkdir -p "$work"

  version="$(info_field "$SOURCE_HOST" "$SOURCE_PORT" server redis_version)" || die "cannot reach Redis at $SOURCE_HOST:$SOURCE_PORT (or the password is wrong)"
  [ -n "$version" ] || die "Redis at $SOURCE_HOST:$SOURCE_PORT did not answer INFO: is the password right?"
  dbsize="$(rcli -h "$SOURCE_HOST" -p "$SOURCE_PORT" DBSIZE 2>/dev/null)"
  log info "taking a snapshot" backup "$id" host "$SOURCE_HOST" port "$SOURCE_PORT" role "$SOURCE_ROLE" redis_version "$version" dbsize "$dbsize"
  if ! REDISCLI_AUTH="$REDIS_PASSWORD" timeout "$SNAPSHOT_TIMEOUT_SECONDS" redis-cli --no-auth-warning -h "$SOURCE_HOST" -p "$SOURCE_PORT" --rdb "$work/dump.rdb" >"$work/rdb.log" 2>&1; then
    die "redis-cli --rdb failed: $(tail -n1 "$work/rdb.log")"
  fi
  [ -s "$work/dump.rdb" ] || die "redis-cli --rdb wrote an empty snapshot"
  read -r keys expired < <(check_rdb "$work/dump.rdb") || die "the snapshot from $SOURCE_HOST:$SOURCE_PORT is corrupt"

  rdb_bytes="$(stat -c %s "$work/dump.rdb")"
  gzip -6 -c "$work/dump.rdb" >"$work/dump.rdb.gz"
  rm -f "$work/dump.rdb"
  gz_bytes="$(stat -c %s "$work/dump.rdb.gz")"
  (cd "$work" && sha256sum dump.rdb.gz >SHA256SUMS)
  sum="$(cut -d' ' -f1 "$work/SHA256SUMS")"
  printf '{"format":%s,"id":"%s","created_at":"%s","source":{"host":%s,"port":%s,"role":"%s","redis_version":"%s"},"keys":%s,"keys_expired_at_snapshot":%s,"rdb_bytes":%s,"compressed_bytes":%s,"sha256":"%s","file":"dump.rdb.gz"}\n' \
    "$FORMAT" "$id" "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" "$(json_string "$SOURCE_HOST")" "$SOURCE_PORT" "$SOURCE_ROLE" "$version" \
    "$keys" "$expired" "$rdb_bytes" "$gz_bytes" "$sum" >"$work/manifest.json"
  store_write "$work" "$id"
  rm -rf "$work"
  log info "backup stored" backup "$id" keys "$keys" rdb_bytes "$rdb_bytes" compressed_bytes "$gz_bytes" sha256 "$sum"

  verify "$id" || die "backup $id failed verification: it is kept, unverified, and never counts as a good backup"
  deleted="$(retention | tr '\n' ' ')"
  [ -z "$deleted" ] || log info "retention deleted old backups" deleted "$deleted"
  push_metrics 1 "$(($(date -u +%s) - start))"
  log info "backup done" backup "$id" keys "$keys" compressed_bytes "$gz_bytes" duration_seconds "$(($(date -u +%s) - start))"
}

cmd_list() {
  local id state manifest
  store_check
  printf '%-18s %-9s %10s %14s  %s\n' ID STATE KEYS BYTES SOURCE
  for id in $(backup_ids | sort -r); do
    state="complete"; ! is_verified "$id" || state="verified"
    manifest="$(store_read "$id" manifest.json)"
    printf '%-18s %-9s %10s %14s  %s\n' "$id" "$state" "$(manifest_field keys <<<"$manifest")" \
      "$(manifest_field compressed_bytes <<<"$manifest")" "$(manifest_field role <<<"$manifest")"
  done
}

# Runs in the throwaway server: every key to the master at ARGV[1]:ARGV[2] (password ARGV[3]); returns how many sent.
MIGRATE_ALL_LUA='
local cursor, sent = "0", 0
repeat
  local page = redis.call("SCAN", cursor, "COUNT", 1000)
  cursor = page[1]
  if #page[2] > 0 then
    local args = {ARGV[1], ARGV[2], "", 0, 60000, "COPY", "REPLACE"}
    if ARGV[3] ~= "" then table.insert(args, "AUTH"); table.insert(args, ARGV[3]) end
    table.insert(args, "KEYS")
    for _, k in ipairs(page[2]) do table.insert(args, k) end
    redis.call("MIGRATE", unpack(args))
    sent = sent + #page[2]
  end
until cursor == "0"
return sent'

cmd_restore() {
  local id="${1:-latest}" merge="${2:-}" work dir keys out live
  if [ "$id" = "--merge" ]; then id="latest" merge="--merge"; fi
  [ -z "$merge" ] || [ "$merge" = "--merge" ] || usage
  store_check
  if [ "$id" = "latest" ]; then
    id="$(latest_verified)" || die "no verified backup in $(store_name): nothing safe to restore (see: redis-backup.sh list)"
  fi
  backup_ids | grep -qx "$id" || die "no complete backup $id in $(store_name) (see: redis-backup.sh list)"
  is_verified "$id" || die "backup $id was never verified: refusing to restore it (verify it first: redis-backup.sh verify $id)"
  trap 'stop_throwaway' EXIT
  # Nothing live is touched until the stored files match their checksum and load into a throwaway server.
  work="$SCRATCH_DIR/restore-$id"
  rm -rf "$work" && mkdir -p "$work/files"
  dir="$work/files"
  store_fetch "$id" "$dir" || die "could not read backup $id from $(store_name)"
  (cd "$dir" && sha256sum --check --status SHA256SUMS) || die "backup $id does not match its checksum: it is corrupt; refusing to restore it"
  gzip -dc "$dir/dump.rdb.gz" >"$work/dump.rdb" || die "backup $id does not decompress: refusing to restore it"
  start_throwaway "$work" || die "backup $id does not load: refusing to restore it"
  keys="$(tcli DBSIZE)"
  pick_master
  [ "$(info_field "$TARGET_HOST" "$TARGET_PORT" replication role)" = "master" ] || die "$TARGET_HOST:$TARGET_PORT is not a master: restore into the master"
  log info "restoring" backup "$id" keys "$keys" host "$TARGET_HOST" port "$TARGET_PORT" mode "${merge:-replace}"
  if [ -z "$merge" ]; then
    rcli -h "$TARGET_HOST" -p "$TARGET_PORT" FLUSHALL >/dev/null || die "FLUSHALL on $TARGET_HOST:$TARGET_PORT failed"
  fi
  # The throwaway server sends the keys itself, in one script: SCAN 1,000 at a time and MIGRATE COPY REPLACE them
  # (values and TTLs kept, binary-safe names; SCAN may return a key twice, and sending it twice is harmless).
  out="$(tcli EVAL "$MIGRATE_ALL_LUA" 0 "$TARGET_HOST" "$TARGET_PORT" "$REDIS_PASSWORD" 2>&1)" ||
    die "copying the keys to $TARGET_HOST:$TARGET_PORT failed: $out"
  [[ "$out" =~ ^[0-9]+$ ]] || die "copying the keys to $TARGET_HOST:$TARGET_PORT failed: $out"
  stop_throwaway
  rm -rf "$work"
  live="$(rcli -h "$TARGET_HOST" -p "$TARGET_PORT" DBSIZE)"
  # Replacing, the live Redis must now hold exactly the backup's keys (a key the copy missed, or one a client
  # wrote meanwhile, shows here); merging, at least as many.
  if { [ -z "$merge" ] && [ "$live" -ne "$keys" ]; } || [ "$live" -lt "$keys" ]; then
    die "restore of $id left $live keys in $TARGET_HOST:$TARGET_PORT where the backup holds $keys: check for writes during the restore, then restore again"
  fi
  log info "restore done" backup "$id" keys_restored "$keys" host "$TARGET_HOST" port "$TARGET_PORT" live_dbsize "$live"
}

case "${1:-}" in
  backup) [ $# -eq 1 ] || usage; cmd_backup ;;
  list) [ $# -eq 1 ] || usage; cmd_list ;;
  verify) [ $# -eq 2 ] || usage; verify "$2" || exit 1 ;;
  prune)
    [ $# -eq 1 ] || usage
    store_check
    deleted="$(retention | tr '\n' ' ')"
    log info "retention applied" deleted "${deleted:-none}" kept "$(backup_ids | wc -l)"
    ;;
  restore) [ $# -le 3 ] || usage; shift; cmd_restore "$@" ;;
  *) usage ;;
esac

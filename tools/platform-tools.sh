#!/usr/bin/env bash
# Builds, or reuses from a cache outside the work tree, the external Go tools that the test suites run for real
# (promtool, amtool, ...), at the versions of tools/platform-tools.json, the one place those versions live.
#
#   bash tools/platform-tools.sh [--only name[,name]] [--budget-seconds N]
#
# Cache: ${PLATFORM_TOOLS_CACHE:-$HOME/.cache/platform-tools}/<name>-<version>/bin/<binary>. A tool is reused when
# each of its binaries runs `--version` and prints the pinned release; otherwise it is built with
# `go install <package>@<version>` (CGO_ENABLED=0, GOFLAGS=-trimpath, the table's -ldflags) into a temp dir in the
# cache, then moved into place whole, so a half-built tool never looks complete. A module whose go.mod has replace
# or exclude directives, which `go install pkg@version` refuses, is built through a wrapper module generated in that
# temp dir, with the module's non-local replace and exclude directives copied (PLATFORM_TOOLS_WRAPPER=1 forces
# this path, to test it); so is one whose row lists stubFiles, generated files that upstream makes before its
# release builds and the module lacks: it is built from a copy of the module with them as placeholders; and so is
# one whose row says "wrapper": true (`go install pkg@version` asks the proxy for the module's version list, which
# the proxy refuses for some modules whose versions it serves). A row with "builder" (an OpenTelemetry Collector
# builder manifest in this repository) installs the builder at its version and builds the collector the manifest
# describes; that tool is reused only while the cached copy of the manifest equals the current one. A row with
# "pinLocalReplaces" (Kubernetes) is built through the wrapper with each module its go.mod replaces by a local
# directory pinned to that published version. A row with "prepare" (a node script in this repository and its
# arguments) is built from a copy of the module in which that script first generates what the module lacks. Then <cache>/bin/<binary> is a link to each current version, and a binary whose tool is
# not there at its current version has no link: the tests find the binaries there (components/testing/tools.ts).
#
# --only: these tools of the table only. --budget-seconds N: no build starts once N seconds have passed, and a
# build still running then is stopped (Go's build cache keeps what it compiled: the next run goes on from there).
# Prints one line per tool: reused, built, or not built and why, with the seconds it took; a build's output is
# in <cache>/logs/<name>-<version>.log. Exit status: 0 when every selected tool is there, 1 when one is not,
# 2 on a usage error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
table="$here/platform-tools.json"
cache="${PLATFORM_TOOLS_CACHE:-$HOME/.cache/platform-tools}"

usage() {
  echo "usage: bash tools/platform-tools.sh [--only name[,name]] [--budget-seconds N]" >&2
  exit 2
}
only="" budget=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || usage; only="$2"; shift 2 ;;
    --only=*) only="${1#*=}"; shift ;;
    --budget-seconds) [ $# -ge 2 ] || usage; budget="$2"; shift 2 ;;
    --budget-seconds=*) budget="${1#*=}"; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "platform-tools: unknown argument $1" >&2; usage ;;
  esac
done
[[ -z "$budget" || "$budget" =~ ^[0-9]+$ ]] || { echo "platform-tools: --budget-seconds takes whole seconds, not $budget" >&2; exit 2; }

node="$(command -v node || true)"
[ -n "$node" ] || node="$here/../node_modules/.bin/node"
[ -x "$node" ] || { echo "platform-tools: needs node (on the PATH, or node_modules/.bin/node after npm ci)" >&2; exit 2; }
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || PATH="$PATH:/usr/local/go/bin"

# The table, one line per selected tool, fields separated by \x1f (tabs would merge empty fields):
# name, module, version, packages, binaries, ldflags, what the version command must print, stub files, wrapper (1 or
# empty), the version command's arguments, the builder manifest (a path, or empty), the version local replaces are
# pinned to (or empty), the prepare script and its arguments (or empty).
# shellcheck disable=SC2016 # JavaScript in single quotes
rows="$("$node" -e '
  const [file, only] = process.argv.slice(1);
  const { tools } = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const names = tools.map((t) => t.name);
  const wanted = only ? only.split(",").filter(Boolean) : names;
  const unknown = wanted.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    console.error(`platform-tools: no tool ${unknown.join(", ")} in the table (it has ${names.join(", ")})`);
    process.exit(2);
  }
  const fill = (s, t) => s.replaceAll("{version}", t.version).replaceAll("{release}", t.release);
  for (const t of tools.filter((t) => wanted.includes(t.name))) {
    console.log([t.name, t.module, t.version, t.binaries.map((b) => b.package).join(" "), t.binaries.map((b) => b.binary).join(" "),
      (t.ldflags ?? []).map((f) => fill(f, t)).join(" "), fill(t.versionOutput, t), (t.stubFiles ?? []).join(" "), t.wrapper ? "1" : "", (t.versionArgs ?? ["--version"]).join(" "), t.builder ?? "", t.pinLocalReplaces ?? "", (t.prepare ?? []).map((a) => fill(a, t)).join(" ")].join("\x1f"));
  }' "$table" "$only")" || exit 2

mkdir -p "$cache/bin" "$cache/logs"
if command -v flock >/dev/null; then
  exec 9>"$cache/.lock"
  flock -n 9 || { echo "platform-tools: waiting for another run of this script on $cache"; flock 9; }
  rm -rf "$cache"/.build-* # left by a run that was killed: with the lock, no other run is using them
fi

# runs DIR EXPECT BINARY...: every binary is in DIR/bin, and running it with $version_args (--version, or what the
# table says) prints EXPECT.
runs() {
  local dir="$1" expect="$2" b out
  shift 2
  [ -z "$manifest" ] || cmp -s "$dir/builder-config.yaml" "$here/../$manifest" || return 1
  for b in "$@"; do
    [ -x "$dir/bin/$b" ] || return 1
    if [ "$version_args" = "@buildinfo" ]; then
      # A binary without a version flag (a Pulumi plugin): its build information, which names the modules it was built from.
      out="$(go version -m "$dir/bin/$b" 2>&1)" || return 1
    else
      # shellcheck disable=SC2086 # one argument per word
      out="$(timeout 30 "$dir/bin/$b" $version_args 2>&1)" || return 1
    fi
    [[ "$out" == *"$expect"* ]] || return 1
  done
}

# The wrapper module's `go mod edit` flags for a go.mod: its replace directives to modules (not to local
# directories) and its exclude directives; nothing when it has none. With PIN (a version), each module the go.mod
# requires and replaces with a local directory (Kubernetes' staging modules, required at v0.0.0) is pinned to that
# published version instead.
directives() {
  # shellcheck disable=SC2016 # JavaScript in single quotes
  go mod edit -json "$1" | "$node" -e '
    const pin = process.argv[1];
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const m = JSON.parse(s);
      const at = (p) => p.Path + (p.Version ? "@" + p.Version : "");
      const required = new Set((m.Require ?? []).map((r) => r.Path));
      for (const r of m.Replace ?? []) {
        if (r.New.Version) console.log(`-replace=${at(r.Old)}=${at(r.New)}`);
        else if (pin && required.has(r.Old.Path)) console.log(`-replace=${r.Old.Path}=${r.Old.Path}@${pin}`);
      }
      for (const e of m.Exclude ?? []) console.log(`-exclude=${at(e)}`);
    });' "${2:-}"
}

# build NAME MODULE VERSION PACKAGES BINARIES LDFLAGS EXPECT STUBS WRAPPER LOG: builds into a temp dir, checks --version, then
# moves the result to <cache>/<name>-<version>. Run in a subshell ($(build ...)): it prints nothing when it
# succeeds, and one line saying why when it fails (status 1).
build() {
  local name="$1" module="$2" version="$3" pkgs="$4" bins="$5" ldflags="$6" expect="$7" stubs="$8" wrapper="$9" log="${10}"
  local tmp info gomod src why status=0 f p limit=() targets=() edits=()
  command -v go >/dev/null || { echo "go is not installed"; return 1; }
  tmp="$(mktemp -d "$cache/.build-$name-XXXXXX")" || return 1
  # shellcheck disable=SC2064 # this subshell's temp dir, expanded now
  trap "rm -rf $(printf %q "$tmp")" EXIT
  [ -z "$budget" ] || limit=(timeout --kill-after=10 "$((budget - SECONDS > 1 ? budget - SECONDS : 1))")
  export GOBIN="$tmp/out/bin" GOFLAGS=-trimpath CGO_ENABLED=0 GOWORK=off
  echo "== $name $version, $(date -u +%FT%TZ), $(go version)" >"$log"
  info="$(cd "$tmp" && "${limit[@]}" go mod download -json "$module@$version" 2>>"$log")" || status=$?
  echo "$info" >>"$log"
  if [ "$status" -eq 0 ]; then
    { read -r gomod; read -r src; } < <(printf '%s' "$info" | "$node" -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const i=JSON.parse(s);console.log(i.GoMod+"\n"+i.Dir)})')
    mapfile -t edits < <(directives "$gomod" "$pin")
    if [ -n "$stubs" ] || [ -n "$prepare" ]; then
      # A writable copy of the module with the generated files it lacks: placeholders, or made by the row's
      # prepare script (node, run in the copy); the wrapper uses it.
      echo "== from a copy of the module with: ${stubs:-} ${prepare:-}" >>"$log"
      cp -R "$src" "$tmp/src" && chmod -R u+w "$tmp/src" || status=$?
      for f in $stubs; do
        mkdir -p "$(dirname "$tmp/src/$f")" && echo "placeholder made by tools/platform-tools.sh: $f is not in the Go module" >"$tmp/src/$f" || status=$?
      done
      if [ -n "$prepare" ] && [ "$status" -eq 0 ]; then
        # shellcheck disable=SC2086 # the script, then its arguments, one per word
        (cd "$tmp/src" && set -- $prepare && "$node" "$here/../$1" "${@:2}") >>"$log" 2>&1 || status=$?
      fi
      edits+=("-replace=$module=../src") # relative to the wrapper: no temp path in the binary's build info
    fi
    for p in $pkgs; do targets+=("$p@$version"); done
    if [ "$status" -ne 0 ]; then
      :
    elif [ -n "$manifest" ]; then
      # The builder generates a main module from the manifest, then runs go mod tidy and go build itself.
      echo "== the collector builder with $manifest" >>"$log"
      cp "$here/../$manifest" "$tmp/builder-config.yaml" &&
        (cd "$tmp" && GOBIN="$tmp/ocb" "${limit[@]}" go install "$module@$version" &&
          "${limit[@]}" "$tmp/ocb/builder" --config builder-config.yaml --ldflags="$ldflags" &&
          mkdir -p out/bin && for b in $bins; do mv "build/$b" out/bin/ || exit 1; done &&
          cp builder-config.yaml out/) >>"$log" 2>&1 || status=$?
    elif [ ${#edits[@]} -eq 0 ] && [ -z "$wrapper" ] && [ -z "$pin" ] && [ -z "${PLATFORM_TOOLS_WRAPPER:-}" ]; then
      (cd "$tmp" && "${limit[@]}" go install -ldflags="$ldflags" "${targets[@]}") >>"$log" 2>&1 || status=$?
    else
      echo "== through a wrapper module, with: ${edits[*]}" >>"$log"
      # shellcheck disable=SC2086 # one package per word
      (mkdir "$tmp/wrapper" && cd "$tmp/wrapper" && go mod init platform-tools-wrapper &&
        go mod edit -require="$module@$version" "${edits[@]}" &&
        "${limit[@]}" go get "${targets[@]}" &&
        "${limit[@]}" go install -ldflags="$ldflags" $pkgs) >>"$log" 2>&1 || status=$?
    fi
  fi
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "stopped when the budget of ${budget} s was spent (Go's build cache keeps what was compiled)"
    return 1
  elif [ "$status" -ne 0 ]; then
    why="$(grep -v -E '^(go: downloading|go: finding|go: added|go: upgraded|==)' "$log" | grep -m1 -E '^go: |"Error": |\.go:[0-9]+:|error|cannot ' | sed -E 's/^[[:space:]]*"Error": "(.*)",?$/\1/; s/\\n.*//' || true)"
    echo "${why:-$(tail -n1 "$log")}" | cut -c1-300
    return 1
  fi
  # shellcheck disable=SC2086 # one binary per word
  if ! runs "$tmp/out" "$expect" $bins; then
    echo "built, but not every binary prints '$expect' for $version_args"
    return 1
  fi
  printf 'module %s@%s\nbuilt %s with %s\nldflags %s\n' "$module" "$version" "$(date -u +%FT%TZ)" "$(go version)" "$ldflags" >"$tmp/out/BUILD-INFO"
  rm -rf "${cache:?}/$name-$version"
  mv "$tmp/out" "$cache/$name-$version"
}

missing=0
while IFS=$'\x1f' read -r -u 3 name module version pkgs bins ldflags expect stubs wrapper version_args manifest pin prepare; do
  start=$SECONDS
  dir="$cache/$name-$version"
  # shellcheck disable=SC2086 # one binary per word
  if runs "$dir" "$expect" $bins; then
    result="reused" why=""
  elif [ -n "$budget" ] && [ "$SECONDS" -ge "$budget" ]; then
    result="NOT BUILT" why=": the budget of ${budget} s was spent before it could start"
  elif why="$(build "$name" "$module" "$version" "$pkgs" "$bins" "$ldflags" "$expect" "$stubs" "$wrapper" "$cache/logs/$name-$version.log")"; then
    result="built"
  else
    result="NOT BUILT" why=": $why (log: $cache/logs/$name-$version.log)"
  fi
  for b in $bins; do
    if [ "$result" = "NOT BUILT" ]; then
      rm -f "$cache/bin/$b"
    else
      ln -sfn "../$name-$version/bin/$b" "$cache/bin/$b"
    fi
  done
  [ "$result" != "NOT BUILT" ] || missing=1
  echo "platform-tools: $name $version (${bins// /, }): $result, $((SECONDS - start)) s$why"
done 3<<<"$rows"
exit "$missing"

# shellcheck shell=bash
# The tool cache every install-tools script shares (sourced, not run): one folder, one stamp
# scheme, one way to choose tools and to wait for a build already under way.
#
#   ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin      the binaries
#   ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/stamps   one file per binary: what it was built from
#                                                    (module@version, or a hash of a committed
#                                                    go.mod/go.sum), so a pin change rebuilds it
#                                                    and an unchanged pin never does
#   ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/build-times.log   wall time of every build
#
# The caller sets TOOL_LOG_PREFIX (e.g. install-tools) before sourcing; REPO_ROOT is derived here.
# Go's own caches (GOCACHE, GOMODCACHE) are left to the environment.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
BIN="$TOOLS_DIR/bin"
STAMPS="$TOOLS_DIR/stamps"
TIMES="$TOOLS_DIR/build-times.log"
mkdir -p "$BIN" "$STAMPS"

ONLY=""

log() { printf '[%s] %s\n' "${TOOL_LOG_PREFIX:-tools}" "$*" >&2; }

# parse_tool_args ARGS...: `--only NAME[,NAME...]` chooses tools; any other argument goes to the
# caller's `tool_extra_arg ARG` when it defines one (non-zero: unknown), else it is refused.
parse_tool_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --only) ONLY="$2"; shift ;;
      *)
        if ! declare -F tool_extra_arg >/dev/null || ! tool_extra_arg "$1"; then
          echo "unknown argument: $1" >&2
          exit 2
        fi
        ;;
    esac
    shift
  done
}

# Whether to install NAME: every tool without --only, else the ones it names.
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
# Optional tools: installed only when --only names them.
want_extra() { [[ ",$ONLY," == *",$1,"* ]]; }

# A stamp records what a binary was built from; the binary is current when both match.
have_stamp() { [ -x "$BIN/$1" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
set_stamp() { printf '%s' "$2" >"$STAMPS/$1"; }

# SHA-256 of the files, concatenated.
hash_files() { cat "$@" | sha256sum | cut -d' ' -f1; }
# SHA-256 of a committed wrapper module's go.mod and go.sum (tools/NAME).
module_sum() { hash_files "$REPO_ROOT/tools/$1/go.mod" "$REPO_ROOT/tools/$1/go.sum"; }

# Never run two copies of the same build: waits while another `go build`/`go install` writes
# $BIN/NAME (or NAME.tmp).
wait_for_build() {
  while pgrep -f "go (build|install) .*$BIN/$1(\.tmp)?( |$)" >/dev/null 2>&1; do
    log "$1: another build is writing it; waiting"
    sleep 15
  done
}

# timed NAME COMMAND...: runs the command and records its wall time in $TIMES.
timed() {
  local name="$1" start end
  shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  printf '%s %s %ss\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" >>"$TIMES"
  log "$name: built in $((end - start))s"
}

# go_tool NAME MODULE@VERSION: `go install`, stamped with MODULE@VERSION.
go_tool() {
  local name="$1" spec="$2"
  if have_stamp "$name" "$spec"; then
    log "$name: cached ($spec)"
    return
  fi
  log "$name: go install $spec"
  timed "$name" env GOBIN="$BIN" GOFLAGS=-mod=mod go install "$spec"
  set_stamp "$name" "$spec"
}

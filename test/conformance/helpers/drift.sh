# shellcheck shell=bash
# The SBOM drift agent against REAL process roots, with no mock of the file system: two root file
# systems holding real package databases (dpkg status with a Python dist-info and an npm package;
# an apk installed DB), pushed as images to the loopback registry, their SBOMs made by the real
# syft from those images (as the release workflow does), signed and attested with cosign (bundle
# format + TSA, the conformance CA's identities). Real long-running processes run chrooted in
# copies of those roots, each in its own mount namespace and in a cgroup named like a containerd
# container, one as an unprivileged user. The real `scb drift-agent` (its node's pods from a
# pod-list STAND-IN for the API server, the only stand-in) reaches them through /proc/<pid>/root,
# under the exact capabilities its DaemonSet grants (setpriv: SYS_PTRACE and DAC_READ_SEARCH).
# Then a package is changed inside one root while its process runs.
#
#   scb_drift_rows ROWS_TSV
#
# Needs root (chroot, unshare -m, cgroups, setpriv), syft (install-tools.sh), SCB_WORK, SCB_TSA_URL,
# the test CA in $SCB_WORK/ca, REPO_ROOT (lib/ built), PY, HERE; sources deploy-gate.sh first.

_scb_drift_row() { # case mode expected actual [note]
  "$PY" "$HERE/helpers/matrix.py" row "$1" "drift-agent" "$2" "real roots, syft, v3 bundle + TSA" "$3" "$4" "${5:-}"
}

# A chroot-able root holding /bin/sleep and the libraries it loads (files without a package).
_scb_drift_runtime() {
  local root="$1" lib
  mkdir -p "$root/bin"
  cp /bin/sleep "$root/bin/sleep"
  for lib in $(ldd /bin/sleep | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

_scb_drift_rootfs_debian() {
  local root="$1"
  mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/usr/lib/python3/dist-packages/requests-2.31.0.dist-info" "$root/app/node_modules/left-pad"
  cat >"$root/etc/os-release" <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
OS
  cat >"$root/var/lib/dpkg/status" <<'DPKG'
Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: curl
Status: install ok installed
Priority: optional
Section: web
Installed-Size: 500
Maintainer: Debian Curl Maintainers <team+curl@tracker.debian.org>
Architecture: amd64
Version: 7.88.1-10
Description: command line tool for transferring data with URL syntax

DPKG
  printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n' >"$root/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA"
  printf '{"name":"left-pad","version":"1.3.0"}\n' >"$root/app/node_modules/left-pad/package.json"
  _scb_drift_runtime "$root"
}

_scb_drift_rootfs_alpine() {
  local root="$1"
  mkdir -p "$root/etc" "$root/lib/apk/db" "$root/tmp"
  chmod 1777 "$root/tmp"
  cat >"$root/etc/os-release" <<'OS'
NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
OS
  cat >"$root/lib/apk/db/installed" <<'APK'
C:Q1Jx1aZrRf3DJ0SrX1S8vJ3HVKHt4=
P:musl
V:1.2.5-r0
A:x86_64
S:411118
I:641024
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
F:lib
R:ld-musl-x86_64.so.1

C:Q1SsOQ6TSuYRCxcODh7ouCAZbV3QU=
P:busybox
V:1.36.1-r29
A:x86_64
S:509000
I:937000
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
F:bin
R:busybox

APK
  _scb_drift_runtime "$root"
}

# _scb_drift_image NAME ROOT -> REGISTRY/drift/NAME@sha256:...
_scb_drift_image() {
  local name="$1" root="$2" ref
  tar -C "$root" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$root.tar" .
  ref="$SCB_REGISTRY/drift/$name:v1"
  "$CRANE" append --platform linux/amd64 -f "$root.tar" -t "$ref" >/dev/null 2>&1
  printf '%s@%s\n' "$SCB_REGISTRY/drift/$name" "$("$CRANE" digest "$ref")"
}

# _scb_drift_start NAME ROOT USERSPEC CGROUP_ROOT: sets SCB_DRIFT_PID and SCB_DRIFT_ID.
_scb_drift_start() {
  local name="$1" root="$2" user="$3" cgroups="$4" dir
  SCB_DRIFT_ID="$(openssl rand -hex 32)"
  unshare -m --propagation private chroot --userspec="$user" "$root" /bin/sleep 3600 </dev/null >/dev/null 2>&1 &
  SCB_DRIFT_PID=$!
  dir="$cgroups/kubepods/pod-$name/cri-containerd-$SCB_DRIFT_ID.scope"
  mkdir -p "$dir"
  echo "$SCB_DRIFT_PID" >"$dir/cgroup.procs"
}

# The pod-list STAND-IN: answers GET /api/v1/pods?fieldSelector=spec.nodeName=NODE with the pods
# file, and 400 for anything else (the agent must ask for its own node only). Sets SCB_DRIFT_STAND_IN.
_scb_drift_podlist() { # pods.json node port
  "$PY" - "$1" "$2" "$3" >"$1.log" 2>&1 <<'PYEOF' &
import http.server, sys, urllib.parse
pods, node, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        ok = url.path == "/api/v1/pods" and query.get("fieldSelector") == [f"spec.nodeName={node}"]
        body = open(pods, "rb").read() if ok else b'{"kind":"Status","message":"stand-in: expected the node field selector"}'
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
PYEOF
  SCB_DRIFT_STAND_IN=$!
}

# Ends what scb_drift_rows started (also from the suite's cleanup, should a step fail midway).
SCB_DRIFT_PIDS=()
SCB_DRIFT_CGROUPS=""
_scb_drift_stop() {
  if [ "${#SCB_DRIFT_PIDS[@]}" -gt 0 ]; then
    kill "${SCB_DRIFT_PIDS[@]}" 2>/dev/null || true
    wait "${SCB_DRIFT_PIDS[@]}" 2>/dev/null || true
  fi
  SCB_DRIFT_PIDS=()
  if [ -n "$SCB_DRIFT_CGROUPS" ] && [ -d "$SCB_DRIFT_CGROUPS" ]; then
    find "$SCB_DRIFT_CGROUPS" -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
}

# shellcheck disable=SC2129 # one row per check, appended as it is judged
scb_drift_rows() {
  local rows="$1" work="$SCB_WORK/drift" syft="$SCB_TOOLS_DIR/bin/syft" root_trust cgroups
  if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
    _scb_drift_row "real process roots" "-" "run as root" "not root or no setpriv" >>"$rows"
    return 0
  fi
  [ -x "$syft" ] || { echo "drift: syft missing; run test/conformance/install-tools.sh --only syft" >&2; return 1; }
  mkdir -p "$work"
  root_trust="$(scb_test_trusted_root)"
  # cgroup v1's pids hierarchy where mounted (hybrid hosts), else the unified hierarchy.
  if [ -d /sys/fs/cgroup/pids ]; then cgroups="/sys/fs/cgroup/pids/scb-drift-$$"; else cgroups="/sys/fs/cgroup/scb-drift-$$"; fi
  SCB_DRIFT_CGROUPS="$cgroups"

  # Images and their attested SBOMs, as the release workflow makes them.
  _scb_drift_rootfs_debian "$work/debian"
  _scb_drift_rootfs_alpine "$work/alpine"
  cp -a "$work/debian" "$work/debian-other" && echo other >"$work/debian-other/etc/build-id"
  cp -a "$work/debian" "$work/debian-none" && echo none >"$work/debian-none/etc/build-id"
  local name ref
  declare -A refs
  for name in debian alpine debian-other debian-none; do
    refs[$name]="$(_scb_drift_image "$name" "$work/$name")"
  done
  for name in debian alpine debian-other; do
    SYFT_REGISTRY_INSECURE_USE_HTTP=true SYFT_CHECK_FOR_APP_UPDATE=false \
      "$syft" scan "registry:${refs[$name]}" -o cyclonedx-json -q >"$work/$name.cdx.json"
  done
  scb_sign_cert_tsa "$SCB_WORK/ca" good "${refs[debian]}"
  scb_attest_cert_tsa "$SCB_WORK/ca" good "${refs[debian]}" cyclonedx "$work/debian.cdx.json"
  scb_sign_cert_tsa "$SCB_WORK/ca" good "${refs[alpine]}"
  scb_attest_cert_tsa "$SCB_WORK/ca" good "${refs[alpine]}" cyclonedx "$work/alpine.cdx.json"
  scb_sign_cert_tsa "$SCB_WORK/ca" otherrepo "${refs[debian-other]}"
  scb_attest_cert_tsa "$SCB_WORK/ca" otherrepo "${refs[debian-other]}" cyclonedx "$work/debian-other.cdx.json"

  # The running containers: copies of the roots, a real process chrooted in each, in its own mount
  # namespace; alpine's as user 1000, so reading its root needs SYS_PTRACE.
  local pids=() pods="[" sep="" pid id user
  for name in debian alpine debian-other debian-none; do
    cp -a "$work/$name" "$work/run-$name"
    user="0:0"; [ "$name" = alpine ] && user="1000:1000"
    _scb_drift_start "$name" "$work/run-$name" "$user" "$cgroups"
    pid="$SCB_DRIFT_PID" id="$SCB_DRIFT_ID"
    pids+=("$pid")
    SCB_DRIFT_PIDS+=("$pid")
    pods+="$sep{\"metadata\":{\"name\":\"$name-0\",\"namespace\":\"prod\",\"ownerReferences\":[{\"kind\":\"StatefulSet\",\"name\":\"$name\",\"controller\":true}]},"
    pods+="\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"$name\"}]},"
    pods+="\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"$name\",\"image\":\"${refs[$name]}\",\"imageID\":\"${refs[$name]}\",\"containerID\":\"containerd://$id\",\"state\":{\"running\":{}}}]}}"
    sep=","
  done
  # A pod outside the production namespaces: never compared.
  pods+=",{\"metadata\":{\"name\":\"dev-0\",\"namespace\":\"dev\"},\"spec\":{\"nodeName\":\"node-1\"},\"status\":{\"containerStatuses\":[{\"name\":\"dev\",\"imageID\":\"${refs[debian-none]}\",\"containerID\":\"containerd://$(openssl rand -hex 32)\",\"state\":{\"running\":{}}}]}}"
  printf '{"kind":"PodList","items":%s]}\n' "$pods" >"$work/pods.json"
  local port stand_in
  port="$(_scb_free_port)"
  _scb_drift_podlist "$work/pods.json" node-1 "$port"
  stand_in="$SCB_DRIFT_STAND_IN"
  SCB_DRIFT_PIDS+=("$stand_in")
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/api/v1/pods?fieldSelector=spec.nodeName=node-1" >/dev/null 2>&1 && break; sleep 0.1; done
  cat >"$work/agent.json" <<JSON
{
  "customer": "acme", "cluster": "conformance", "pushgateway": "http://127.0.0.1:9",
  "productionNamespaces": "^(?:prod|prod-.*)$",
  "signingIdentity": {"issuer": "https://token.actions.githubusercontent.com", "subject": "https://github.com/acme/services/.github/workflows/release.yml@refs/heads/main", "trigger": "push", "repository": "acme/services"},
  "signatureFormat": "sigstore-bundle",
  "ignorePaths": ["/tmp", "/var/cache"]
}
JSON
  # _agent OUT_BASE [CAPS]: one pass with exactly the DaemonSet's capabilities (or CAPS).
  _agent() {
    local base="$1" caps="${2:-+sys_ptrace,+dac_read_search}"
    setpriv --reuid=0 --regid=0 --clear-groups --inh-caps=-all --bounding-set="-all${caps:+,$caps}" \
      node "$REPO_ROOT/bin/scb.js" drift-agent --once --dry-run --config "$work/agent.json" --node node-1 \
      --api-server "http://127.0.0.1:$port" --syft "$syft" --trusted-root "$root_trust" \
      --insecure-ignore-tlog --insecure-ignore-sct >"$base.prom" 2>"$base.log" || true
    "$PY" "$HERE/helpers/drift-verdicts.py" "$base.prom" "$base.log" >"$base.verdicts"
  }
  _verdict() { awk -F'\t' -v c="$2" '$1 == c { print $2 }' "$1.verdicts" | grep . || echo "not reported"; }

  _agent "$work/before"
  _scb_drift_row "untouched debian root (dpkg, pypi, npm)" "before change" "no drift" "$(_verdict "$work/before" debian)" >>"$rows"
  _scb_drift_row "untouched alpine root (apk), user 1000" "before change" "no drift" "$(_verdict "$work/before" alpine)" >>"$rows"
  _scb_drift_row "SBOM attested by another identity" "before change" "unverifiable (unverified)" "$(_verdict "$work/before" debian-other)" >>"$rows"
  _scb_drift_row "no SBOM attestation" "before change" "unverifiable (missing)" "$(_verdict "$work/before" debian-none)" >>"$rows"
  _scb_drift_row "pod in a non-production namespace" "before change" "not reported" "$(_verdict "$work/before" dev)" >>"$rows"

  # While the processes run: upgrade curl inside the debian container (through the process's own
  # root), and drop an npm package into alpine's /tmp (an ignored path).
  sed -i 's/^Version: 7.88.1-10$/Version: 7.88.1-10+deb12u5/' "/proc/${pids[0]}/root/var/lib/dpkg/status"
  mkdir -p "/proc/${pids[1]}/root/tmp/node_modules/evil"
  printf '{"name":"evil","version":"6.6.6"}\n' >"/proc/${pids[1]}/root/tmp/node_modules/evil/package.json"
  _agent "$work/after"
  _scb_drift_row "debian root, curl upgraded at run time" "after change" \
    "changed pkg:deb/debian/curl?arch=amd64 7.88.1-10 -> 7.88.1-10+deb12u5" "$(_verdict "$work/after" debian)" >>"$rows"
  _scb_drift_row "alpine root, npm package written under /tmp (ignored)" "after change" "no drift" "$(_verdict "$work/after" alpine)" >>"$rows"
  _scb_drift_row "SBOM attested by another identity" "after change" "unverifiable (unverified)" "$(_verdict "$work/after" debian-other)" >>"$rows"
  # The alerts, on the series the agent just emitted (promtool).
  node "$REPO_ROOT/lib/test/conformance/drift-alerts.js" --exposition "$work/after.prom" --out "$work/alerts" >>"$rows"
  # Negative control: without SYS_PTRACE the kernel refuses the roots, of user 1000's process and
  # of root's too (the agent's capabilities are not a superset of a root process's).
  _agent "$work/noptrace" "+dac_read_search"
  _scb_drift_row "agent without SYS_PTRACE (control)" "after change" "alpine: inventory failed (root_unreadable); debian: inventory failed (root_unreadable)" \
    "alpine: $(_verdict "$work/noptrace" alpine); debian: $(_verdict "$work/noptrace" debian)" "the DaemonSet's SYS_PTRACE is required" >>"$rows"

  _scb_drift_stop
}

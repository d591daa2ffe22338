#!/usr/bin/env bash
# Installs the real peers the unit tests run against, from Debian's and PyPI's registries only.
# Idempotent: what is already installed is left alone.
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || need+=(prometheus-pushgateway)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# zizmor (the GitHub Actions security linter), at an exact version in its own venv from PyPI.
# The workflow tests find it through SCB_TOOLS_DIR (default ~/.cache/scb-tools) or PATH.
ZIZMOR_VERSION="1.32.0"
tools_dir="${SCB_TOOLS_DIR:-${HOME}/.cache/scb-tools}"
if ! "${tools_dir}/bin/zizmor" --version 2>/dev/null | grep -qx "zizmor ${ZIZMOR_VERSION}"; then
  echo "installing zizmor ${ZIZMOR_VERSION} into ${tools_dir}"
  if ! python3 -m venv --help >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  rm -rf "${tools_dir}/venvs/zizmor"
  python3 -m venv "${tools_dir}/venvs/zizmor"
  "${tools_dir}/venvs/zizmor/bin/pip" install --quiet --disable-pip-version-check "zizmor==${ZIZMOR_VERSION}"
  mkdir -p "${tools_dir}/bin"
  ln -sf "${tools_dir}/venvs/zizmor/bin/zizmor" "${tools_dir}/bin/zizmor"
fi

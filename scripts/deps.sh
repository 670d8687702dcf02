#!/usr/bin/env bash
# scripts/deps.sh - installs the Debian packages cratesec needs (build, tests,
# fuzzing, benchmarks).  Does nothing when they are all present already.
set -euo pipefail
PKGS=(build-essential clang libclang-rt-14-dev pkg-config git python3 zstd
      libgit2-dev libcurl4-openssl-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
      libmicrohttpd-dev hyperfine)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# scripts/deps.sh - installs the Debian packages cratesec needs (build, tests,
# fuzzing, benchmarks).  Does nothing when they are all present already.
set -euo pipefail
PKGS=(build-essential clang libclang-rt-14-dev pkg-config git python3 zstd
      libgit2-dev libcurl4-openssl-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
      libmicrohttpd-dev hyperfine chromium curl nginx-light wrk)
# The JSON API compresses responses with zlib.
PKGS+=(zlib1g-dev)
# The server's state (state/): SQLite embedded, PostgreSQL for replicas (the
# tests start Debian's server themselves), libcrypto for SHA-256 and HMAC.
PKGS+=(libsqlite3-dev libpq-dev postgresql libssl-dev)
# tests/cli/man.sh renders the manual pages with groff.
PKGS+=(groff-base)
# Browser tests (tests/browser) run playwright-core from npm under Node.js;
# keep an existing node (for example NodeSource's), else take Debian's.
command -v node >/dev/null || PKGS+=(nodejs)
command -v npm >/dev/null || PKGS+=(npm)
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
# Front-end test tools (playwright-core, axe-core) from npm, pinned by
# package-lock.json; reinstalled only when the lock file changed.
if [ -f package-lock.json ] && ! cmp -s package-lock.json node_modules/.package-lock.json.ci 2>/dev/null; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.package-lock.json.ci
fi

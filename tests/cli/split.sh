#!/usr/bin/env bash
# tests/cli/split.sh BUILD_DIR - the server is its own executable: cratesec
# does not load the HTTP server's libraries (so every other command starts
# fast), and `cratesec serve ARGS` execs BUILD_DIR/cratesec-server ARGS from
# the directory of the running cratesec: same help, same exit codes, same
# process id (signals and systemd's main pid reach the server), and a clear
# error naming the path looked for when the server is missing.
set -u
B_ARG=${1:-build} # as make spells it: its dependency files name targets that way
B=$(cd "$B_ARG" 2>/dev/null && pwd) || { echo "split.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
BIN="$B/cratesec"
SERVER="$B/cratesec-server"
for f in "$BIN" "$SERVER"; do
    [ -x "$f" ] || { echo "split.sh: $f not built" >&2; exit 1; }
done
TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
unset CRATESEC_DB

# run, ok, bad, assert_*: the suites' shared assertions.
source tests/cli/lib/assert.sh

# ---------------------------------------------------------------- what each executable loads
if command -v ldd >/dev/null; then
    ldd "$BIN" >"$TMP/ldd.cli" 2>&1
    ldd "$SERVER" >"$TMP/ldd.server" 2>&1
    for lib in libmicrohttpd libcurl libgnutls libcmark-gfm; do
        grep -q "$lib" "$TMP/ldd.cli" && bad "cratesec does not load $lib" "$(grep "$lib" "$TMP/ldd.cli")" || ok
    done
    # The same grep finds them in the server, so the absence above means something.
    for lib in libmicrohttpd libcurl libcmark-gfm; do
        grep -q "$lib" "$TMP/ldd.server" && ok || bad "cratesec-server loads $lib" "$(cat "$TMP/ldd.server")"
    done
    # libgit2 is in the git plugin, loaded only when git is needed (lib/git.c).
    grep -q libgit2 "$TMP/ldd.cli" && bad "cratesec does not load libgit2" "$(cat "$TMP/ldd.cli")" || ok
    ldd "$B/libcratesec-git.so" 2>&1 | grep -q libgit2 && ok || bad "the git plugin links libgit2"
else
    skip=$((skip + 1)); echo "split: ldd checks skipped: no ldd"
fi

# ---------------------------------------------------------------- help through the exec
run "$BIN" --help
assert_rc "cratesec --help exits 0" 0
grep -qE '^  serve +serve the web site' "$TMP/out" && ok || bad "cratesec --help lists serve" "$out"

run "$BIN" serve --help
assert_rc "cratesec serve --help exits 0" 0
assert_eq "cratesec serve --help: usage line" "$(head -1 "$TMP/out")" "usage: cratesec serve [OPTIONS] "
assert_out "cratesec serve --help: an option only serve has" "--max-per-ip N"
assert_out "cratesec serve --help: the exit status names the missing server" "cratesec-server is not found"
cp "$TMP/out" "$TMP/serve.help"
run "$SERVER" --help
assert_rc "cratesec-server --help exits 0" 0
cmp -s "$TMP/out" "$TMP/serve.help" && ok || bad "cratesec-server --help is cratesec serve --help"

# Arguments and exit codes pass through unchanged.
run "$BIN" serve --no-such-option
assert_rc "cratesec serve --no-such-option: usage error" 2
assert_err "cratesec serve --no-such-option: named" "no-such-option"
run "$BIN" serve --threads many
assert_rc "cratesec serve --threads many: usage error" 2
assert_err "cratesec serve --threads many: says what it wants" "--threads wants a number"
# A value out of range says so too, a refused 0 and the webhook's limit included
# (they exited 2 without a word).
for opt in timeout max-connections index-timeout index-cache-mb index-fetchers; do
    run "$BIN" serve --$opt 0
    assert_rc "cratesec serve --$opt 0: usage error" 2
    assert_err "cratesec serve --$opt 0: says what it wants" "--$opt wants a number from 1 to"
done
run "$BIN" serve --webhook-timeout 11m
assert_rc "cratesec serve --webhook-timeout 11m: usage error" 2
assert_err "cratesec serve --webhook-timeout 11m: names the limit" "--webhook-timeout is at most 10m"
run "$BIN" serve --db "$TMP/no-such-db" --listen 127.0.0.1:0
assert_rc "cratesec serve with a missing database: exit 1" 1

# A symlink to cratesec finds the server beside the file it points to.
mkdir "$TMP/linked"
ln -s "$BIN" "$TMP/linked/cratesec"
run "$TMP/linked/cratesec" serve --help
assert_rc "cratesec through a symlink: serve --help exits 0" 0
assert_out "cratesec through a symlink: the server's help" "--max-per-ip N"

# ---------------------------------------------------------------- the server missing
mkdir "$TMP/alone"
cp "$BIN" "$TMP/alone/cratesec"
run "$TMP/alone/cratesec" serve --db tests/data/db --listen 127.0.0.1:0
assert_rc "server missing: exit 1" 1
assert_err "server missing: names the path looked for" "$TMP/alone/cratesec-server"
assert_err "server missing: says why" "No such file or directory"
run "$TMP/alone/cratesec" serve --help
assert_rc "server missing: serve --help exits 1" 1
run "$TMP/alone/cratesec" --version
assert_rc "server missing: the other commands still run" 0
# A server that is there but cannot be executed.
cp "$BIN" "$TMP/alone/cratesec-server"
chmod 644 "$TMP/alone/cratesec-server"
run "$TMP/alone/cratesec" serve
assert_rc "server not executable: exit 1" 1
assert_err "server not executable: names it" "$TMP/alone/cratesec-server"

# ---------------------------------------------------------------- installed side by side
case $B in
    *sanitize* | *san) skip=$((skip + 1)); echo "split: install check skipped in a sanitizer build" ;;
    *)
        if make -s B="$B_ARG" install PREFIX="$TMP/prefix" >"$TMP/install.log" 2>&1; then
            [ -x "$TMP/prefix/bin/cratesec-server" ] && ok || bad "make install installs bin/cratesec-server"
            run "$TMP/prefix/bin/cratesec" serve --help
            assert_rc "installed cratesec serve --help exits 0" 0
            assert_out "installed cratesec serve --help: the server's help" "--max-per-ip N"
        else
            bad "make install PREFIX=$TMP/prefix" "$(tail -5 "$TMP/install.log")"
        fi
        ;;
esac

# ---------------------------------------------------------------- a running server: exec, not fork
if ! command -v curl >/dev/null; then
    skip=$((skip + 1)); echo "split: running-server checks skipped: no curl"
else
    "$BIN" serve --db tests/data/db --listen 127.0.0.1:0 --threads 2 --access-log none \
        >"$TMP/serve.out" 2>"$TMP/serve.err" &
    PID=$!
    PORT=$(server_port "$TMP/serve.out" "$PID")
    if [ -z "$PORT" ]; then
        bad "cratesec serve starts and prints its port" "$(cat "$TMP/serve.err")"
    else
        ok
        URL="http://127.0.0.1:$PORT"
        code=$(curl -s -o "$TMP/health" -w '%{http_code}' "$URL/healthz")
        [ "$code" = 200 ] && grep -q '"status": *"ok"' "$TMP/health" && ok ||
            bad "/healthz answers 200 ok" "status $code: $(head -c 300 "$TMP/health")"
        # The pid the shell started is the server itself, not a parent waiting for it.
        exe=$(readlink "/proc/$PID/exe")
        assert_eq "the started pid runs cratesec-server (exec, not fork)" "$exe" "$SERVER"
        children=$(cat /proc/"$PID"/task/*/children 2>/dev/null | tr -d ' \n')
        assert_eq "the server has no child process" "$children" ""
        # SIGHUP to that pid reaches the server: a reload is recorded.
        kill -HUP "$PID"
        reloads=0
        for _ in $(seq 100); do
            curl -s -o "$TMP/health" "$URL/healthz"
            reloads=$(sed -n 's/.*"reloads": *\([0-9]*\).*/\1/p' "$TMP/health")
            [ "${reloads:-0}" -ge 1 ] && break
            sleep 0.05
        done
        [ "${reloads:-0}" -ge 1 ] && ok || bad "SIGHUP to the started pid reloads the server" "$(cat "$TMP/health")"
        # SIGTERM to that pid shuts the server down cleanly.
        kill -TERM "$PID"
        wait "$PID"
        status=$?
        PID=
        assert_eq "SIGTERM to the started pid: the server exits 0" "$status" 0
        curl -s -o /dev/null --max-time 2 "$URL/healthz" && bad "the server stopped listening" || ok
    fi
fi

echo "split: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

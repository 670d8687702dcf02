# tests/cli/lib/assert.sh - the assertions of the shell suites (sourced, not
# run: tests/run.sh runs only tests/cli/*.sh).  The sourcing suite sets TMP
# (a scratch directory) first; the counters pass, fail and skip are printed
# by the suite at its end.

pass=0 fail=0 skip=0
rc=0 out="" err="" last=""

# run CMD...: runs it, keeping stdout in $out (and $TMP/out), stderr in $err
# (and $TMP/err), the exit status in $rc.
run() {
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
    last="$*"
}
ok() { pass=$((pass + 1)); }
bad() { # NAME [DETAIL]
    fail=$((fail + 1))
    echo "FAIL: $1"
    echo "      command: $last"
    [ -n "${2:-}" ] && echo "      $2"
    return 0
}
assert_rc() { # NAME EXPECTED
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1" "exit status $rc, expected $2; stderr: ${err:0:400}"; fi
}
assert_out() { # NAME NEEDLE: stdout contains NEEDLE (fixed string)
    if grep -qF -- "$2" "$TMP/out"; then ok; else bad "$1" "stdout lacks [$2]; got: ${out:0:400}"; fi
}
assert_no_out() { # NAME NEEDLE
    if grep -qF -- "$2" "$TMP/out"; then bad "$1" "stdout has [$2]"; else ok; fi
}
assert_err() { # NAME NEEDLE: stderr contains NEEDLE
    if grep -qF -- "$2" "$TMP/err"; then ok; else bad "$1" "stderr lacks [$2]; got: ${err:0:400}"; fi
}
assert_no_err() { # NAME NEEDLE
    if grep -qF -- "$2" "$TMP/err"; then bad "$1" "stderr has [$2]"; else ok; fi
}
assert_eq() { # NAME ACTUAL EXPECTED
    if [ "$2" == "$3" ]; then ok; else bad "$1" "got [${2:0:400}], expected [${3:0:400}]"; fi
}
# Waits until the server started as PID prints "listening on
# http://127.0.0.1:PORT" into OUTFILE, and prints PORT (nothing when the
# server exited or did not start within TRIES x 50 ms).  OUTFILE may not exist
# yet: the shell creating it runs in the background with the server.
server_port() { # OUTFILE PID [TRIES]
    local port= _
    for _ in $(seq "${3:-200}"); do
        port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1" 2>/dev/null)
        [ -n "$port" ] && break
        kill -0 "$2" 2>/dev/null || break
        sleep 0.05
    done
    echo "$port"
}

# real_advisory_db BUILD_DIR: prints the path of the real advisory database
# (CRATESEC_TEST_DB, else a clone of the shared bundle in BUILD_DIR/cli-db),
# or nothing when there is none.  The clone is made aside and renamed: the
# suites sharing it may run at the same time (tests/run.sh).
real_advisory_db() {
    local real=${CRATESEC_TEST_DB:-} data=${CRATESEC_TEST_DATA:-../shared/data}
    if [ -z "$real" ] && [ -f "$data/advisory-db.bundle" ]; then
        real="$1/cli-db"
        if [ ! -d "$real/crates" ]; then
            rm -rf "$real.tmp.$$"
            if git clone -q "$data/advisory-db.bundle" "$real.tmp.$$"; then
                mv -T "$real.tmp.$$" "$real" 2>/dev/null ||
                    { [ -d "$real/crates" ] || { rm -rf "$real" && mv -T "$real.tmp.$$" "$real"; }; }
            fi
            rm -rf "$real.tmp.$$"
        fi
    fi
    [ -n "$real" ] && [ -d "$real/crates" ] && echo "$real"
    return 0
}

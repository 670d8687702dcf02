#!/usr/bin/env bash
# tests/cli/systemd_unit.sh BUILD_DIR - deploy/systemd/cratesec.service:
#  - its syntax: sections, keys, the hardening the deployment relies on;
#  - `systemd-analyze verify` (when systemd is installed) finds nothing;
#  - its command lines use only options that `cratesec serve|sync --help` list;
#  - its ExecStartPre and ExecStart, run as written but with the paths moved
#    into a temporary directory (a local git origin and tests/data/index
#    instead of the network), start a server that answers, survives the
#    ExecReload signal and stops on SIGTERM with status 0 within TimeoutStopSec.
set -u
B=${1:-build}
B=$(cd "$B" 2>/dev/null && pwd) || { echo "systemd_unit.sh: no build directory ${1:-build}" >&2; exit 1; }
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN="$B/cratesec"
UNIT=deploy/systemd/cratesec.service
[ -x "$BIN" ] || { echo "systemd_unit.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
unset CRATESEC_DB

pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -n "${2:-}" ] && echo "      $2"; return 0; }

# ------------------------------------------------------------ syntax
# The unit as "Section.Key=value" lines, continuation lines joined.
python3 - "$UNIT" >"$TMP/keys" 2>"$TMP/parse.err" <<'PY'
import re, sys
section, pending = None, ""
for number, raw in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = pending + raw.rstrip("\n")
    pending = ""
    if line.endswith("\\"):
        pending = line[:-1] + " "
        continue
    stripped = line.strip()
    if not stripped or stripped[0] in "#;":
        continue
    m = re.match(r"^\[([A-Za-z]+)\]$", stripped)
    if m:
        section = m.group(1)
        continue
    m = re.match(r"^([A-Za-z][A-Za-z0-9]*)=(.*)$", line)
    if not m or section is None:
        sys.exit("%s:%d: not a `Key=value` line in a section: %s" % (sys.argv[1], number, line))
    print("%s.%s=%s" % (section, m.group(1), " ".join(m.group(2).split())))
if pending:
    sys.exit("%s: ends inside a continued line" % sys.argv[1])
PY
[ $? -eq 0 ] && ok || bad "$UNIT parses as a unit file" "$(cat "$TMP/parse.err")"
for section in Unit Service Install; do
    grep -q "^$section\." "$TMP/keys" && ok || bad "$UNIT has a [$section] section"
done
expect_key() { # Section.Key=value, exactly
    grep -qxF -- "$1" "$TMP/keys" && ok || bad "$UNIT sets $1" "has: $(grep "^${1%%=*}=" "$TMP/keys")"
}
for kv in Service.DynamicUser=yes Service.StateDirectory=cratesec Service.NoNewPrivileges=yes \
          Service.ProtectSystem=strict Service.ProtectHome=yes Service.PrivateTmp=yes \
          Service.PrivateDevices=yes "Service.RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
          Service.SystemCallFilter=@system-service Service.MemoryDenyWriteExecute=yes \
          Service.LimitNOFILE=65536 Service.Restart=on-failure \
          'Service.ExecReload=/bin/kill -HUP $MAINPID' Install.WantedBy=multi-user.target; do
    expect_key "$kv"
done
# The server drains for up to 5 s on SIGTERM: systemd must wait longer.
stop=$(sed -n 's/^Service\.TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$TMP/keys")
[ -n "$stop" ] && [ "$stop" -gt 5 ] && [ "$stop" -le 30 ] && ok ||
    bad "TimeoutStopSec is above the 5 s drain (and at most 30 s)" "got '$stop'"
# No key given twice by mistake (SystemCallFilter adds up; the others would
# silently override).
dups=$(cut -d= -f1 "$TMP/keys" | grep -v '^Service\.SystemCallFilter$' | sort | uniq -d)
[ -z "$dups" ] && ok || bad "no key is set twice" "$dups"

exec_line() { sed -n "s/^Service\.$1=//p" "$TMP/keys"; }
start=$(exec_line ExecStart)
pre=$(exec_line ExecStartPre)
case $start in /usr/local/bin/cratesec\ serve\ *) ok ;; *) bad "ExecStart runs /usr/local/bin/cratesec serve" "$start" ;; esac
case $pre in -/usr/local/bin/cratesec\ sync\ *) ok ;; *) bad "ExecStartPre runs cratesec sync, failure allowed" "$pre" ;; esac

# Every option of the command lines exists in that command's --help.
for cmdline in "$start" "${pre#-}"; do
    cmd=$(echo "$cmdline" | awk '{print $2}')
    "$BIN" "$cmd" --help >"$TMP/$cmd.help" 2>&1 || bad "cratesec $cmd --help exits 0"
    for opt in $(echo "$cmdline" | grep -oE -- ' --?[a-z][a-z0-9-]*' | sed 's/^ //'); do
        grep -qE -- "^  (-[a-zA-Z], |    )?(-[a-zA-Z], )?$opt( |\$)|^  $opt," "$TMP/$cmd.help" && ok ||
            bad "cratesec $cmd has the option $opt used by $UNIT"
    done
done

# ------------------------------------------------------------ systemd-analyze
if command -v systemd-analyze >/dev/null; then
    # verify wants the executables to exist and looks up the man: pages.
    mkdir -p "$TMP/manroot"
    ln -s "$B/man" "$TMP/manroot/man1"
    sed "s#/usr/local/bin/cratesec#$BIN#g" "$UNIT" >"$TMP/cratesec.service"
    MANPATH="$TMP/manroot" systemd-analyze verify "$TMP/cratesec.service" >"$TMP/verify" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$TMP/verify" ] && ok ||
        bad "systemd-analyze verify $UNIT is silent" "exit $rc: $(head -c 600 "$TMP/verify")"
else
    skip=$((skip + 1))
    echo "skip: systemd-analyze not installed (Debian package systemd); checked the syntax only"
fi

# ------------------------------------------------------------ run it
# The unit's paths, moved: state and cache directories into $TMP, the
# crates.io sparse index to the fixture index, the port to a free one.
relocate() {
    sed -e "s#/usr/local/bin/cratesec#$BIN#g" -e "s#/var/lib/cratesec#$TMP/state#g" \
        -e "s#/var/cache/cratesec#$TMP/cache#g" -e "s#sparse+https://index.crates.io/#$ROOT/tests/data/index#g" \
        -e "s#127.0.0.1:8080#127.0.0.1:0#g"
}
grep -q "/var/lib/cratesec/advisory-db" <<<"$start" && ok || bad "ExecStart serves the database in the state directory"
# The database checkout: a clone of a local origin holding the fixture
# database, so the ExecStartPre fetch needs no network.
git init -q "$TMP/origin" && cp -r tests/data/db/. "$TMP/origin/" &&
    git -C "$TMP/origin" add -A &&
    git -C "$TMP/origin" -c user.name=t -c user.email=t@example.org commit -qm fixture &&
    mkdir -p "$TMP/state" "$TMP/cache" && git clone -q "$TMP/origin" "$TMP/state/advisory-db" ||
    { bad "making the fixture checkout"; echo "systemd_unit: $pass passed, $fail failed, $skip skipped"; exit 1; }
read -ra pre_argv <<<"$(relocate <<<"${pre#-}")"
"${pre_argv[@]}" >"$TMP/pre.out" 2>"$TMP/pre.err"
rc=$?
[ "$rc" -eq 0 ] && ok || bad "ExecStartPre ($(echo "${pre_argv[@]:1}")) exits 0" "exit $rc: $(head -c 300 "$TMP/pre.err")"

read -ra argv <<<"$(relocate <<<"$start")"
cd "$TMP/state" # WorkingDirectory
"${argv[@]}" >"$TMP/out" 2>"$TMP/err" &
PID=$!
cd "$ROOT"
PORT=
for _ in $(seq 200); do
    PORT=$(sed -n 's/^.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*$/\1/p' "$TMP/out" "$TMP/err" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
done
if [ -z "$PORT" ]; then
    bad "ExecStart starts a server" "$(echo "${argv[@]}"): $(head -c 600 "$TMP/err")"
else
    ok
    code=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$PORT/advisories/RUSTSEC-2020-0001")
    [ "$code" = 200 ] && ok || bad "the unit's server answers /advisories/RUSTSEC-2020-0001" "HTTP $code"
    # The server flushes the access log once a second.
    for _ in $(seq 30); do
        grep -q "/advisories/RUSTSEC-2020-0001" "$TMP/out" && break
        sleep 0.1
    done
    grep -q "/advisories/RUSTSEC-2020-0001" "$TMP/out" && ok ||
        bad "--access-log - writes the access log to stdout (the journal)" "stdout: $(head -c 300 "$TMP/out")"
    kill -HUP "$PID" # ExecReload
    sleep 0.5
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/crates/demo")
    kill -0 "$PID" 2>/dev/null && [ "$code" = 200 ] && ok ||
        bad "the server keeps serving after ExecReload's SIGHUP" "HTTP $code; $(tail -c 300 "$TMP/err")"
    kill -TERM "$PID"
    waited=0
    while kill -0 "$PID" 2>/dev/null && [ "$waited" -lt $((${stop:-10} * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if kill -0 "$PID" 2>/dev/null; then
        bad "the server stops within TimeoutStopSec=${stop:-?}s of SIGTERM"
    else
        ok
        wait "$PID"
        rc=$?
        [ "$rc" -eq 0 ] && ok || bad "the server exits 0 on SIGTERM" "exit $rc: $(tail -c 300 "$TMP/err")"
    fi
    PID=
fi

echo "systemd_unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

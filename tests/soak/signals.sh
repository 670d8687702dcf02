#!/usr/bin/env bash
# tests/soak/signals.sh BUILD_DIR - part (f): SIGHUP, SIGTERM and SIGINT at
# random moments of the server's life, start-up and reloads included
# (tests/cli/signals.py, which `make test` runs for 30 s), for 2 x
# SOAK_SECONDS on a clone of the advisory database.
source "$(dirname "$0")/lib.sh"
soak_db
python3 tests/cli/signals.py "$BIN" "$SOAK_DB" "$((2 * SOAK_SECONDS))" > "$WORK/signals.txt" 2>&1
rc=$?
cat "$WORK/signals.txt"
line=$(grep '^signals: [0-9]* rounds' "$WORK/signals.txt" | tail -1)
[ -n "$line" ] || die "signals.py printed no summary"
if [ "$rc" -eq 0 ]; then record "${line#signals: }; OK"; else record "${line#signals: }; FAIL"; fi
[ "$rc" -eq 0 ]

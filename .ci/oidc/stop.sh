#!/usr/bin/env bash
# Stops the server started by start.sh. Idempotent: succeeds when nothing runs.
# Honours CONNKIT_OIDC_RUN_DIR like start.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./lib.sh

if pid="$(running_pid)"; then
	stop_server "$pid"
	printf 'oidc/stop.sh: stopped server (pid %s)\n' "$pid" >&2
fi
rm -f "$pid_file"

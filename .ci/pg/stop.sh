#!/usr/bin/env bash
# Stops the cluster started by start.sh and removes its data. Idempotent:
# succeeds when nothing runs. Honours CONNKIT_PG_DIR like start.sh.
set -euo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./lib.sh

if bindir="$(find_bindir)" && is_running; then
	as_server "$bindir/pg_ctl" -D "$data" stop -m fast -w -t 30 >/dev/null 2>&1 ||
		as_server "$bindir/pg_ctl" -D "$data" stop -m immediate -w -t 30 >/dev/null 2>&1 || true
	printf 'pg/stop.sh: stopped the cluster in %s\n' "$data" >&2
fi
rm -rf "$data" "$sock" "$port_file"
if [[ "$cluster_dir" != "$base" ]]; then
	rm -rf "$cluster_dir"
fi
rm -f "$base/location"

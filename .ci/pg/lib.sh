# shellcheck shell=bash
# Shared by start.sh and stop.sh (sourced, after cd to this directory).

# base holds the port file and, unless the server user cannot reach it, the
# cluster itself (see location). start.sh and stop.sh must see the same
# CONNKIT_PG_DIR.
base="${CONNKIT_PG_DIR:-$(cd ../.. && pwd)/.ci/tmp/pg}"
if [[ "$base" != /* ]]; then
	printf 'pg: CONNKIT_PG_DIR=%q must be an absolute path\n' "$base" >&2
	exit 1
fi
port_file="$base/port"

# set_cluster DIR: the cluster's directories under DIR.
set_cluster() {
	cluster_dir="$1"
	data="$cluster_dir/data"
	sock="$cluster_dir/sock"
	log_file="$cluster_dir/server.log"
}
if [[ -s "$base/location" ]]; then
	set_cluster "$(<"$base/location")"
else
	set_cluster "$base"
fi

# find_bindir: prints the directory of the newest installed PostgreSQL's
# initdb and pg_ctl (Debian keeps them out of PATH).
find_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && best="$d"
	done
	if [[ -z "$best" ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		best="$(dirname "$(command -v initdb)")"
	fi
	[[ -n "$best" ]] || return 1
	printf '%s\n' "$best"
}

# initdb, pg_ctl and postgres refuse to run as root: as root, they run as
# an unprivileged user (the package's postgres user, or one made here).
run_user=""
if [[ $EUID -eq 0 ]]; then
	run_user=postgres
	if ! id -u "$run_user" >/dev/null 2>&1; then
		run_user=connkit-pg
		id -u "$run_user" >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
	fi
fi
as_server() {
	if [[ -n "$run_user" ]]; then
		runuser -u "$run_user" -- "$@"
	else
		"$@"
	fi
}

# is_running: true while the cluster's postmaster runs.
is_running() {
	[[ -n "${bindir:-}" && -f "$data/postmaster.pid" ]] &&
		as_server "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# ready PORT: true when the server on 127.0.0.1:PORT accepts connections.
ready() {
	"$bindir/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 >/dev/null 2>&1
}

# port_taken PORT: true when something listens on 127.0.0.1:PORT.
port_taken() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

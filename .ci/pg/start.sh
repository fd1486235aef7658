#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the store tests, listening on
# 127.0.0.1 only, and waits until it accepts connections. Installs
# PostgreSQL (Debian package "postgresql") when it is missing and we are
# root.
#
# stdout: exactly one line,
#   CONNKIT_PG_URL=postgres://connkit@127.0.0.1:<port>/connkit?sslmode=disable
# stderr: progress and, on failure, the server log.
# Idempotent: a cluster started earlier and still running is reused.
#
# Environment:
#   CONNKIT_PG_PORT        first port tried on 127.0.0.1 (default 55432; the
#                          next free one is used when it is taken)
#   CONNKIT_PG_DIR         absolute directory of the cluster (default
#                          .ci/tmp/pg; give stop.sh the same)
#   CONNKIT_PG_START_WAIT  seconds to wait for the server (default 60)
# The cluster trusts every local connection: it is for tests only.
set -euo pipefail
exec </dev/null

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./lib.sh

first_port="${CONNKIT_PG_PORT:-55432}"
wait_seconds="${CONNKIT_PG_START_WAIT:-60}"

log() { printf 'pg/start.sh: %s\n' "$*" >&2; }

die() {
	log "$*"
	if [[ -s "$log_file" ]]; then
		log "server log ($log_file):"
		tail -n 50 "$log_file" | sed 's/^/  | /' >&2
	fi
	exit 1
}

print_url() { printf 'CONNKIT_PG_URL=postgres://connkit@127.0.0.1:%s/connkit?sslmode=disable\n' "$1"; }

# --- PostgreSQL binaries --------------------------------------------------
if ! bindir="$(find_bindir)"; then
	[[ $EUID -eq 0 ]] || die "PostgreSQL is not installed; install the Debian package postgresql (as root: apt-get install -y postgresql)"
	log "installing PostgreSQL (apt-get install postgresql)"
	mkdir -p "$base"
	if ! { DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends postgresql; } \
		>"$base/apt.log" 2>&1; then
		tail -n 30 "$base/apt.log" >&2
		die "apt-get install postgresql failed"
	fi
	bindir="$(find_bindir)" || die "PostgreSQL was installed but initdb is not found"
fi

# --- reuse ----------------------------------------------------------------
mkdir -p "$base"
if [[ -s "$port_file" ]] && is_running; then
	port="$(<"$port_file")"
	if ready "$port"; then
		log "reusing the running cluster in $data (port $port)"
		print_url "$port"
		exit 0
	fi
	log "the cluster in $data does not answer on port $port; restarting it"
	as_server "$bindir/pg_ctl" -D "$data" stop -m immediate -w -t 30 >&2 || true
fi

# --- a fresh cluster ------------------------------------------------------
# The server user must reach the directory; a checkout under a private home
# directory is not reachable, so the cluster then lives under /tmp.
if [[ -n "$run_user" ]] && ! runuser -u "$run_user" -- test -x "$base"; then
	set_cluster "/tmp/connkit-pg-$(printf '%s' "$base" | cksum | cut -d' ' -f1)"
	log "$base is not reachable by $run_user; the cluster goes to $cluster_dir"
	printf '%s\n' "$cluster_dir" >"$base/location"
else
	rm -f "$base/location"
	set_cluster "$base"
fi
rm -rf "$data" "$sock"
mkdir -p "$data" "$sock"
: >"$log_file"
if [[ -n "$run_user" ]]; then
	chown "$run_user" "$cluster_dir" "$data" "$sock" "$log_file"
fi
chmod 700 "$data"

as_server "$bindir/initdb" -D "$data" -U connkit --auth=trust --encoding=UTF8 --no-locale >>"$log_file" 2>&1 ||
	die "initdb failed"

# The first free port from first_port on. A port can be taken between the
# check and the bind (first_port may lie in the ephemeral range), so a
# start that fails to bind moves on to the next port.
port="$first_port"
started=""
while [[ -z "$started" ]]; do
	((port < first_port + 100)) || die "no free port in $first_port..$((first_port + 99)) on 127.0.0.1"
	if port_taken "$port"; then
		port=$((port + 1))
		continue
	fi
	seen="$(wc -l <"$log_file")"
	# Durability is not needed for a test cluster: fsync off keeps it fast.
	if as_server "$bindir/pg_ctl" -D "$data" -l "$log_file" -w -t "$wait_seconds" start \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		>/dev/null 2>>"$log_file"; then
		started=1
	elif tail -n "+$((seen + 1))" "$log_file" | grep -q 'could not bind'; then
		log "port $port was taken meanwhile; trying the next one"
		port=$((port + 1))
	else
		die "the server did not start (pg_ctl start failed or took over ${wait_seconds}s)"
	fi
done
printf '%s\n' "$port" >"$port_file"

deadline=$((SECONDS + wait_seconds))
until ready "$port"; do
	((SECONDS < deadline)) || die "the server did not accept connections on 127.0.0.1:$port within ${wait_seconds}s"
	sleep 0.2
done

if [[ "$("$bindir/psql" -h 127.0.0.1 -p "$port" -U connkit -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'connkit'")" != 1 ]]; then
	"$bindir/psql" -h 127.0.0.1 -p "$port" -U connkit -d postgres -qc "CREATE DATABASE connkit" >&2 ||
		die "could not create the database connkit"
fi

log "server up in $data (127.0.0.1:$port, log $log_file)"
print_url "$port"

# shellcheck shell=bash
# Shared by start.sh and stop.sh (sourced, after cd to this directory).

# Runtime state (PID file, server log, npm log, install stamp). start.sh and
# stop.sh must see the same CONNKIT_OIDC_RUN_DIR.
run_dir="${CONNKIT_OIDC_RUN_DIR:-$PWD/run}"
if [[ "$run_dir" != /* ]]; then
	printf 'oidc: CONNKIT_OIDC_RUN_DIR=%q must be an absolute path\n' "$run_dir" >&2
	exit 1
fi
pid_file="$run_dir/server.pid"

# is_our_server PID: true while PID is a live (not zombie) node server.mjs;
# guards against signalling a recycled PID. A zombie has an empty cmdline.
is_our_server() {
	[[ "$1" =~ ^[0-9]+$ ]] && grep -qa 'server.mjs' "/proc/$1/cmdline" 2>/dev/null
}

# running_pid: prints the PID from the PID file when it is our live server.
running_pid() {
	local pid
	[[ -s "$pid_file" ]] || return 1
	pid="$(<"$pid_file")"
	is_our_server "$pid" || return 1
	printf '%s\n' "$pid"
}

# stop_server PID: SIGTERM, up to 5 s grace, then SIGKILL.
stop_server() {
	local pid="$1"
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		is_our_server "$pid" || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
}

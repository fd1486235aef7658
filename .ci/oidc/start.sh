#!/usr/bin/env bash
# Starts the CI OAuth 2.0 / OpenID Connect server (panva/oidc-provider, see
# README.md) in the background on 127.0.0.1 and waits until it answers.
#
# stdout: exactly one line, CONNKIT_OIDC_ISSUER=http://127.0.0.1:<port>
# stderr: progress and, on failure, the server log.
# Idempotent: when the server started earlier is still up it is reused.
#
# Environment:
#   CONNKIT_OIDC_PORT        port on 127.0.0.1 (default 9877)
#   CONNKIT_OIDC_START_WAIT  seconds to wait for the server to answer (default 120: a
#                            first start after npm ci on a cold disk has taken over 30)
#   CONNKIT_OIDC_RUN_DIR     absolute directory for PID file and logs
#                            (default .ci/oidc/run; give stop.sh the same)
#   ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL  passed on to server.mjs (seconds)
# JavaScript passed to node -e is single-quoted on purpose.
# shellcheck disable=SC2016
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./lib.sh

port="${CONNKIT_OIDC_PORT:-9877}"
wait_seconds="${CONNKIT_OIDC_START_WAIT:-120}"
issuer="http://127.0.0.1:${port}"
log_file="$run_dir/server.log"
stamp_file="$run_dir/installed.lock"

log() { printf 'oidc/start.sh: %s\n' "$*" >&2; }

die() {
	log "$*"
	if [[ -s "$log_file" ]]; then
		log "server log ($log_file):"
		sed 's/^/  | /' "$log_file" >&2
	fi
	exit 1
}

for tool in node npm; do
	command -v "$tool" >/dev/null || die "$tool not found in PATH; install Node.js >= 20.18"
done
# URL.parse (used by oidc-provider 9) needs Node.js 20.18 or later.
node -e '
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 18)) {
  console.error(`oidc/start.sh: Node.js ${process.versions.node} is too old; need >= 20.18`);
  process.exit(1);
}' || exit 1

# Answers 0 when the discovery document at $issuer names $issuer as issuer.
discovery_ok() {
	node -e '
const issuer = process.argv[1];
fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) })
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
  .then((d) => process.exit(d.issuer === issuer ? 0 : 1), () => process.exit(1));' "$issuer"
}

mkdir -p "$run_dir"

if pid="$(running_pid)"; then
	if discovery_ok; then
		log "reusing running server (pid $pid)"
		printf 'CONNKIT_OIDC_ISSUER=%s\n' "$issuer"
		exit 0
	fi
	log "server pid $pid does not answer at $issuer; restarting it"
	stop_server "$pid"
fi
rm -f "$pid_file"

if ! cmp -s package-lock.json "$stamp_file" || [[ ! -d node_modules/oidc-provider ]]; then
	log "installing pinned dependencies (npm ci)"
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$run_dir/npm.log" 2>&1 \
		|| { cat "$run_dir/npm.log" >&2; die "npm ci failed"; }
	cp package-lock.json "$stamp_file"
fi

: >"$log_file"
PORT="$port" node server.mjs >>"$log_file" 2>&1 </dev/null &
pid=$!
printf '%s\n' "$pid" >"$pid_file"

deadline=$((SECONDS + wait_seconds))
until discovery_ok; do
	if ! is_our_server "$pid"; then
		rm -f "$pid_file"
		die "server exited before answering at $issuer"
	fi
	if ((SECONDS >= deadline)); then
		stop_server "$pid"
		rm -f "$pid_file"
		die "server did not answer at $issuer within ${wait_seconds}s"
	fi
	sleep 0.2
done

log "server up (pid $pid, log $log_file)"
printf 'CONNKIT_OIDC_ISSUER=%s\n' "$issuer"

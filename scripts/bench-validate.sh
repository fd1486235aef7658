#!/usr/bin/env bash
# bench-validate.sh: times connkit validate against an independent JSON Schema
# validator, ajv-cli (npm), on the same generated corpus, side by side in one
# run, and prints a table.
#
#   scripts/bench-validate.sh            # 10,000 manifests, best of 3 runs
#   N=2000 RUNS=5 scripts/bench-validate.sh
#
# The corpus (package validator/bench: about 100 lines a manifest, every auth
# type) is written as YAML and as JSON to a temporary directory. connkit runs
# the whole validation (loader, schema, every rule) with its default worker
# pool (one per CPU); ajv runs the schema layer alone (manifest/schema.json,
# draft 2020-12, formats from ajv-formats) in one Node.js process. ajv-cli and
# ajv-formats are installed into the temporary directory. Everything is removed
# at the end unless KEEP=1.
set -euo pipefail

N=${N:-10000}
RUNS=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/connkit-bench.XXXXXX")
if [[ ${KEEP:-0} != 1 ]]; then
	trap 'rm -rf "$work"' EXIT
else
	echo "keeping $work" >&2
fi
cd "$root"

echo "installing ajv-cli and ajv-formats into $work/ajv ..." >&2
npm install --prefix "$work/ajv" --no-audit --no-fund --loglevel=error ajv-cli@5 ajv-formats@3 >&2
ajv=$work/ajv/node_modules/.bin/ajv

echo "building connkit and writing $N manifests as YAML and as JSON ..." >&2
go build -o "$work/connkit" ./cmd/connkit
go run ./validator/bench/corpus -n "$N" "$work/yaml"
go run ./validator/bench/corpus -n "$N" -format json "$work/json"

# best runs a command RUNS times, fails if it fails, and prints the shortest
# wall time in seconds.
best() {
	local best_ns="" start end ns i
	for ((i = 0; i < RUNS; i++)); do
		start=$(date +%s%N)
		if ! "$@" >/dev/null 2>"$work/stderr"; then
			echo "failed: $*" >&2
			cat "$work/stderr" >&2
			exit 1
		fi
		end=$(date +%s%N)
		ns=$((end - start))
		if [[ -z $best_ns || $ns -lt $best_ns ]]; then best_ns=$ns; fi
	done
	awk -v ns="$best_ns" 'BEGIN { printf "%.2f", ns / 1e9 }'
}

row() { # tool, what it checks, input, command...
	local tool=$1 checks=$2 input=$3
	shift 3
	local secs
	secs=$(best "$@")
	printf '| %-26s | %-26s | %-5s | %6d | %8s | %12.0f |\n' "$tool" "$checks" "$input" "$N" "$secs" \
		"$(awk -v n="$N" -v s="$secs" 'BEGIN { print (s > 0 ? n / s : 0) }')"
}

cores=$(nproc)
printf '\n%d manifests, %d cores, best of %d runs (wall time)\n\n' "$N" "$cores" "$RUNS"
printf '| %-26s | %-26s | %-5s | %6s | %8s | %12s |\n' tool checks input files seconds manifests/s
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..28})" "$(printf -- '-%.0s' {1..28})" \
	"$(printf -- '-%.0s' {1..7})" "$(printf -- '-%.0s' {1..8})" "$(printf -- '-%.0s' {1..10})" "$(printf -- '-%.0s' {1..14})"
row "connkit validate" "loader, schema, all rules" yaml "$work/connkit" validate "$work/yaml"
row "connkit validate" "loader, schema, all rules" json "$work/connkit" validate "$work/json"
row "connkit validate --jobs 1" "loader, schema, all rules" yaml "$work/connkit" validate --jobs 1 "$work/yaml"
row "ajv-cli 5 (Node.js)" "schema only" yaml "$ajv" validate --spec=draft2020 -c ajv-formats \
	-s manifest/schema.json -d "$work/yaml/*.yaml"
row "ajv-cli 5 (Node.js)" "schema only" json "$ajv" validate --spec=draft2020 -c ajv-formats \
	-s manifest/schema.json -d "$work/json/*.json"

#!/usr/bin/env bash
# Benchmark: Flowlab's packet capture under load. Runs the bench lesson capture_load.json as
# a lesson runs (flowlabd as lessons use it, `flowlab-cli run LESSON --out DIR`): nginx runs
# with -p 8080:80, then flowlab-client makes 5,000 HTTP requests to 192.168.56.10:8080, each
# on a new connection through the DNAT rule, PARALLEL at a time, while the lesson's captures run on
# both sides of the rule (flowlab-client/eth0, flowlab-docker/eth0 and the container's veth).
# All traffic stays inside the lab's namespaces; the load is bounded by the lesson's count.
# Prints requests made, requests/s, packets captured and dropped (which must be 0), from the
# bundle's trace.json.
#
# Usage: sudo tests/bench/capture_load.sh [BUILD_DIR] [PARALLEL] [OUT_DIR]
#   (defaults: build, 4 as the lesson says, none). The bundle (~330 MB) is kept only when
#   OUT_DIR is given. Needs root and the lab down. Brings the lab down on exit, Ctrl-C
#   included. Exits 1 if a request failed or a packet was dropped.
set -euo pipefail

build=${1:-build}
parallel=${2:-}
keep_out=${3:-}
bench=capture_load
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
lesson="$(cd "$(dirname "$0")" && pwd)/capture_load.json"

require_root
require_programs "$cli" "$daemon" /usr/bin/docker
require_commands jq
[ -f "$lesson" ] || die "$lesson not found"
[[ -z $parallel || $parallel =~ ^[1-9][0-9]*$ ]] || die "PARALLEL must be a positive integer (got \"$parallel\")"
require_lab_down

work=$(mktemp -d /tmp/flowlab-bench.XXXXXX)
out=${keep_out:-$work/bundle}
cleanup() {
    trap - EXIT INT TERM
    lab_down
    [ -n "$keep_out" ] || rm -rf "$work/bundle"
    echo "$bench: lab down; flowlabd log in $work${keep_out:+, bundle in $keep_out}" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_flowlabd "$work/flowlabd.log"
"$cli" --quiet lab up >/dev/null
"$cli" --quiet image build nginx >/dev/null
if [ -n "$parallel" ]; then
    jq --argjson p "$parallel" '(.actions[] | select(.id == "load")).parallel = $p' "$lesson" \
        >"$work/capture_load.json"
    lesson=$work/capture_load.json
fi
status=0
"$cli" run "$lesson" --out "$out" >"$work/run.txt" 2>&1 || status=$?
[ -f "$out/trace.json" ] || { cat "$work/run.txt" >&2; die "the lesson run wrote no trace.json (exit $status)"; }

jq -r '
  (.events[] | select(.kind == "command" and .attrs.requests != null) | .attrs) as $load
  | .run.evidence as $capture
  | "requests made:      \($load.requests) (\($load.parallel) at a time, each a new connection; \($load.ok) ok, \($load.failed) failed)",
    "requests/s:         \($load.requests_per_s | floor) (\($load.requests - 1) back to back in \($load.load_seconds * 100 | floor / 100) s)",
    "packets captured:   \($capture.packets)",
    "packets dropped:    \($capture.dropped)",
    "NAT pairs:          \($capture.nat_pairs)",
    ($capture.interfaces[] | "  " + .)
' "$out/trace.json"
dropped=$(jq '.run.evidence.dropped' "$out/trace.json")
failed=$(jq '[.events[] | select(.kind == "command" and .attrs.requests != null) | .attrs.failed] | first // -1' "$out/trace.json")
[ "$status" -eq 0 ] || { sed 's/^/  /' "$work/run.txt" | tail -20 >&2; echo "$bench: the lesson run exited $status" >&2; }
if [ "$dropped" = 0 ] && [ "$failed" = 0 ]; then
    echo "target 0 dropped: met"
else
    echo "target 0 dropped: MISSED ($dropped dropped, $failed requests failed)"
    exit 1
fi
[ "$status" -eq 0 ]

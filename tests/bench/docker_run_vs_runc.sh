#!/usr/bin/env bash
# Benchmark: `docker run -d nginx` on the lab's private Docker Engine, next to `runc run -d` of
# the same root filesystem, and next to `docker run -d` through Flowlab's API tap. The three
# are interleaved run by run, so machine noise hits them alike, and the script prints medians
# and ratios measured in this one run. This is the baseline later tracing overhead is
# measured against, so when it brings the lab up itself the engine runs untraced (flowlabd
# --no-syscall-trace); engine_tracing_overhead.sh measures what the tracer adds.
#
# Usage: sudo tests/bench/docker_run_vs_runc.sh [BUILD_DIR] [RUNS]
# Needs root. Brings the lab up if it is down, and leaves it as it found it (down again on
# exit, Ctrl-C included).
set -euo pipefail

build=${1:-build}
runs=${2:-15}
bench=docker_run_vs_runc
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
require_root
require_programs "$cli" "$daemon" /usr/bin/docker
require_commands runc jq
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got \"$runs\")"

was_up=1
if ! [ -S "$daemon_socket" ] || ! "$cli" --quiet lab status >/dev/null 2>&1; then
    was_up=0
    require_lab_down
    start_flowlabd "$(mktemp /tmp/flowlabd-bench.XXXXXX.log)" --no-syscall-trace
fi
engine_mode="untraced (flowlabd --no-syscall-trace)"
[ "$was_up" = 0 ] || engine_mode="as the running flowlabd has it (the lab was up)"
engine=unix:///run/flowlab/docker/docker.sock
tap=unix:///run/flowlab/docker-tap.sock
docker_direct() { DOCKER_HOST=$engine /usr/bin/docker "$@"; }
docker_tapped() { DOCKER_HOST=$tap /usr/bin/docker "$@"; }

work=""
cleanup() {
    trap - EXIT INT TERM
    if [ -n "$work" ]; then
        for id in $(runc --root "$work/runc-state" list -q 2>/dev/null); do
            runc --root "$work/runc-state" delete -f "$id" >/dev/null 2>&1 || true
        done
        rm -rf "$work"
    fi
    [ "$was_up" = 1 ] || lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$cli" --quiet lab up >/dev/null
"$cli" --quiet image build nginx >/dev/null
work=$(mktemp -d /run/flowlab/bench.XXXXXX)
runc_root=$work/runc-state

# The same rootfs for runc: nginx exported from the engine.
docker_direct pull -q nginx >/dev/null
template=$(docker_direct create nginx)
mkdir -p "$work/bundle/rootfs"
docker_direct export "$template" | tar -x -C "$work/bundle/rootfs"
docker_direct rm "$template" >/dev/null
(cd "$work/bundle" && runc spec)
# nginx in the foreground, as the image's Cmd; cgroups under a flowlab parent so census sees them.
jq '.process.terminal = false | .process.args = ["nginx", "-g", "daemon off;"]
    | .root.readonly = false | .linux.cgroupsPath = "/flowlab-bench/runc"' \
    "$work/bundle/config.json" >"$work/bundle/config.json.new"
mv "$work/bundle/config.json.new" "$work/bundle/config.json"

declare -a t_docker t_runc t_tap
for i in $(seq 1 "$runs"); do
    s=$(now_ns); id=$(docker_direct run -d nginx); e=$(now_ns)
    t_docker+=($(( (e - s) / 1000 ))); docker_direct rm -f "$id" >/dev/null

    s=$(now_ns)
    runc --root "$runc_root" run -d --bundle "$work/bundle" "bench$i" </dev/null >/dev/null 2>&1
    e=$(now_ns)
    t_runc+=($(( (e - s) / 1000 ))); runc --root "$runc_root" delete -f "bench$i" >/dev/null

    s=$(now_ns); id=$(docker_tapped run -d nginx); e=$(now_ns)
    t_tap+=($(( (e - s) / 1000 ))); docker_direct rm -f "$id" >/dev/null
done

m_docker=$(median "${t_docker[@]}")
m_runc=$(median "${t_runc[@]}")
m_tap=$(median "${t_tap[@]}")
printf 'docker run -d vs runc run, %d runs each, interleaved; engine %s\n' "$runs" "$engine_mode"
printf '  %-42s median %s ms\n' "runc run -d (same rootfs)" "$(ms "$m_runc")"
printf '  %-42s median %s ms\n' "docker run -d (private engine)" "$(ms "$m_docker")"
printf '  %-42s median %s ms\n' "docker run -d (through the Flowlab tap)" "$(ms "$m_tap")"
printf 'ratio docker/runc: %s\n' "$(ratio "$m_docker" "$m_runc")"
printf 'ratio tapped/direct docker: %s\n' "$(ratio "$m_tap" "$m_docker")"

#!/usr/bin/env bash
# Benchmark: `docker run -d nginx` on the lab's private Docker Engine, next to `runc run -d` of
# the same root filesystem, and next to `docker run -d` through Flowlab's API tap. The three
# are interleaved run by run, so machine noise hits them alike, and the script prints medians
# and ratios measured in this one run. This is the baseline later tracing overhead is
# measured against.
#
# Usage: sudo tests/bench/docker_run_vs_runc.sh [BUILD_DIR] [RUNS]
# Needs root. Brings the lab up if it is down, and leaves it as it found it.
set -euo pipefail

build=${1:-build}
runs=${2:-15}
cli="$build/bin/flowlab-cli"
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (it drives the lab's engine and runc)" >&2; exit 1; }
[ -x "$cli" ] || { echo "bench: $cli not found; build first" >&2; exit 1; }

was_up=1
"$cli" --quiet lab status >/dev/null 2>&1 || was_up=0
"$cli" --quiet lab up >/dev/null
"$cli" --quiet image build nginx >/dev/null

engine=unix:///run/flowlab/docker/docker.sock
tap=unix:///run/flowlab/docker-tap.sock
docker_direct() { DOCKER_HOST=$engine /usr/bin/docker "$@"; }
docker_tapped() { DOCKER_HOST=$tap /usr/bin/docker "$@"; }

work=$(mktemp -d /run/flowlab/bench.XXXXXX)
runc_root=$work/runc-state
cleanup() {
    for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
        runc --root "$runc_root" delete -f "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
    [ "$was_up" = 1 ] || "$cli" --quiet lab down >/dev/null
}
trap cleanup EXIT

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

now_ns() { date +%s%N; }
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

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_docker=$(median "${t_docker[@]}")
m_runc=$(median "${t_runc[@]}")
m_tap=$(median "${t_tap[@]}")
ms() { awk -v us="$1" 'BEGIN { printf "%8.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
printf 'docker run -d vs runc run, %d runs each, interleaved\n' "$runs"
printf '  %-42s median %s ms\n' "runc run -d (same rootfs)" "$(ms "$m_runc")"
printf '  %-42s median %s ms\n' "docker run -d (private engine)" "$(ms "$m_docker")"
printf '  %-42s median %s ms\n' "docker run -d (through the Flowlab tap)" "$(ms "$m_tap")"
printf 'ratio docker/runc: %s\n' "$(ratio "$m_docker" "$m_runc")"
printf 'ratio tapped/direct docker: %s\n' "$(ratio "$m_tap" "$m_docker")"

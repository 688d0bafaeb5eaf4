#!/usr/bin/env bash
# Pod startup on the lab's three nodes: from `kubectl create deployment --replicas=N` to all N
# pods Running (the kubelets' status PATCHes seen through the real kubectl), median of TRIALS
# runs, for 3 replicas and for 60. Targets (issue "Nodes and the service network"): at most
# 2 s for 3, at most 20 s for 60. The first 3-replica run also pulls nginx into each node's
# fresh containerd; it is reported apart and left out of the median.
#
#   sudo tests/bench/kube/pod_startup.sh BUILD [TRIALS]
set -euo pipefail
bench=pod_startup
build=${1:?usage: $0 BUILD [TRIALS]}
trials=${2:-3}
# shellcheck source=../bench_lib.sh
. "$(dirname "$0")/../bench_lib.sh"

require_root
require_programs "$cli" "$daemon"
require_commands kubectl
require_lab_down
log=$(mktemp /tmp/flowlab-bench-pods.XXXXXX.log)
trap lab_down EXIT INT TERM

start_flowlabd "$log"
"$cli" --quiet lab up --kube >/dev/null || die "lab up --kube failed; see $log"
export KUBECONFIG=/run/flowlab/kube/kubeconfig
for _ in $(seq 1 100); do
    [ "$(kubectl get nodes --no-headers 2>/dev/null | grep -c ' Ready')" -eq 3 ] && break
    sleep 0.2
done

# run_once N NAME: prints the milliseconds from create to N pods Running.
run_once() {
    local replicas=$1 name=$2 start running
    start=$(now_ns)
    kubectl create deployment "$name" --image=nginx --replicas="$replicas" >/dev/null
    while :; do
        running=$(kubectl get pods -l app="$name" --no-headers 2>/dev/null | grep -c ' Running ' || true)
        [ "$running" -ge "$replicas" ] && break
        [ $(( ($(now_ns) - start) / 1000000000 )) -lt 180 ] || die "$name: only $running of $replicas Running after 180 s"
        sleep 0.05
    done
    echo $(( ($(now_ns) - start) / 1000000 ))
    kubectl delete deployment "$name" --wait=false >/dev/null
    for _ in $(seq 1 600); do
        [ "$(kubectl get pods -l app="$name" --no-headers 2>/dev/null | wc -l)" -eq 0 ] && break
        sleep 0.1
    done
}

echo "$bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  first 3-replica run (pulls nginx into each node): $(run_once 3 warmup) ms"
for replicas in 3 60; do
    times=()
    for trial in $(seq 1 "$trials"); do
        times+=("$(run_once "$replicas" "bench-$replicas-$trial")")
    done
    median_ms=$(median "${times[@]}")
    target=$([ "$replicas" -eq 3 ] && echo 2000 || echo 20000)
    verdict=$(at_most "$median_ms" "$target" && echo "met" || echo "NOT met")
    echo "  $replicas replicas: create -> all Running ${times[*]} ms; median $median_ms ms (target <= $target ms: $verdict)"
done

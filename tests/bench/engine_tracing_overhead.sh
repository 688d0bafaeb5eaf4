#!/usr/bin/env bash
# Benchmark: what tracing the engine costs `docker run -d -p 8080:80 nginx`, three ways in one
# run:
#   untraced  flowlabd --no-syscall-trace: containerd and dockerd run plainly;
#   traced    flowlabd as lessons run it: the engine under Flowlab's ptrace + seccomp-bpf
#             SyscallTracer (tracer/syscalls), every shim, runc and container followed;
#   strace    flowlabd --engine-wrapper=strace: the engine under `strace -f --seccomp-bpf
#             -e trace=<the tracer's own syscall set>` instead (the list comes from the
#             tracer's table: `flowlab-trace-run --list-syscalls`).
# Each mode needs its own flowlabd and lab, so each round brings the lab up once per mode, in
# an order rotated round by round, and times RUNS `docker run -d` against the private engine's
# socket (the image already pulled, one untimed warm-up, the container removed after each).
# Medians and ratios over all rounds are printed with the issue's targets: traced at most
# 1.10 × untraced, and traced no slower than strace.
#
# Usage: sudo tests/bench/engine_tracing_overhead.sh [BUILD_DIR] [ROUNDS] [RUNS]
#   (defaults: build 4 5). Needs root, the lab down, strace and the docker CLI. Brings the lab
#   down on exit, Ctrl-C included.
set -euo pipefail

build=${1:-build}
rounds=${2:-4}
runs=${3:-5}
bench=engine_tracing_overhead
# shellcheck source=tests/bench/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

require_root
require_programs "$cli" "$daemon" /usr/bin/docker
require_commands strace jq
[[ $rounds =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] ||
    die "ROUNDS and RUNS must be positive integers (got \"$rounds\", \"$runs\")"
require_lab_down

work=$(mktemp -d /tmp/flowlab-bench.XXXXXX)
cleanup() {
    trap - EXIT INT TERM
    lab_down
    echo "$bench: lab down; flowlabd logs kept in $work" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

engine=unix:///run/flowlab/docker/docker.sock
docker_engine() { DOCKER_HOST=$engine /usr/bin/docker "$@"; }

modes=(untraced traced strace)
flags_of() {
    case $1 in
    untraced) echo --no-syscall-trace ;;
    traced) ;;
    strace) echo --engine-wrapper=strace ;;
    esac
}

# What each tracer saw: our tracer's counters (lab status), strace's output lines.
tracer_counters() { "$cli" --quiet lab status --json | jq -c '.syscall_tracer // {}'; }
strace_lines() { cat /run/flowlab/logs/*.strace 2>/dev/null | wc -l; }

# run_mode MODE: one lab in MODE, RUNS timed runs appended to $work/MODE.times.
run_mode() {
    local mode=$1 log="$work/flowlabd-$1.log"
    # shellcheck disable=SC2046
    start_flowlabd "$log" $(flags_of "$mode")
    "$cli" --quiet lab up >/dev/null
    "$cli" --quiet image build nginx >/dev/null
    docker_engine pull -q nginx >/dev/null
    local id
    id=$(docker_engine run -d -p 8080:80 nginx) # warm-up, untimed
    docker_engine rm -f "$id" >/dev/null
    local before s e _
    case $mode in
    traced) before=$(tracer_counters) ;;
    strace) before=$(strace_lines) ;;
    esac
    for _ in $(seq 1 "$runs"); do
        s=$(now_ns)
        id=$(docker_engine run -d -p 8080:80 nginx)
        e=$(now_ns)
        echo $(((e - s) / 1000)) >>"$work/$mode.times"
        docker_engine rm -f "$id" >/dev/null
    done
    case $mode in
    traced) jq -nc --argjson a "$(tracer_counters)" --argjson b "$before" \
        '$a | with_entries(.value -= ($b[.key] // 0))' >>"$work/traced.counters" ;;
    strace) echo $(($(strace_lines) - before)) >>"$work/strace.lines" ;;
    esac
    lab_down
}

start=$(now_ns)
for round in $(seq 0 $((rounds - 1))); do
    order=()
    for k in 0 1 2; do order+=("${modes[$(((round + k) % 3))]}"); done
    echo "round $((round + 1))/$rounds: ${order[*]}" >&2
    for mode in "${order[@]}"; do run_mode "$mode"; done
done
elapsed=$((($(now_ns) - start) / 1000000000))

declare -A med
for mode in "${modes[@]}"; do
    mapfile -t times <"$work/$mode.times"
    med[$mode]=$(median "${times[@]}")
done
verdict() { if at_most "$1" "$2"; then echo met; else echo MISSED; fi; }
traced_vs_untraced=$(ratio "${med[traced]}" "${med[untraced]}")
traced_vs_strace=$(ratio "${med[traced]}" "${med[strace]}")

printf 'docker run -d -p 8080:80 nginx: %d rounds x %d runs per mode, modes interleaved (%d s)\n' \
    "$rounds" "$runs" "$elapsed"
printf '  %-46s median %s ms\n' "untraced (flowlabd --no-syscall-trace)" "$(ms "${med[untraced]}")"
# Per run (docker run and docker rm), over all rounds.
per_run=$((rounds * runs))
traced_stops=$(jq -s --argjson n "$per_run" '
    (map(to_entries) | flatten | group_by(.key)
     | map({key: .[0].key, value: ((map(.value) | add) / $n)}) | from_entries) as $c
    | "\($c.stops | floor) stops per run (\($c.seccomp_stops | floor) seccomp, \($c.syscall_exit_stops | floor) syscall-exit, \($c.ptrace_event_stops | floor) ptrace-event, \($c.signal_stops | floor) signal); \($c.ignored_syscalls | floor) trapped but ignored; \($c.clones_decoded_at_fork_event // 0 | floor) clones read at the fork event; \($c.syscall_events | floor) syscall events; \($c.time_in_stops_ns / 1e6 * 10 | floor / 10) ms in stops"' \
    -r "$work/traced.counters")
strace_lines_per_run=$(awk -v n="$per_run" '{ t += $1 } END { printf "%d", t / n }' "$work/strace.lines")
printf '  %-46s median %s ms\n' "traced by Flowlab (ptrace + seccomp-bpf)" "$(ms "${med[traced]}")"
printf '  %-46s median %s ms\n' "strace -f --seccomp-bpf, same syscall set" "$(ms "${med[strace]}")"
printf 'per docker run + rm: Flowlab %s\n' "$traced_stops"
printf '                     strace %s output lines (one per trapped syscall or process event)\n' \
    "$strace_lines_per_run"
printf 'ratio traced/untraced: %s   (target <= 1.10: %s)\n' "$traced_vs_untraced" \
    "$(verdict "$traced_vs_untraced" 1.10)"
printf 'ratio traced/strace:   %s   (target <= 1.00: %s)\n' "$traced_vs_strace" \
    "$(verdict "$traced_vs_strace" 1.00)"
printf 'ratio strace/untraced: %s\n' "$(ratio "${med[strace]}" "${med[untraced]}")"
printf 'all times (us): untraced %s | traced %s | strace %s\n' "$(paste -sd' ' "$work/untraced.times")" \
    "$(paste -sd' ' "$work/traced.times")" "$(paste -sd' ' "$work/strace.times")"

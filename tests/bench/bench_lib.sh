# shellcheck shell=bash disable=SC2154
# Shared by the benchmark scripts (sourced, not run): prerequisites, starting flowlabd in a
# chosen mode, bringing the lab down on exit (Ctrl-C included), and the arithmetic.
#
# The caller sets `build` (the build directory) before sourcing, and `bench` (its name, for
# messages).

cli="$build/bin/flowlab-cli"
daemon="$build/bin/flowlabd"
daemon_socket=/run/flowlab/flowlabd.sock
daemon_pid=""

die() {
    echo "$bench: $*" >&2
    exit 1
}

# require_root; require_programs PATH...; require_commands NAME...
require_root() {
    [ "$(id -u)" -eq 0 ] || die "needs root (it starts flowlabd and the lab); run it with sudo"
}
require_programs() {
    local program
    for program in "$@"; do
        [ -x "$program" ] || die "$program not found; build it first (cmake --build $build --target $(basename "$program"))"
    done
}
require_commands() {
    local command
    for command in "$@"; do
        command -v "$command" >/dev/null || die "$command is not installed"
    done
}

# The benchmark owns the lab from start to end: it refuses to take one over.
require_lab_down() {
    if [ -S "$daemon_socket" ] && "$cli" --quiet lab status >/dev/null 2>&1; then
        die "the lab is up; bring it down first (flowlab-cli lab down): this benchmark restarts it"
    fi
    if [ -f /run/flowlab/flowlabd.pid ] && kill -0 "$(cat /run/flowlab/flowlabd.pid)" 2>/dev/null; then
        die "a flowlabd is running (pid $(cat /run/flowlab/flowlabd.pid)); stop it first (flowlab-cli lab down)"
    fi
}

# start_flowlabd LOG [FLAGS...]: a daemon of our own, in the mode FLAGS say, that exits when the
# lab goes down. flowlab-cli would start one on demand, but without flags.
start_flowlabd() {
    local log=$1
    shift
    setsid "$daemon" --exit-when-down "$@" >>"$log" 2>&1 </dev/null &
    daemon_pid=$!
    local _
    for _ in $(seq 1 100); do
        if [ -S "$daemon_socket" ]; then
            local status=0
            "$cli" --quiet lab status >/dev/null 2>&1 || status=$?
            # 0 (up) or 3 (down): the daemon answered.
            case $status in 0 | 3) return 0 ;; esac
        fi
        kill -0 "$daemon_pid" 2>/dev/null || die "flowlabd $* exited at start; see $log"
        sleep 0.1
    done
    die "flowlabd $* did not answer within 10 s; see $log"
}

# lab_down: the lab and our daemon go; waits for the daemon to exit.
lab_down() {
    "$cli" --quiet lab down >/dev/null 2>&1 || "$cli" lab down >&2 || true
    if [ -n "$daemon_pid" ]; then
        local _
        for _ in $(seq 1 100); do
            kill -0 "$daemon_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$daemon_pid" 2>/dev/null; then
            kill "$daemon_pid" 2>/dev/null || true
            sleep 0.5
            "$cli" --quiet lab down >/dev/null 2>&1 || true
        fi
        wait "$daemon_pid" 2>/dev/null || true
        daemon_pid=""
    fi
}

now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk -v us="$1" 'BEGIN { printf "%8.1f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
# at_most A LIMIT: exit status 0 when A <= LIMIT.
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

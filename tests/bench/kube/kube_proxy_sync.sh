#!/usr/bin/env bash
# kube-proxy full sync: 1,000 and 10,000 Services x 3 endpoints, rendered and applied with one
# real iptables-restore each into a scratch network namespace that this script creates and
# always deletes (Ctrl-C included). Prints each sync's times and the 10k/1k ratio, against the
# issue's target (10k full sync <= 10 s). Needs root (a netns) and
# `cmake --build BUILD --target flowlab-bench-kube-proxy`.
#
#   sudo tests/bench/kube/kube_proxy_sync.sh BUILD [IPTABLES_RESTORE] [SMALL LARGE]
#
# IPTABLES_RESTORE defaults to iptables-restore (Debian's nf_tables variant, what the rest of
# Flowlab uses); iptables-legacy-restore measures the legacy backend. The sizes default to
# 1000 and 10000 Services.
set -euo pipefail
bench=kube_proxy_sync
build=${1:?usage: $0 BUILD [IPTABLES_RESTORE] [SMALL LARGE]}
restore=${2:-iptables-restore}
small=${3:-1000}
large=${4:-10000}
save=${restore/restore/save}
program="$build/bin/flowlab-bench-kube-proxy"
netns="flowlab-bench-proxy-$$"

[ "$(id -u)" -eq 0 ] || { echo "$bench: needs root (it makes a network namespace)" >&2; exit 1; }
[ -x "$program" ] || { echo "$bench: $program not found; build it first (cmake --build $build --target flowlab-bench-kube-proxy)" >&2; exit 1; }

cleanup() { ip netns del "$netns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "$bench: $(command -v "$restore") -> $(readlink -f "$(command -v "$restore")"), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A total
for services in "$small" "$large"; do
    cleanup
    ip netns add "$netns"
    line=$("$program" --netns "$netns" --services "$services" --iptables-restore "$restore" --resync)
    echo "$line" | sed "s/^/  /"
    # The first line is the full sync into the empty namespace.
    total[$services]=$(echo "$line" | head -1 | sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p')
    ip netns exec "$netns" "$save" -t nat | grep -c '^-A' | sed "s/^/  rules in nat after the syncs: /"
done
awk -v n="$small" -v m="$large" -v a="${total[$small]}" -v b="${total[$large]}" 'BEGIN {
    printf "full sync %6d Services: %9.1f ms\nfull sync %6d Services: %9.1f ms\n", n, a, m, b
    printf "ratio %d/%d: %.2f (linear growth would be %.2f)\n", m, n, b / a, m / n
    if (m == 10000) printf "target 10k <= 10000 ms: %s\n", (b <= 10000 ? "met" : "NOT met")
}'

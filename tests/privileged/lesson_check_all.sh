#!/usr/bin/env bash
# Every lesson in lessons/, run for real by `flowlab-cli lesson check` (the issue's CI check):
# each runnable lesson must have every step observed; explain-only ones are skipped with
# their reason. The lab comes up with its Kubernetes cluster (the Docker lessons run in it
# too) and goes down afterwards, leaving nothing behind.
#
#   tests/privileged/lesson_check_all.sh BUILD SOURCE
set -euo pipefail
build=${1:?usage: $0 BUILD SOURCE}
source=${2:?usage: $0 BUILD SOURCE}
cli="$build/bin/flowlab-cli"
# Needs root (flowlabd); anyone else skips (ctest's SKIP_RETURN_CODE).
[ "$(id -u)" -eq 0 ] || { echo "lesson_check_all: needs root, skipped"; exit 77; }

down() { "$cli" lab down >/dev/null 2>&1 || true; }
trap down EXIT
# A lab left up without its cluster (by a Docker-only test) cannot run the Kubernetes lessons,
# so the lab starts afresh. Privileged tests take the lab one at a time (RESOURCE_LOCK).
down
"$cli" lab up --kube
"$cli" lesson check "$source"/lessons/*.json
down
# The census exits non-zero, listing them, if anything of the lab is left.
"$cli" lab census

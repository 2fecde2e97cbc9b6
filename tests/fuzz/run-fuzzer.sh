#!/bin/sh
# Runs one libFuzzer target for a bounded time. New inputs go to a work
# folder in the build tree, and the seeds in the source tree stay as they are.
# Usage: run-fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
set -eu
mkdir -p "$3"
exec "$1" -max_total_time="$4" -timeout=10 -error_exitcode=1 -rss_limit_mb=2048 -print_final_stats=1 "$3" "$2"

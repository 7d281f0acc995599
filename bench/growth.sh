#!/usr/bin/env bash
# bench/growth.sh: how medkb's cost grows with the corpus.
#
# Usage: bench/growth.sh
#
# Builds medkb's index at about 1k, 10k, 50k and 140k documents (SIZES) and
# for each size reports:
#   build s, peak MB   `medkb index --full` from scratch, GNU /usr/bin/time
#                      (wall seconds, maximum resident set size), the files
#                      read once before so that the page cache is warm
#   index MB           `du -sb` of the index folder (10^6 bytes)
#   query median ms    the median of the per-query medians of bench/queries.txt,
#                      each query one fresh `medkb search` process (top 10 with
#                      snippets, human output into a pipe, freshness check
#                      included) under hyperfine -N --warmup 3 --runs 10
#   query p95 ms       the 95th percentile of all those runs
# The sizes are strided samples of the large corpus (bench/make-corpus.sh N),
# so every size has the same mix of dictionary entries and man pages; the
# largest is the large corpus itself (139,350 documents).
#
# Prints a markdown table (also $WORK/growth/results.md) and draws it, three
# panels on log-log axes (build time, index size, query latency against
# documents), into $PLOT with gnuplot.
#
# Environment:
#   MEDKB    the medkb binary (default: `cargo build --release --locked`, then
#            target/release/medkb)
#   BENCH    where corpora live (default /tmp/medkb-bench; made when missing)
#   WORK     indexes and logs (default $BENCH/work)
#   SIZES    default "1000 10000 50000 large"
#   RUNS, WARMUP  hyperfine runs and warmup runs per query (10, 3)
#   PLOT     the image (default docs/growth.png in the repository)
# Takes about 2 minutes once the corpora exist. Do not run it at the same time
# as `bench/run.sh large`, which edits the large corpus for a moment.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname -- "$here")
say() { printf 'growth: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
[ $# -eq 0 ] || { echo "usage: bench/growth.sh   (settings via environment, see the header)" >&2; exit 2; }

BENCH=${BENCH:-/tmp/medkb-bench}
WORK=${WORK:-$BENCH/work}/growth
QUERIES=$(realpath "${QUERIES:-$here/queries.txt}")
SIZES=${SIZES:-"1000 10000 50000 large"}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
PLOT=${PLOT:-$root/docs/growth.png}
PY=/usr/bin/python3

. "$here/common.sh"
require_tools hyperfine gnuplot
find_medkb
full=(--full)
read_queries

shq() { local a s=""; for a; do s+=" '${a//\'/\'\\\'\'}'"; done; printf '%s' "${s# }"; }

rm -rf "$WORK"; mkdir -p "$WORK"
start_all=$SECONDS
labels=()
for size in $SIZES; do
    if [ "$size" = large ]; then dir=$BENCH/large; else dir=$BENCH/sub-$size; fi
    if [ ! -s "$dir/corpus.jsonl" ] || [ ! -d "$dir/docs" ]; then
        "$here/make-corpus.sh" "$dir" "$size" >&2
    fi
    [ ! -e "$dir/.incremental-backup" ] ||
        die "$dir was left changed by an interrupted bench/run.sh large: run that again to restore it"
    docs=$(realpath "$dir/docs")
    n=$(wc -l <"$dir/corpus.jsonl")
    w=$WORK/$n idx=$WORK/$n/idx
    mkdir -p "$w"
    labels+=("$n")
    echo "$n $(find "$docs" -name '*.txt' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)" >"$w/info"

    say "$n documents: medkb index ${full[*]}"
    warm "$docs"
    /usr/bin/time -f '%e %M' -o "$w/build.time" \
        "$MEDKB" --corpus "$docs" --index "$idx" index "${full[@]}" >"$w/build.log" 2>&1 ||
        die "medkb index failed, see $w/build.log"
    du -sb "$idx" | cut -f1 >"$w/size"

    say "$n documents: ${#QS[@]} queries × $((RUNS + WARMUP)) processes"
    hf=()
    for q in "${QS[@]}"; do
        cmd=("$MEDKB" --corpus "$docs" --index "$idx" search -- "$q")
        "${cmd[@]}" >/dev/null 2>>"$w/sanity.err" || die "medkb search failed: $q"
        hf+=(-n "$q" "$(shq "${cmd[@]}")")
    done
    if [ -s "$w/sanity.err" ]; then
        say "warning: medkb wrote to stderr (a rebuild?):"; head -3 "$w/sanity.err" >&2
    fi
    hyperfine -N --output=pipe --style=basic -w "$WARMUP" -r "$RUNS" \
        --export-json "$w/hyperfine.json" "${hf[@]}" >"$w/hyperfine.log" 2>&1 ||
        die "hyperfine failed, see $w/hyperfine.log"
done

export WHEN MACHINE VERSIONS RUNS WARMUP NQ
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
MACHINE="$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
VERSIONS=$("$MEDKB" --version 2>/dev/null | head -1)
NQ=${#QS[@]}
"$PY" "$here/report.py" growth "$WORK" "${labels[@]}" | tee "$WORK/results.md"

mkdir -p "$(dirname -- "$PLOT")"
gnuplot <<EOF
set terminal pngcairo size 1500,480 font "sans,11"
set output "$PLOT"
set multiplot layout 1,3 title "medkb: cost against corpus size (${VERSIONS}, $(nproc) cores, $(date -u +%Y-%m-%d))" font "sans,13"
set logscale xy
set grid
set key off
set xlabel "documents"
set format x "%.0s%c"
set xrange [500:300000]
set offsets 0, 0, graph 0.1, graph 0.1
set title "full build (medkb index --full)"
set ylabel "seconds"
plot "$WORK/growth.dat" using 1:2 with linespoints pt 7 ps 1.2 lw 2 lc rgb "#1f77b4", \
     "" using 1:2:(sprintf("%.2f s", \$2)) with labels offset 0,1.2
set title "index size on disk"
set ylabel "MB"
plot "$WORK/growth.dat" using 1:3 with linespoints pt 7 ps 1.2 lw 2 lc rgb "#2ca02c", \
     "" using 1:3:(sprintf("%.1f MB", \$3)) with labels offset 0,1.2
set title "query, one fresh process (median and p95)"
set ylabel "milliseconds"
set key top left
plot "$WORK/growth.dat" using 1:4 title "median" with linespoints pt 7 ps 1.2 lw 2 lc rgb "#d62728", \
     "" using 1:5 title "p95" with linespoints pt 6 ps 1.0 lw 1 dt 2 lc rgb "#d62728", \
     "" using 1:4:(sprintf("%.1f ms", \$4)) notitle with labels offset 0,-1.2
unset multiplot
EOF
say "plot: $PLOT"
say "done in $((SECONDS - start_all)) s"

#!/usr/bin/env bash
# bench/run.sh: medkb against SQLite FTS5, Xapian and ripgrep, in one run.
#
# Usage: bench/run.sh [small|large|all]          (default: all)
#
# For each corpus (small: the project's own corpus/; large: 139,350 documents
# from Debian's dictionaries and man pages, see bench/make-corpus.sh):
#
#   1. build   every index from scratch, one tool after the other: wall seconds
#              and peak resident memory from GNU `/usr/bin/time -f '%e %M'`,
#              index size from `du -sb`. Before each build the inputs (the
#              text files and corpus.jsonl) are read once, so that every tool
#              builds from a warm page cache, as the queries run.
#                medkb          `medkb index --full` on the .txt/.md files
#                sqlite-fts5    `sqlite3`: fts5(id UNINDEXED, title, body,
#                               tokenize='porter unicode61') filled from corpus.jsonl
#                xapian-quest   bench/xapian_index.py (python3-xapian, English stemmer)
#                rg             no index
#   2. query   once every index is built: each of the queries in bench/queries.txt
#              as one fresh process (start, open, search, print, exit) under
#              `hyperfine -N --output=pipe --warmup 3 --runs 10`, one hyperfine run
#              per query timing every indexed tool side by side, taking turns to go
#              first (this host's speed drifts: the figures of a ratio are seconds
#              apart, not minutes); rg afterwards on its own. The page cache is
#              warm, nothing else stays resident. medkb's figure includes its check
#              that the index matches the corpus (nothing is rebuilt: a sanity run
#              right after the build warns if medkb writes anything to stderr).
#                medkb          `medkb search QUERY`: top 10, human output with
#                               snippets
#                sqlite-fts5    words ORed, ORDER BY bm25 LIMIT 10, with snippet()
#                xapian-quest   `quest -m 10`: BM25, OR, stemming, no snippets
#                rg             `rg -i -F QUERY docs/`: the query as one phrase,
#                               unranked; on the large corpus 1 warmup + 3 runs
#                               (each run costs ~0.7 s), elsewhere as the others
#   3. incremental (large corpus only): adds one file, changes one, deletes one,
#              times `medkb index` (no --full) as a share of the full build, and
#              checks with `medkb search --json` that the added and the changed
#              document are found by their new words, the changed one no longer by
#              its old word, and the deleted one by nothing. The corpus is put back
#              as it was afterwards.
#
# Prints one markdown table per corpus (tool, build s, peak MB, index MB, query
# median ms = median of the per-query medians, query p95 ms = 95th percentile
# of all timed runs, medkb/tool ratios) and the targets met or missed; writes
# them to $WORK/results.md, per-query medians to $WORK/CORPUS/per-query.md.
#
# Environment:
#   MEDKB     the medkb binary (default: `cargo build --release --locked`, then
#             target/release/medkb)
#   BENCH     where corpora live (default /tmp/medkb-bench; made when missing)
#   WORK      indexes, logs and results (default $BENCH/work)
#   QUERIES   the query file (default bench/queries.txt)
#   RUNS, WARMUP        hyperfine runs and warmup runs per query (10, 3)
#   RG_RUNS, RG_WARMUP  the same for rg on the large corpus (3, 1)
#   TOOLS     tools to measure (default "medkb sqlite-fts5 xapian-quest rg";
#             medkb is always measured)
# Needs bench/setup.sh's packages. Takes under a minute on the small corpus,
# about 4 minutes on the large one (+30 s to generate it the first time).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname -- "$here")
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

what=${1:-all}
case $what in
small) corpora=(small) ;;
large) corpora=(large) ;;
all) corpora=(small large) ;;
*) echo "usage: bench/run.sh [small|large|all]" >&2; exit 2 ;;
esac

BENCH=${BENCH:-/tmp/medkb-bench}
WORK=${WORK:-$BENCH/work}
QUERIES=$(realpath "${QUERIES:-$here/queries.txt}")
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
rg_runs_large=${RG_RUNS:-3}
rg_warmup_large=${RG_WARMUP:-1}
TOOLS=${TOOLS:-"medkb sqlite-fts5 xapian-quest rg"}
[[ " $TOOLS " == *" medkb "* ]] || TOOLS="medkb $TOOLS"
PY=/usr/bin/python3
REPORT=("$PY" "$here/report.py")

. "$here/common.sh"
require_tools sqlite3 quest rg hyperfine
find_medkb
full=(--full)
read_queries
mkdir -p "$WORK"

# argv as one string hyperfine -N splits back into the same argv.
shq() { local a s=""; for a; do s+=" '${a//\'/\'\\\'\'}'"; done; printf '%s' "${s# }"; }

# Per tool: b_TOOL IDX sets CMD to the build's argv (writes untimed set-up files);
#           q_TOOL IDX QUERY sets CMD to one search's argv.
b_medkb() { CMD=("$MEDKB" --corpus "$docs" --index "$1" index "${full[@]}"); }
q_medkb() { CMD=("$MEDKB" --corpus "$docs" --index "$1" search -- "$2"); }
b_sqlite-fts5() {
    cat >"$1.sql" <<EOF
CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61');
CREATE TEMP TABLE raw(j TEXT);
.mode ascii
.separator "\037" "\n"
.import $jsonl raw
INSERT INTO docs SELECT j->>'id', j->>'title', j->>'body' FROM raw;
EOF
    CMD=(sqlite3 "$1/fts.db" ".read $1.sql")
}
q_sqlite-fts5() {
    local w m="" ws
    read -ra ws <<<"$2"
    for w in "${ws[@]}"; do w=${w//[^[:alnum:]]/}; [ -n "$w" ] && m+="${m:+ OR }\"$w\""; done
    CMD=(sqlite3 -readonly "$1/fts.db" "SELECT id, title, snippet(docs, 2, '[', ']', '...', 16) \
FROM docs WHERE docs MATCH '$m' ORDER BY bm25(docs) LIMIT 10")
}
b_xapian-quest() { CMD=("$PY" "$here/xapian_index.py" "$jsonl" "$1"); }
q_xapian-quest() { CMD=(quest -d "$1" -m 10 -- "$2"); }
b_rg() { CMD=(); }
q_rg() { CMD=(rg -i -F -- "$2" "$docs"); }

# prepare TOOL: build (if any), size, and a sanity run of every query; sets
# QCMD[TOOL,i] to the argv (as one string) of query i.
declare -A QCMD
prepare() {
    local t=$1 w=$work/$1 idx=$work/$1/idx q i=0 n nonempty=0 bytes=0
    rm -rf "$w"; mkdir -p "$w"
    b_"$t" "$idx"
    if ((${#CMD[@]})); then
        say "$corpus: $t: build"
        [ "$t" = medkb ] || mkdir -p "$idx"
        warm "$jsonl" "$docs"
        /usr/bin/time -f '%e %M' -o "$w/build.time" "${CMD[@]}" >"$w/build.log" 2>&1 ||
            die "$t build failed, see $w/build.log"
        du -sb "$idx" | cut -f1 >"$w/size"
    fi
    for q in "${QS[@]}"; do
        q_"$t" "$idx" "$q"
        QCMD[$t,$i]=$(shq "${CMD[@]}")
        n=$("${CMD[@]}" 2>>"$w/sanity.err" | wc -c) || true
        ((n > 0)) && nonempty=$((nonempty + 1))
        bytes=$((bytes + n))
        i=$((i + 1))
    done
    echo "$nonempty $bytes" >"$w/sanity"
    if [ "$t" = medkb ] && [ -s "$w/sanity.err" ]; then
        say "warning: medkb wrote to stderr during the sanity run (a rebuild?):"
        head -3 "$w/sanity.err" >&2
    fi
}

# time_queries TOOLS...: every index is built by now. Each query is timed for
# all the indexed tools in one hyperfine run, the tools taking turns to go
# first, so that their figures for it are seconds apart: this host's speed
# drifts, and timing one tool after another's build and all its queries
# put minutes between the figures that make a ratio. rg (no index, no
# targets, and slow on the large corpus) is timed on its own afterwards.
time_queries() {
    local t i k n hf tools=() qdir=$work/queries
    for t; do [ "$t" = rg ] || tools+=("$t"); done
    mkdir -p "$qdir"
    printf '%s\n' "${QS[@]}" >"$qdir/names"
    n=${#tools[@]}
    say "$corpus: ${tools[*]}: ${#QS[@]} queries × $((RUNS + WARMUP)) processes each, side by side"
    for ((i = 0; i < ${#QS[@]}; i++)); do
        hf=()
        for ((k = 0; k < n; k++)); do
            t=${tools[$(((i + k) % n))]}
            hf+=(-n "$t" "${QCMD[$t,$i]}")
        done
        hyperfine -N --output=pipe --style=basic -w "$WARMUP" -r "$RUNS" \
            --export-json "$qdir/$i.json" "${hf[@]}" >>"$qdir/hyperfine.log" 2>&1 ||
            die "hyperfine failed for query $((i + 1)), see $qdir/hyperfine.log"
    done
    "${REPORT[@]}" split "$work" "$qdir" "${tools[@]}" ||
        die "cannot gather the query timings of $qdir"
    for t; do
        [ "$t" = rg ] || continue
        hf=()
        for ((i = 0; i < ${#QS[@]}; i++)); do hf+=(-n "${QS[$i]}" "${QCMD[rg,$i]}"); done
        say "$corpus: rg: ${#QS[@]} queries × $((RG_RUNS + RG_WARMUP)) processes"
        # rg exits 1 when nothing matches.
        hyperfine -N --output=pipe --style=basic -w "$RG_WARMUP" -r "$RG_RUNS" -i \
            --export-json "$work/rg/hyperfine.json" "${hf[@]}" >"$work/rg/hyperfine.log" 2>&1 ||
            die "hyperfine failed for rg, see $work/rg/hyperfine.log"
    done
}

# medkb search --json WORD: "total TAB suggestion TAB ids" (up to 1000 hits).
lookup() {
    "$MEDKB" --corpus "$docs" --index "$work/medkb/idx" search --json -n 1000 -- "$1" \
        >"$work/incremental/answer.json" 2>>"$work/incremental/search.err"
    "${REPORT[@]}" hits "$work/incremental/answer.json"
}
has_id() { [[ " $(cut -f3 <<<"$1") " == *" $2 "* ]]; }

# Put back what an incremental step changed in the corpus, also one that was
# interrupted in an earlier run. Files are moved aside and back, never rewritten
# in place: the growth subsets hold hard links to them.
restore_corpus() {
    local backup=$corpus_dir/.incremental-backup chg del add
    [ -f "$backup/paths" ] || return 0
    IFS=$'\t' read -r chg del add <"$backup/paths"
    rm -f -- "$add"
    if [ -f "$backup/changed.txt" ]; then mv -f -- "$backup/changed.txt" "$docs/$chg"; fi
    if [ -f "$backup/deleted.txt" ]; then mv -f -- "$backup/deleted.txt" "$docs/$del"; fi
    rm -rf -- "$backup"
}

# Incremental step on the large corpus: add, change, delete one file each.
incremental() {
    local inc=$work/incremental backup=$corpus_dir/.incremental-backup
    local cand id word path
    # Shared with change_corpus and check_changes.
    chg_id="" chg_word="" chg_path="" del_id="" del_word="" del_path=""
    mkdir -p "$inc"
    say "$corpus: incremental: choosing a changed and a deleted document"
    # Two dictionary entries whose headword occurs in that document only.
    while IFS=$'\t' read -r id word path; do
        cand=$(lookup "$word")
        [ "$(cut -f1 <<<"$cand")" = 1 ] && [ "$(cut -f3 <<<"$cand")" = "$id" ] || continue
        if [ -z "$chg_id" ]; then chg_id=$id chg_word=$word chg_path=$path
        else del_id=$id del_word=$word del_path=$path; break; fi
    done < <("${REPORT[@]}" candidates "$corpus_dir" 60)
    [ -n "$del_id" ] || die "no document with a word of its own found for the incremental step"
    add_word=xyzzyaddedqz new_word=xyzzychangedqz add_id=medkb-bench-added
    add_path=$(find "$docs" -mindepth 1 -maxdepth 1 -type d | sort | tail -1)/$add_id.txt
    [ -z "$(cut -f3 <<<"$(lookup "$add_word")")" ] || die "$add_word is already in the corpus"

    # The corpus is put back however this ends (restore_corpus).
    trap restore_corpus EXIT
    trap 'exit 130' INT TERM
    change_corpus
    say "$corpus: incremental: medkb index"
    timed_index "$inc/index"
    {
        echo "full_s=$(cut -d' ' -f1 "$work/medkb/build.time")"
        echo "incremental_s=$(cut -d' ' -f1 "$inc/index.time")"
        ((${#full[@]})) || echo "mode=this medkb has no --full: both builds are full"
        check_changes ""
    } >"$work/incremental.env"
    restore_corpus
    # Again, naming the three files: what a caller that knows what it
    # changed (an editor, a sync tool, a watcher) pays.
    if "$MEDKB" index --help 2>/dev/null | grep -q 'PATH'; then
        timed_index "$inc/restore" >/dev/null
        change_corpus
        say "$corpus: incremental: medkb index PATH PATH PATH"
        timed_index "$inc/named" "$docs/$chg_path" "$docs/$del_path" "$add_path"
        {
            echo "named_s=$(cut -d' ' -f1 "$inc/named.time")"
            check_changes named_
        } >>"$work/incremental.env"
        restore_corpus
    fi
    if [ -s "$inc/search.err" ]; then
        say "note: medkb wrote to stderr during the checks (see $inc/search.err):"
        head -3 "$inc/search.err" >&2
    fi
    trap - EXIT INT TERM
}

# Adds the file, changes the one and deletes the other chosen by incremental.
change_corpus() {
    local backup=$corpus_dir/.incremental-backup
    mkdir -p "$backup"
    printf '%s\t%s\t%s\n' "$chg_path" "$del_path" "$add_path" >"$backup/paths"
    printf 'Added by the benchmark\nA new document holding the word %s.\n' "$add_word" >"$add_path"
    mv "$docs/$chg_path" "$backup/changed.txt"
    "${REPORT[@]}" replace "$backup/changed.txt" "$docs/$chg_path" "$chg_word" "$new_word"
    mv "$docs/$del_path" "$backup/deleted.txt"
}

# medkb index [PATH...] timed into BASE.time, its output in BASE.log.
timed_index() {
    local base=$1
    shift
    /usr/bin/time -f '%e %M' -o "$base.time" \
        "$MEDKB" --corpus "$docs" --index "$work/medkb/idx" index "$@" >"$base.log" 2>&1 ||
        die "incremental medkb index failed, see $base.log"
}

# Whether searches see the three changes: KEY=PASS|MISS lines, each KEY
# starting with PREFIX.
check_changes() {
    local prefix=$1 r_add r_new r_old r_del total sugg ids
    r_add=$(lookup "$add_word"); r_new=$(lookup "$new_word")
    r_old=$(lookup "$chg_word"); r_del=$(lookup "$del_word")
    if has_id "$r_add" "$add_id"; then echo "${prefix}added=PASS ($add_word: $(cut -f1 <<<"$r_add") hit)"
    else echo "${prefix}added=MISS ($add_word: ids $(cut -f3 <<<"$r_add"))"; fi
    if has_id "$r_new" "$chg_id"; then echo "${prefix}changed_new=PASS ($chg_id by $new_word)"
    else echo "${prefix}changed_new=MISS ($chg_id not found by $new_word)"; fi
    if has_id "$r_old" "$chg_id"; then echo "${prefix}changed_old=MISS ($chg_id still found by $chg_word)"
    else echo "${prefix}changed_old=PASS ($chg_id not found by $chg_word; $(cut -f1 <<<"$r_old") hits)"; fi
    IFS=$'\t' read -r total sugg ids <<<"$r_del"
    if has_id "$r_del" "$del_id"; then echo "${prefix}deleted=MISS ($del_id still found by $del_word)"
    elif [ "$total" = 0 ]; then echo "${prefix}deleted=PASS ($del_word: 0 hits)"
    else echo "${prefix}deleted=PASS ($del_id gone; $del_word corrected to '$sugg', $total hits)"; fi
}

# Header facts for the table.
ver() { "$@" 2>/dev/null | head -1 || true; }
export WHEN MACHINE VERSIONS RUNS WARMUP RG_RUNS RG_WARMUP QUERIES_NAME CORPUS_DESC
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
VERSIONS="$(ver "$MEDKB" --version); sqlite3 $(ver sqlite3 --version | cut -d' ' -f1); $(ver quest --version); $(ver rg --version); $(ver hyperfine --version)"
QUERIES_NAME=$(basename "$QUERIES")

results=$WORK/results.md
: >"$results.tmp"
start_all=$SECONDS
for corpus in "${corpora[@]}"; do
    start=$SECONDS
    WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
    MACHINE="$(nproc) cores ($cpu), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
    corpus_dir=$BENCH/$corpus
    if [ ! -s "$corpus_dir/corpus.jsonl" ] || [ ! -e "$corpus_dir/docs" ]; then
        "$here/make-corpus.sh" "$corpus_dir" "$corpus" >&2
    fi
    corpus_dir=$(cd -- "$corpus_dir" && pwd)
    docs=$(realpath "$corpus_dir/docs")
    jsonl=$corpus_dir/corpus.jsonl
    work=$WORK/$corpus
    rm -rf "$work"; mkdir -p "$work"
    RG_RUNS=$RUNS RG_WARMUP=$WARMUP
    if [ "$corpus" = large ]; then RG_RUNS=$rg_runs_large RG_WARMUP=$rg_warmup_large; fi
    ndocs=$(wc -l <"$jsonl")
    CORPUS_DESC="$ndocs documents, $(find "$docs" -type f \( -name '*.txt' -o -name '*.md' \) -printf '%s\n' |
        awk '{s += $1} END {printf "%.2f", s / 1e6}') MB of text files ($docs)"

    if [ "$corpus" = large ]; then restore_corpus; fi
    for t in $TOOLS; do prepare "$t"; done
    # Builds write hundreds of megabytes: let them reach the disk first.
    sync
    time_queries $TOOLS
    if [ "$corpus" = large ]; then incremental; fi

    "${REPORT[@]}" run "$corpus" "$work" $TOOLS | tee "$work/results.md" >>"$results.tmp"
    say "$corpus: done in $((SECONDS - start)) s"
done
mv "$results.tmp" "$results"
echo
cat "$results"
say "all done in $((SECONDS - start_all)) s; tables in $results"

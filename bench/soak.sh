#!/usr/bin/env bash
# Crash and concurrency soak: kills `medkb index` with SIGKILL at random
# moments, again and again, while several searchers query the same index
# without pause, and edits the corpus between rounds so that searches find
# the index stale. Every search must be answered from a whole index.
#
# Usage: bench/soak.sh [KILLS] [SEARCHERS]     (defaults: 200 kills, 4 searchers)
# Prints one summary line per figure; exits non-zero if any search failed,
# any answer was incomplete, or a temporary folder survived the final build.
set -euo pipefail

kills=${1:-200}
searchers=${2:-4}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'soak: %s\n' "$*" >&2; }

cargo build --release --locked --manifest-path "$root/Cargo.toml" >&2
medkb="$root/target/release/medkb"

work=$(mktemp -d "${TMPDIR:-/tmp}/medkb-soak.XXXXXX")
trap 'touch "$work/stop"; wait 2>/dev/null || true; rm -rf -- "$work"' EXIT
corpus="$work/corpus"
index="$work/index"
cp -r "$root/corpus" "$corpus"
# 600 extra articles, so that a build lasts long enough to be killed mid-way.
mkdir -p "$corpus/articles/soak"
filler=$(printf 'Filler words for the index to chew on. %.0s' $(seq 200))
for n in $(seq 600); do
    printf -- '---\nid: soak-%d\ntitle: Soak %d\n---\nDocument %d about lemurs. %s\n' \
        "$n" "$n" "$n" "$filler" >"$corpus/articles/soak/soak-$n.md"
done
documents=$(( $(find "$corpus" -name '*.md' | wc -l) ))
run() { "$medkb" --corpus "$corpus" --index "$index" --color never "$@"; }
start=$(date +%s%N)
run index --full >/dev/null
build_ms=$(( ($(date +%s%N) - start) / 1000000 ))
say "$documents documents; a full build takes ${build_ms} ms"

# Searchers: each asks, checks the answer is whole (every lemur document
# found), and counts. Exit codes: anything but 0 is a failure.
searcher() {
    local id=$1 answered=0 failed=0 incomplete=0 out
    while [ ! -e "$work/stop" ]; do
        if out=$(run search --json --limit 1 lemurs 2>>"$work/searcher-$id.err"); then
            if [[ $out == *'"total":600'* ]]; then
                answered=$((answered + 1))
            else
                incomplete=$((incomplete + 1))
                printf '%s\n' "$out" | head -c 300 >>"$work/searcher-$id.err"
            fi
        else
            failed=$((failed + 1))
        fi
    done
    echo "$answered $failed $incomplete" >"$work/searcher-$id.count"
}
for id in $(seq "$searchers"); do searcher "$id" & done

# Kill rebuilds at random moments within 90% of the length of a build; every tenth
# round, edit a note first so the index is stale and searchers see it so.
killed=0 refused=0 finished=0
max_ms=$(( build_ms * 9 / 10 + 1 ))
for round in $(seq "$kills"); do
    if (( round % 10 == 0 )); then
        printf '\nEdited in soak round %d.\n' "$round" >>"$corpus/notes/glossary.md"
    fi
    # Not through run(): $! must be medkb itself, not a subshell.
    "$medkb" --corpus "$corpus" --index "$index" index --full >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%03d' $(( RANDOM % max_ms % 1000 )))"
    kill -KILL "$pid" 2>/dev/null || true
    status=0
    wait "$pid" 2>/dev/null || status=$?
    case $status in
        137) killed=$((killed + 1)) ;;
        5) refused=$((refused + 1)) ;; # a searcher was rebuilding the stale index
        0) finished=$((finished + 1)) ;;
        *) say "medkb index exited with $status"; exit 1 ;;
    esac
done
touch "$work/stop"
wait

answered=0 failed=0 incomplete=0
for id in $(seq "$searchers"); do
    read -r a f i <"$work/searcher-$id.count"
    answered=$((answered + a)) failed=$((failed + f)) incomplete=$((incomplete + i))
done
leftover_before=$(find "$index" -maxdepth 1 -name 'tmp-*' | wc -l)
run index >/dev/null
leftover_after=$(find "$index" -maxdepth 1 -name 'tmp-*' | wc -l)
final=$(run search --json --limit 1 lemurs)

echo "rebuilds started, then SIGKILL: $kills"
echo "  killed mid-build:        $killed"
echo "  refused, lock held by a searcher's rebuild (exit 5): $refused"
echo "  finished before the kill: $finished"
echo "concurrent searchers:      $searchers"
echo "searches answered whole:   $answered"
echo "searches failed:           $failed"
echo "answers incomplete:        $incomplete"
echo "tmp folders before/after final build: $leftover_before/$leftover_after"
if (( failed > 0 || incomplete > 0 || leftover_after > 0 )) || [[ $final != *'"total":600'* ]]; then
    say "FAILED; searcher messages:"
    cat "$work"/searcher-*.err >&2 || true
    exit 1
fi
say "nothing lost"

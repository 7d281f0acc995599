#!/usr/bin/env bash
# A reproducible relevance baseline: plain BM25 with Porter stemming in SQLite
# FTS5 (Debian's `sqlite3` command-line shell), over the same documents medkb
# indexes, for the judged questions of tests/relevance.json.
#
# Usage: bench/fts5-baseline.sh [QUESTIONS.json] [OUT.json]
#   QUESTIONS.json  default tests/relevance.json
#   OUT.json        default target/fts5-run.json
# Relative paths are taken from the directory you run the script in; the
# defaults are relative to the repository root.
#
# Writes a run file: a JSON object mapping each question, exactly as in the
# questions file, to its top 10 document ids, best first. Progress goes to
# stderr; nothing is printed on stdout. The repository's index/ is never
# touched: medkb is pointed at a temporary index.
#
# How each question becomes an FTS5 query: balanced "..." stay phrases; every
# other word (split on anything not a letter or digit, lower-cased) becomes
# its own quoted string; all are ORed. Ranked by bm25(docs), default weights.
set -euo pipefail

say() { printf 'fts5-baseline: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

caller_dir=$PWD
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
helper="$root/bench/fts5_baseline.py"

from_caller() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$caller_dir/$1" ;;
    esac
}

if [ $# -gt 2 ]; then
    die "usage: bench/fts5-baseline.sh [QUESTIONS.json] [OUT.json]"
fi
if [ $# -ge 1 ]; then questions=$(from_caller "$1"); else questions="$root/tests/relevance.json"; fi
if [ $# -ge 2 ]; then out=$(from_caller "$2"); else out="$root/target/fts5-run.json"; fi

cd -- "$root"
[ -f "$questions" ] || die "no questions file: $questions"
command -v python3 >/dev/null || die "python3 is required (JSON handling only)"

# The baseline is Debian's sqlite3 shell; install it when it is missing.
if ! command -v sqlite3 >/dev/null; then
    sudo=()
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=(sudo); fi
    say "sqlite3 is missing: apt-get install -y sqlite3"
    if ! "${sudo[@]}" apt-get install -y sqlite3 >&2; then
        say "install failed: apt-get update, then try again"
        "${sudo[@]}" apt-get update >&2
        "${sudo[@]}" apt-get install -y sqlite3 >&2
    fi
fi
sqlite_version=$(sqlite3 --version | cut -d' ' -f1,2)
sqlite() { sqlite3 -batch -bail -init /dev/null "$@"; }

# medkb, built from the current sources.
medkb="$root/target/release/medkb"
if [ ! -x "$medkb" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$medkb" -print -quit)" ]; then
    say "building medkb: cargo build --release --locked"
    cargo build --release --locked >&2
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/fts5-baseline.XXXXXX")
trap 'rm -rf -- "$tmpdir"' EXIT
index="$tmpdir/index"

# The documents, as medkb reads them (the first call builds the temporary index).
say "reading the documents through medkb (temporary index $index)"
"$medkb" --index "$index" list --json >"$tmpdir/list.json" 2>"$tmpdir/medkb.err" ||
    { cat "$tmpdir/medkb.err" >&2; die "medkb list failed"; }
python3 "$helper" ids "$tmpdir/list.json" >"$tmpdir/ids.txt"
mkdir "$tmpdir/docs"
count=0
while IFS= read -r doc_id; do
    "$medkb" --index "$index" show --json -- "$doc_id" >"$tmpdir/docs/$count.json" 2>"$tmpdir/medkb.err" ||
        { cat "$tmpdir/medkb.err" >&2; die "medkb show $doc_id failed"; }
    count=$((count + 1))
done <"$tmpdir/ids.txt"
[ "$count" -gt 0 ] || die "medkb listed no documents"

# The FTS5 table, filled by the sqlite3 shell.
db="$tmpdir/fts5.db"
python3 "$helper" load-sql "$tmpdir/docs" >"$tmpdir/load.sql"
sqlite "$db" <"$tmpdir/load.sql" >&2
loaded=$(sqlite "$db" 'SELECT count(*) FROM docs;')
[ "$loaded" -eq "$count" ] || die "loaded $loaded documents, expected $count"
say "loaded $loaded documents into FTS5 (porter unicode61 remove_diacritics 2)"

# Rank every question with the sqlite3 shell, then write the run file.
python3 "$helper" query-sql "$questions" >"$tmpdir/queries.sql"
sqlite "$db" <"$tmpdir/queries.sql" >"$tmpdir/ranked.out"
python3 "$helper" collect "$questions" "$tmpdir/ranked.out" "$out"

say "sqlite3 $sqlite_version"
say "run file: $out"

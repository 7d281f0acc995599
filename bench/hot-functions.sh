#!/usr/bin/env bash
# bench/hot-functions.sh: lists the functions of medkb that a search runs,
# for the linker to lay out side by side (see build.rs).
#
# Usage: bench/hot-functions.sh
#
# Runs `medkb search` under valgrind's callgrind for every question of
# bench/queries.txt on the bundled corpus and, when it has been generated
# (bench/make-corpus.sh), on the large one, plus a JSON search and a
# misspelled one, and writes the symbols of every function of the medkb
# binary that ran, in the order callgrind first lists them, one a line, to
# bench/hot-functions.txt. Rebuild afterwards (`cargo build --release`).
#
# The names are the compiler's mangled symbols, which stay the same from one
# build to the next while the function and the compiler version do: after a
# change, functions new or renamed are simply not in the list, and a list
# that matches nothing costs nothing but the gain. Regenerate it when a
# benchmark shows the page faults of a search creeping up.
#
# Environment:
#   MEDKB    the medkb binary (default: `cargo build --release --locked`, then
#            target/release/medkb)
#   BENCH    where corpora live (default /tmp/medkb-bench)
# Needs valgrind and python3. Takes about a minute.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname -- "$here")
say() { printf 'hot-functions: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v valgrind >/dev/null || die "valgrind is missing (bench/setup.sh installs it)"
command -v python3 >/dev/null || die "python3 is missing"
BENCH=${BENCH:-/tmp/medkb-bench}
if [ -z "${MEDKB:-}" ]; then
    (cd "$root" && cargo build --release --locked -q)
    MEDKB=$root/target/release/medkb
fi
[ -x "$MEDKB" ] || die "no medkb binary at $MEDKB"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
profile() {
    local corpus=$1 index=$2 n=$3
    shift 3
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$n.out" \
        "$MEDKB" search --corpus "$corpus" --index "$index" "$@" >/dev/null 2>&1 ||
        die "medkb search $* failed under valgrind"
}

corpora=("$root/corpus")
[ -d "$BENCH/large/docs" ] && corpora+=("$BENCH/large/docs")
n=0
for corpus in "${corpora[@]}"; do
    index=$work/index-$n
    "$MEDKB" index --quiet --full --corpus "$corpus" --index "$index" >/dev/null ||
        die "medkb index failed on $corpus"
    while IFS= read -r question; do
        n=$((n + 1))
        profile "$corpus" "$index" "$n" "$question"
    done <"$here/queries.txt"
    n=$((n + 1)); profile "$corpus" "$index" "$n" --json "clonazapam withdrawal"
    n=$((n + 1)); profile "$corpus" "$index" "$n" "Rivotril RLS"
    say "profiled $corpus"
done

python3 - "$work" "$(basename -- "$MEDKB")" "$here/hot-functions.txt" <<'EOF'
import glob, re, sys

work, binary, out = sys.argv[1:]
names, seen = [], set()
for path in sorted(glob.glob(f"{work}/*.out")):
    objects, functions, object_now = {}, {}, None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if m := re.match(r"^ob=\((\d+)\)(?: (.*))?$", line):
            if m.group(2):
                objects[m.group(1)] = m.group(2)
            object_now = objects.get(m.group(1))
        elif m := re.match(r"^cob=\((\d+)\) (.*)$", line):
            objects[m.group(1)] = m.group(2)
        elif m := re.match(r"^cfn=\((\d+)\) (.*)$", line):
            functions[m.group(1)] = m.group(2)
        elif m := re.match(r"^fn=\((\d+)\)(?: (.*))?$", line):
            if m.group(2):
                functions[m.group(1)] = m.group(2)
            name = functions.get(m.group(1))
            ours = object_now is not None and object_now.endswith("/" + binary)
            if ours and name and name not in seen:
                seen.add(name)
                names.append(name)
with open(out, "w") as f:
    f.write("".join(name + "\n" for name in names))
print(f"hot-functions: {len(names)} functions written to {out}", file=sys.stderr)
EOF

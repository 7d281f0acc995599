#!/usr/bin/env bash
# bench/make-corpus.sh: writes a benchmark corpus in the layout every tool of
# bench/run.sh and bench/growth.sh reads.
#
# Usage: bench/make-corpus.sh OUT [small|large|N]        (default: large)
#
#   small   the knowledge base's own corpus/ folder (5 articles + the notes),
#           used as it is: OUT/docs is a symbolic link to it, nothing is copied.
#   large   139,350 documents (~49 MB of text) from Debian packages
#           (bench/setup.sh installs them):
#             dict-gcide, dict-foldoc   one document per dictionary entry (~138k)
#             manpages, manpages-dev    one document per man page rendered with
#                                       `man -l | col -bx` (~1.1k; links and `.so`
#                                       aliases skipped)
#           Deterministic for given package versions (same bytes on every run).
#   N       a subset of N documents of the large corpus (e.g. 1000, 10000, 50000):
#           documents number floor(i * TOTAL / N) for i = 0..N-1, in the large
#           corpus's order, so every size mixes dictionary entries and man pages
#           in the same proportions. The files are hard links into the large
#           corpus (LARGE, default $BENCH/large, BENCH default /tmp/medkb-bench;
#           made first if missing).
#           N at or above the large corpus's size is an error: use `large`.
#
# Writes:
#   OUT/docs/NNN/ID.txt  one plain-text document per file: the title on line 1,
#                        the body after; at most 1000 files per NNN folder
#                        (for small: OUT/docs -> the project's corpus/)
#   OUT/corpus.jsonl     the same documents as {"id","title","body"}, one a line:
#                        the input of the SQLite FTS5 and Xapian indexers
# OUT/docs and OUT/corpus.jsonl are replaced; nothing else in OUT is touched.
# Corpora are not part of the repository: keep them under /tmp/medkb-bench.
set -euo pipefail

usage() { echo "usage: bench/make-corpus.sh OUT [small|large|N]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
what=${2:-large}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
py=/usr/bin/python3                    # Debian's python: starts fast, no site extras
say() { printf 'make-corpus: %s\n' "$*" >&2; }

mkdir -p "$out"
out=$(cd -- "$out" && pwd)

case $what in
small)
    rm -rf "$out/docs" "$out/corpus.jsonl"
    ln -s "$root/corpus" "$out/docs"
    # Peers get title, body and (for notes) the aliases, read from the front matter.
    "$py" - "$root/corpus" "$out/corpus.jsonl" <<'PY'
import json, os, re, sys
src, dst = sys.argv[1], sys.argv[2]
def meta_value(v):
    v = v.strip()
    if v.startswith("[") and v.endswith("]"):
        return [x.strip().strip("'\"") for x in v[1:-1].split(",") if x.strip()]
    return v.strip("'\"")
n = 0
with open(dst, "w", encoding="utf-8") as js:
    for d, dirs, files in sorted(os.walk(src)):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".md", ".markdown", ".txt")) or f == "synonyms.txt" or f.startswith("."):
                continue
            text = open(os.path.join(d, f), encoding="utf-8").read()
            meta, body = {}, text
            m = re.match(r"---\n(.*?)\n---\n?(.*)", text, re.S)
            if m:
                body = m.group(2)
                for line in m.group(1).splitlines():
                    k, sep, v = line.partition(":")
                    if sep: meta[k.strip()] = meta_value(v)
            doc_id = meta.get("id") or os.path.splitext(f)[0]
            title = meta.get("title") or doc_id
            aliases = meta.get("aliases") or []
            if isinstance(aliases, str): aliases = [aliases]
            if aliases: body = ", ".join(aliases) + "\n\n" + body
            js.write(json.dumps({"id": doc_id, "title": title, "body": body.strip()},
                                ensure_ascii=False) + "\n")
            n += 1
print(f"docs: {n} (the project's corpus/, used in place)")
PY
    ;;

large)
    for d in gcide foldoc; do
        [ -f "/usr/share/dictd/$d.index" ] || { say "dict-$d is missing: run bench/setup.sh"; exit 1; }
    done
    command -v man >/dev/null && command -v col >/dev/null || { say "man or col missing: run bench/setup.sh"; exit 1; }
    rm -rf "$out/docs" "$out/corpus.jsonl" "$out/.incremental-backup"
    manlist=$(mktemp)
    trap 'rm -f "$manlist"' EXIT
    dpkg -L manpages manpages-dev | grep '/man/man[1-9]/.*\.gz$' | sort >"$manlist"
    say "generating the large corpus in $out (about 2 minutes)"
    "$py" - "$out" "$manlist" gcide foldoc <<'PY'
import gzip, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
out, manlist, dicts = sys.argv[1], sys.argv[2], sys.argv[3:]
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

def b64(s):
    n = 0
    for c in s: n = n * 64 + B64.index(c)
    return n

def dictd(name):
    """Entries of a dictd dictionary: the index has "key TAB b64 offset TAB b64 length"."""
    data = gzip.open(f"/usr/share/dictd/{name}.dict.dz").read()
    entries = {}                      # (offset, length) -> first key naming it
    for line in open(f"/usr/share/dictd/{name}.index", encoding="utf-8"):
        key, off, ln = line.rstrip("\n").split("\t")
        if not key.startswith("00-"):
            entries.setdefault((b64(off), b64(ln)), key)
    for (off, ln), key in sorted(entries.items()):
        text = data[off:off + ln].decode("utf-8", "replace")
        text = "\n".join(l.strip() for l in text.replace("{", "").replace("}", "").splitlines()).strip()
        head = text.split("\n", 1)[0]
        title = head.split(" \\", 1)[0].strip() if " \\" in head else head[:100] or key
        yield title, text

def render(path):
    """One man page as plain text, or None for a link or a `.so` alias."""
    if os.path.islink(path): return None
    if gzip.open(path).read(200).startswith(b".so "): return None
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")
    txt = subprocess.run(["sh", "-c", 'man -l "$1" 2>/dev/null | col -bx', "sh", path],
                         env=env, capture_output=True).stdout.decode("utf-8", "replace")
    name = os.path.basename(path)[:-3]                 # e.g. printf.3
    m = re.search(r"^NAME\n((?:[ \t]+\S.*\n)+)", txt, re.M)
    title = " ".join(m.group(1).split()) if m else name
    return name, title, txt.strip()

n = 0
with open(f"{out}/corpus.jsonl", "w", encoding="utf-8") as js:
    def emit(doc_id, title, body):
        global n
        d = f"{out}/docs/{n // 1000:03d}"
        if n % 1000 == 0: os.makedirs(d, exist_ok=True)
        with open(f"{d}/{doc_id}.txt", "w", encoding="utf-8") as f:
            f.write(title + "\n" + body + "\n")
        js.write(json.dumps({"id": doc_id, "title": title, "body": body}, ensure_ascii=False) + "\n")
        n += 1
    for name in dicts:
        for i, (title, body) in enumerate(dictd(name)):
            emit(f"{name}-{i:06d}", title, body)
    g = n
    pages = open(manlist).read().split()
    with ThreadPoolExecutor(os.cpu_count()) as ex:
        for r in ex.map(render, pages):
            if r and r[2]: emit("man-" + r[0], r[1], r[2])
print(f"docs: {n} (dictionary entries {g}, man pages {n - g})")
PY
    ;;

*[!0-9]* | '' | 0) usage ;;

*)
    n=$what
    large=${LARGE:-${BENCH:-/tmp/medkb-bench}/large}
    if [ ! -s "$large/corpus.jsonl" ]; then
        "$0" "$large" large
    fi
    large=$(cd -- "$large" && pwd)
    [ "$large" != "$out" ] || { say "OUT must differ from the large corpus ($large)"; exit 1; }
    rm -rf "$out/docs" "$out/corpus.jsonl"
    "$py" - "$large" "$out" "$n" <<'PY'
import json, os, sys
large, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(f"{large}/corpus.jsonl", encoding="utf-8").readlines()
total = len(lines)
if n >= total:
    sys.exit(f"make-corpus: the large corpus has {total} documents; ask for fewer, or use `large`")
# Where each document of the large corpus lives: docs/NNN/ by its position.
with open(f"{out}/corpus.jsonl", "w", encoding="utf-8") as js:
    for i in range(n):
        k = i * total // n
        doc_id = json.loads(lines[k])["id"]
        d = f"{out}/docs/{i // 1000:03d}"
        if i % 1000 == 0: os.makedirs(d, exist_ok=True)
        os.link(f"{large}/docs/{k // 1000:03d}/{doc_id}.txt", f"{d}/{doc_id}.txt")
        js.write(lines[k])
print(f"docs: {n} of {total} (every {total / n:.1f}th document of {large})")
PY
    ;;
esac

if [ "$what" != small ]; then
    say "text: $(find "$out/docs" -name '*.txt' -print0 | du -cb --files0-from=- | tail -1 | cut -f1) bytes; corpus.jsonl: $(stat -c %s "$out/corpus.jsonl") bytes"
fi

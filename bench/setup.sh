#!/usr/bin/env bash
# bench/setup.sh: installs what medkb's benchmark needs on a Debian machine.
#
#   peers            sqlite3 (FTS5 built in), xapian-tools (quest) + python3-xapian
#                    (the indexer), ripgrep
#   measurement      hyperfine (cold-process query timing), time (GNU /usr/bin/time:
#                    wall seconds and peak RSS of a build)
#   corpus sources   dict-gcide, dict-foldoc (dictionary entries), manpages,
#                    manpages-dev and man-db (rendered man pages), bsdextrautils (col)
#   plotting         gnuplot-nox (bench/growth.sh draws docs/growth.png with it)
#   profiling        valgrind (bench/hot-functions.sh lists the functions a
#                    search runs with its callgrind)
#
# Usage: bench/setup.sh      (as root, or with sudo available)
# Idempotent: packages already installed are skipped, so a second run takes
# well under a second. Only Debian's own packages are used.
set -euo pipefail

pkgs=(sqlite3 xapian-tools python3-xapian ripgrep hyperfine time
      dict-gcide dict-foldoc manpages manpages-dev man-db bsdextrautils
      gnuplot-nox valgrind)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    echo "setup: installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Sanity checks: each tool answers, FTS5 is compiled in, the dictionaries are there.
sqlite3 :memory: "CREATE VIRTUAL TABLE t USING fts5(x); SELECT 'sqlite3 ' || sqlite_version() || ' with FTS5';"
/usr/bin/python3 -c 'import xapian; print("python3-xapian", xapian.version_string())'
for d in gcide foldoc; do
    [ -f "/usr/share/dictd/$d.index" ] || { echo "setup: /usr/share/dictd/$d.index missing" >&2; exit 1; }
done
for t in quest rg hyperfine gnuplot; do
    printf '%s\n' "$("$t" --version 2>&1 | head -1)"
done
[ -x /usr/bin/time ] && echo "GNU time: $(/usr/bin/time --version 2>&1 | head -1)"

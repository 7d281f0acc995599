# Shared by run.sh and growth.sh (sourced, after they define say, die, root
# and QUERIES): checks the tools, finds or builds medkb, reads the questions.
# Usage: require_tools TOOL...; then find_medkb; then read_queries.
# warm PATH... reads files once, so that a build does not pay for cold reads.

require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || die "$t is missing: run bench/setup.sh"
    done
    [ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is missing: run bench/setup.sh"
}

# Sets MEDKB: the binary given in $MEDKB, or a release build of this tree.
find_medkb() {
    if [ -z "${MEDKB:-}" ]; then
        say "building medkb: cargo build --release --locked"
        (cd -- "$root" && cargo build --release --locked >&2)
        MEDKB=$root/target/release/medkb
    fi
    MEDKB=$(realpath "$MEDKB")
    [ -x "$MEDKB" ] || die "no medkb binary at $MEDKB"
}

# Sets QS: the non-empty lines of $QUERIES.
read_queries() {
    mapfile -t QS < <(grep -v '^[[:space:]]*$' "$QUERIES")
    ((${#QS[@]})) || die "no queries in $QUERIES"
}

# Reads every file under each PATH once, into the page cache.
warm() {
    find "$@" -type f -print0 | xargs -0 cat >/dev/null
}

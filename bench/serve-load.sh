#!/usr/bin/env bash
# Load check of `medkb serve`: a release build serving the bundled corpus on
# 127.0.0.1 (a free port), hit by wrk with 2 threads and 50 connections for
# 10 s per page: the JSON API, the results page and a document page.
#
# Usage: bench/serve-load.sh [SECONDS]     (default 10; installs Debian's wrk if missing)
# Prints requests/s, p50/p99 latency and error counts per page, then the
# server's peak memory; exits non-zero if any request failed.
set -euo pipefail

seconds=${1:-10}
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf 'serve-load: %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    say "installing wrk"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --manifest-path "$root/Cargo.toml" >&2
medkb="$root/target/release/medkb"

work=$(mktemp -d "${TMPDIR:-/tmp}/medkb-serve-load.XXXXXX")
server=
cleanup() {
    if [[ -n $server ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf -- "$work"
}
trap cleanup EXIT

"$medkb" --corpus "$root/corpus" --index "$work/index" --color never \
    serve --port 0 >"$work/url" 2>"$work/log" &
server=$!
for _ in $(seq 100); do [[ -s $work/url ]] && break; sleep 0.1; done
url=$(head -n1 "$work/url")
[[ $url == http://127.0.0.1:* ]] || { say "the server did not start: $(cat "$work/log")"; exit 1; }
say "serving $url (pid $server); $(nproc) cores"

failed=0
printf '%-48s %10s %9s %9s %8s\n' "page" "requests/s" "p50" "p99" "errors"
for path in \
    "api/search?q=restless+legs" \
    "search?q=restless+legs" \
    "doc/restless-legs-syndrome?q=restless+legs"; do
    wrk -t2 -c50 -d"${seconds}s" --latency "$url$path" >"$work/wrk" 2>&1
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk")
    p50=$(awk '/^ +50%/ {print $2}' "$work/wrk")
    p99=$(awk '/^ +99%/ {print $2}' "$work/wrk")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk")
    socket=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk")
    errors=$(( ${non2xx:-0} + ${socket:-0} ))
    printf '%-48s %10s %9s %9s %8s\n' "/$path" "$rps" "$p50" "$p99" "$errors"
    if (( errors > 0 )) || [[ -z $rps ]]; then failed=1; cat "$work/wrk" >&2; fi
done

kill -0 "$server" || { say "the server died under load"; exit 1; }
say "server peak memory: $(awk '/VmHWM/ {print $2, $3}' "/proc/$server/status")"
exit "$failed"

#!/usr/bin/python3
"""Tables and helpers for bench/run.sh and bench/growth.sh (standard library only).

Subcommands:
  run CORPUS WORK TOOLS...     the results table of one corpus, with medkb's ratios
                               and the targets; reads WORK/TOOL/{build.time,size,
                               sanity,hyperfine.json} and WORK/incremental.env
  growth WORK SIZES...         the growth table; writes WORK/growth.dat for gnuplot;
                               reads WORK/SIZE/{info,build.time,size,hyperfine.json}
  split WORK QDIR TOOLS...     WORK/TOOL/hyperfine.json for each tool, its results query
                               by query, from QDIR/0.json, 1.json...: one hyperfine run
                               per query (the lines of QDIR/names), each tool a command
                               named after it
  candidates CORPUS N          N (id, word, path under docs/) lines: dictionary entries whose
                               title is one plain word, spread over CORPUS/corpus.jsonl,
                               to look for a word found in one document only
  hits JSON_FILE               "total TAB suggestion TAB id id ..." of a `medkb search
                               --json` answer
  replace SRC DST OLD NEW      write DST: SRC with every OLD (any case, whole word)
                               replaced by NEW
"""
import json
import os
import re
import statistics as st
import sys

MB = 1e6


def read(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def hf_stats(path):
    """(median of per-query medians, p95 of all runs, per-query medians) in ms."""
    results = json.load(open(path))["results"]
    medians = [r["median"] * 1000 for r in results]
    runs = sorted(t * 1000 for r in results for t in r["times"])
    p95 = st.quantiles(runs, n=100, method="inclusive")[94] if len(runs) > 1 else runs[0]
    return st.median(medians), p95, medians, [r["command"] for r in results]


def build_stats(d):
    t = read(f"{d}/build.time")
    if t is None:
        return None, None
    secs, rss_kb = t.split()[-2:]
    return float(secs), int(rss_kb) / 1024


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def verdict(ok):
    return "**PASS**" if ok else "**MISS**"


def cmd_run(corpus, work, tools):
    env = os.environ
    rows, per_q, queries = {}, {}, []
    for t in tools:
        d = f"{work}/{t}"
        secs, rss = build_stats(d)
        size = read(f"{d}/size")
        med, p95, meds, queries = hf_stats(f"{d}/hyperfine.json")
        nonempty, out_bytes = map(int, read(f"{d}/sanity").split())
        rows[t] = dict(build=secs, rss=rss, size=int(size) / MB if size else None,
                       med=med, p95=p95, nonempty=nonempty, out=out_bytes)
        per_q[t] = meds
    nq = len(queries)
    m = rows["medkb"]
    lines = []
    p = lines.append
    p(f"### {corpus} corpus: {env.get('CORPUS_DESC', '')}")
    p("")
    p(f"{env.get('WHEN', '')}; {env.get('MACHINE', '')}")
    p(f"versions: {env.get('VERSIONS', '')}")
    p(f"queries: {nq} from {env.get('QUERIES_NAME', 'queries.txt')}, each one fresh process "
      f"(hyperfine -N, warmup {env.get('WARMUP')}, runs {env.get('RUNS')}"
      + (f"; rg: warmup {env.get('RG_WARMUP')}, runs {env.get('RG_RUNS')}"
         if env.get("RG_RUNS") != env.get("RUNS") else "") + ")")
    p("")
    p("| tool | build s | peak MB | index MB | query median ms | query p95 ms "
      "| medkb/tool build | medkb/tool query | non-empty |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in tools:
        r = rows[t]
        rb = "-" if t == "medkb" else fmt(ratio(m["build"], r["build"]))
        rq = "-" if t == "medkb" else fmt(ratio(m["med"], r["med"]))
        p(f"| {t} | {fmt(r['build'])} | {fmt(r['rss'], '.0f')} | {fmt(r['size'])} "
          f"| {r['med']:.1f} | {r['p95']:.1f} | {rb} | {rq} | {r['nonempty']}/{nq} |")
    p("")

    # Targets (ratios measured in this run).
    targets = []
    def target(label, value, limit, unit="x"):
        if value is None:
            targets.append(f"- {label}: not measured")
            return
        shown = f"{value:.2f}×" if unit == "x" else f"{value:.0f} {unit}" if unit == "MB" else f"{value:.1f}{unit}"
        lim = f"{limit}×" if unit == "x" else f"{limit} {unit}" if unit == "MB" else f"{limit}{unit}"
        targets.append(f"- {label}: {shown} (target ≤ {lim}) {verdict(value <= limit)}")
    quest, fts = rows.get("xapian-quest"), rows.get("sqlite-fts5")
    if corpus == "small":
        target("query median, medkb / Xapian quest", quest and ratio(m["med"], quest["med"]), 0.9)
        target("query median, medkb / SQLite FTS5", fts and ratio(m["med"], fts["med"]), 0.75)
    else:
        target("full build time, medkb / SQLite FTS5", fts and ratio(m["build"], fts["build"]), 1.0)
        target("full build peak memory, medkb", m["rss"], 250, "MB")
        target("query median, medkb / SQLite FTS5", fts and ratio(m["med"], fts["med"]), 0.7)
        target("query median, medkb / Xapian quest", quest and ratio(m["med"], quest["med"]), 1.2)
        inc = read(f"{work}/incremental.env")
        if inc:
            kv = dict(l.split("=", 1) for l in inc.splitlines() if "=" in l)
            full, secs = float(kv["full_s"]), float(kv["incremental_s"])
            target(f"incremental `medkb index` after 1 add, 1 change, 1 delete "
                   f"({secs:.2f} s vs full {full:.2f} s{', ' + kv['mode'] if kv.get('mode') else ''})",
                   100 * secs / full if full else None, 5, "%")
            checks = (("added", "added document found by its new word"),
                      ("changed_new", "changed document found by its new word"),
                      ("changed_old", "changed document no longer found by its old word"),
                      ("deleted", "deleted document found by nothing (ghost check)"))

            def seen(prefix, said):
                for key, label in checks:
                    value = kv.get(prefix + key, "MISS not run")
                    ok, detail = value.startswith("PASS"), value.split(" ", 1)[-1].strip("()")
                    targets.append(f"- {said}{label}: {detail} {verdict(ok)}")

            seen("", "")
            if "named_s" in kv:
                named = float(kv["named_s"])
                target(f"incremental `medkb index PATH PATH PATH` naming the three files "
                       f"({named:.2f} s vs full {full:.2f} s)",
                       100 * named / full if full else None, 5, "%")
                seen("named_", "named: ")
    p("Targets:")
    p("")
    lines.extend(targets)
    p("")
    text = "\n".join(lines)
    print(text)

    # Per-query medians, for reading where time goes (not printed).
    with open(f"{work}/per-query.md", "w", encoding="utf-8") as f:
        f.write(f"Per-query median ms, {corpus} corpus (cold process, warm page cache)\n\n")
        f.write("| query | " + " | ".join(tools) + " |\n|---|" + "---:|" * len(tools) + "\n")
        for i, q in enumerate(queries):
            f.write(f"| {q} | " + " | ".join(f"{per_q[t][i]:.1f}" for t in tools) + " |\n")
        f.write("\nmean stdout KB per query: "
                + ", ".join(f"{t} {rows[t]['out'] / nq / 1024:.1f}" for t in tools) + "\n")


def cmd_growth(work, sizes):
    env = os.environ
    print(f"{env.get('WHEN', '')}; {env.get('MACHINE', '')}")
    print(f"medkb: {env.get('VERSIONS', '')}; {env.get('NQ', '15')} queries, each one fresh process "
          f"(hyperfine -N, warmup {env.get('WARMUP')}, runs {env.get('RUNS')})\n")
    print("| documents | text MB | build s | peak MB | index MB | query median ms | query p95 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with open(f"{work}/growth.dat", "w") as dat:
        dat.write("# docs build_s index_mb query_median_ms query_p95_ms peak_mb\n")
        for s in sizes:
            d = f"{work}/{s}"
            docs, text = read(f"{d}/info").split()
            secs, rss = build_stats(d)
            size = int(read(f"{d}/size")) / MB
            med, p95, _, _ = hf_stats(f"{d}/hyperfine.json")
            print(f"| {int(docs):,} | {int(text) / MB:.1f} | {secs:.2f} | {rss:.0f} | {size:.1f} "
                  f"| {med:.1f} | {p95:.1f} |")
            dat.write(f"{docs} {secs} {size} {med} {p95} {rss}\n")


def cmd_split(work, qdir, tools):
    names = read(f"{qdir}/names").split("\n")
    queries = [json.load(open(f"{qdir}/{i}.json"))["results"] for i in range(len(names))]
    for t in tools:
        results = []
        for name, found in zip(names, queries):
            (result,) = [r for r in found if r["command"] == t]
            results.append(dict(result, command=name))
        with open(f"{work}/{t}/hyperfine.json", "w", encoding="utf-8") as f:
            json.dump({"results": results}, f)


def cmd_candidates(corpus, n):
    picked, pos = [], []
    with open(f"{corpus}/corpus.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            if d["id"].startswith("gcide-") and re.fullmatch(r"[a-z]{9,14}", d["title"]):
                pos.append((i, d["id"], d["title"]))
    step = max(1, len(pos) // n)
    for i, doc_id, word in pos[::step][:n]:
        print(f"{doc_id}\t{word}\t{i // 1000:03d}/{doc_id}.txt")


def cmd_hits(path):
    d = json.load(open(path))
    print(f"{d.get('total', 0)}\t{d.get('suggestion', '')}\t" + " ".join(h["id"] for h in d.get("hits", [])))


def cmd_replace(src, dst, old, new):
    text = open(src, encoding="utf-8").read()
    text, n = re.subn(rf"\b{re.escape(old)}\b", new, text, flags=re.I)
    if n == 0:
        sys.exit(f"report.py replace: {old!r} not in {src}")
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "run" and len(args) >= 3:
        cmd_run(args[0], args[1], args[2:])
    elif cmd == "growth" and len(args) >= 2:
        cmd_growth(args[0], args[1:])
    elif cmd == "split" and len(args) >= 3:
        cmd_split(args[0], args[1], args[2:])
    elif cmd == "candidates" and len(args) == 2:
        cmd_candidates(args[0], int(args[1]))
    elif cmd == "hits" and len(args) == 1:
        cmd_hits(args[0])
    elif cmd == "replace" and len(args) == 4:
        cmd_replace(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
"""JSON and SQL-text plumbing for bench/fts5-baseline.sh.

This helper never ranks anything: it only reads JSON and writes SQL scripts
for the `sqlite3` command-line shell, then turns the shell's output back into
a run file. Every piece of text reaches SQL as a single-quoted literal with
quotes doubled, so document or question text cannot change the statements.

Subcommands:
  ids LIST.json                    print the document ids, one a line
  load-sql DOCS_DIR                SQL that creates and fills the FTS5 table
  query-sql QUESTIONS.json         SQL that ranks every question (top 10)
  collect QUESTIONS.json RAW OUT   turn sqlite3's output into the run file
"""

import json
import os
import re
import sys

MARKER = "@@fts5-baseline question "


def die(message):
    print(f"fts5_baseline.py: {message}", file=sys.stderr)
    sys.exit(1)


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def sql_literal(text):
    """A single-quoted SQL string literal (quotes doubled, NULs dropped)."""
    return "'" + str(text).replace("\x00", "").replace("'", "''") + "'"


def check_id(doc_id):
    if not isinstance(doc_id, str) or not doc_id or any(c in doc_id for c in "\r\n\x00"):
        die(f"unusable document id: {doc_id!r}")
    return doc_id


def questions(path):
    data = load_json(path)
    if not isinstance(data, list):
        die(f"{path}: expected a JSON array of questions")
    out = []
    for item in data:
        query = item.get("query") if isinstance(item, dict) else item
        if not isinstance(query, str):
            die(f"{path}: a question without a string 'query': {item!r}")
        out.append(query)
    return out


def words(text):
    """Lower-cased runs of letters or digits; everything else separates."""
    return [w for w in re.split(r"[\W_]+", text.lower()) if w]


def match_expression(question):
    """The question as a plain BM25 engine would take it, in FTS5 syntax.

    Balanced "..." stay phrases; every other word is its own quoted string;
    all of them are ORed. Returns "" when the question has no words.
    """
    terms = []
    rest = []
    last = 0
    for found in re.finditer(r'"([^"]*)"', question):
        rest.append(question[last:found.start()])
        last = found.end()
        phrase = words(found.group(1))
        if phrase:
            terms.append('"' + " ".join(phrase) + '"')
    rest.append(question[last:])
    for word in words(" ".join(rest)):
        terms.append('"' + word + '"')
    return " OR ".join(terms)


def cmd_ids(list_path):
    data = load_json(list_path)
    if not isinstance(data, list):
        die(f"{list_path}: expected a JSON array from 'medkb list --json'")
    for entry in data:
        print(check_id(entry.get("id")))


def cmd_load_sql(docs_dir):
    names = sorted(
        (n for n in os.listdir(docs_dir) if n.endswith(".json")),
        key=lambda n: int(n.split(".")[0]),
    )
    out = sys.stdout
    out.write("BEGIN;\n")
    out.write(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, aliases, body, "
        "tokenize='porter unicode61 remove_diacritics 2');\n"
    )
    for name in names:
        doc = load_json(os.path.join(docs_dir, name))
        aliases = doc.get("aliases") or []
        values = [
            check_id(doc.get("id")),
            doc.get("title") or "",
            ", ".join(str(a) for a in aliases),
            doc.get("body") or "",
        ]
        out.write(
            "INSERT INTO docs(id, title, aliases, body) VALUES ("
            + ", ".join(sql_literal(v) for v in values)
            + ");\n"
        )
    out.write("COMMIT;\n")


def cmd_query_sql(questions_path):
    out = sys.stdout
    out.write(".bail on\n.headers off\n.mode json\n")
    for number, question in enumerate(questions(questions_path)):
        out.write(f".print {MARKER}{number}\n")
        expression = match_expression(question)
        if not expression:
            continue  # no words: an empty ranking
        out.write(
            "SELECT id FROM docs WHERE docs MATCH "
            + sql_literal(expression)
            + " ORDER BY bm25(docs) LIMIT 10;\n"
        )


def cmd_collect(questions_path, raw_path, out_path):
    asked = questions(questions_path)
    with open(raw_path, encoding="utf-8") as handle:
        raw = handle.read()
    ranked = {}
    current = None
    chunk = []

    def flush():
        if current is None:
            if "".join(chunk).strip():
                die("sqlite3 printed rows before the first question")
            return
        text = "".join(chunk).strip()
        rows = json.loads(text) if text else []
        ranked[current] = [check_id(row["id"]) for row in rows]

    for line in raw.splitlines(keepends=True):
        if line.startswith(MARKER):
            flush()
            current = int(line[len(MARKER):])
            chunk = []
        else:
            chunk.append(line)
    flush()

    if sorted(ranked) != list(range(len(asked))):
        die(f"expected {len(asked)} rankings from sqlite3, got {len(ranked)}")
    run = {}
    for number, question in enumerate(asked):
        run[question] = ranked[number]
    parent = os.path.dirname(out_path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(run, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    empty = sum(1 for ids in run.values() if not ids)
    print(f"{len(asked)} questions ranked ({len(run)} distinct, {empty} with no match)",
          file=sys.stderr)


def main(argv):
    commands = {
        "ids": (cmd_ids, 1),
        "load-sql": (cmd_load_sql, 1),
        "query-sql": (cmd_query_sql, 1),
        "collect": (cmd_collect, 3),
    }
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        die("usage: fts5_baseline.py ids|load-sql|query-sql|collect ARGS (see the docstring)")
    function, _ = commands[argv[1]]
    function(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)

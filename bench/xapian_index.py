#!/usr/bin/python3
"""Usage: xapian_index.py CORPUS.jsonl DB_DIR

The Xapian peer's indexer for bench/run.sh: one Xapian document per line of
CORPUS.jsonl ({"id","title","body"}), terms from xapian.TermGenerator with
the English stemmer and positions (title, then body), the document's data
"id TAB title NEWLINE body" (what `quest` prints for a hit), and a boolean
"Q<id>" term. Default settings, one commit at the end, no compaction.
Runs on Debian's python3 with python3-xapian (bench/setup.sh)."""
import json
import sys

import xapian

if len(sys.argv) != 3:
    sys.exit(__doc__)
db = xapian.WritableDatabase(sys.argv[2], xapian.DB_CREATE_OR_OVERWRITE)
tg = xapian.TermGenerator()
tg.set_stemmer(xapian.Stem("english"))
with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        d = json.loads(line)
        doc = xapian.Document()
        tg.set_document(doc)
        tg.index_text(d["title"])
        tg.increase_termpos()
        tg.index_text(d["body"])
        doc.set_data(f'{d["id"]}\t{d["title"]}\n{d["body"]}')
        doc.add_boolean_term("Q" + d["id"])
        db.add_document(doc)
db.commit()

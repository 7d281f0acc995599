//! The tantivy index: its schema, writing documents into a fresh index, and
//! opening one to search. Where indexes live on disk and how a new one
//! replaces the old is [`crate::store`]'s concern.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Collector, TopDocs};
use tantivy::directory::error::OpenReadError;
use tantivy::directory::Directory;
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::store::Compressor;
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexSettings, IndexWriter, Order, ReloadPolicy, Score,
    Searcher, TantivyDocument, Term, TERMINATED,
};

use crate::analysis;
use crate::doc::{Citation, Doc, Kind};
use crate::error::{Error, Result};
use crate::lexicon::{self, Lexicon, Recorder};
use crate::manifest::Manifest;
use crate::published::Published;

/// Collects the `limit` best documents by score, as ((score, tie), address),
/// equal scores by [`tie_key`]. tantivy alone breaks ties by address, which
/// depends on the segment a build's thread put each document in: a rebuild
/// would change which of them make the cut.
pub fn best_by_score(
    limit: usize,
) -> impl Collector<Fruit = Vec<((Score, Option<u64>), DocAddress)>> {
    TopDocs::with_limit(limit).order_by((
        SortBySimilarityScore,
        (SortByStaticFastValue::<u64>::for_field(TIE), Order::Asc),
    ))
}

/// The fast field that orders documents of equal score.
const TIE: &str = "tie";

/// A number fixed by a document's id alone, to order documents of equal
/// score the same way in every build: two CRC-32s of the id, a standard
/// whose values never change. Not the id itself: tantivy reads a text fast
/// field through its compressed dictionary, which made a question on
/// 139,350 documents 3.7 times as costly.
fn tie_key(id: &str) -> u64 {
    let mut second = crc32fast::Hasher::new_with_initial(0x6d65_646b);
    second.update(id.as_bytes());
    u64::from(crc32fast::hash(id.as_bytes())) << 32 | u64::from(second.finalize())
}

/// The fields of the schema, looked up once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub kind: Field,
    pub title: Field,
    pub aliases: Field,
    pub body: Field,
    pub tags: Field,
    pub drugs: Field,
    pub sources: Field,
    pub source: Field,
    pub path: Field,
    /// Each [`Citation`], encoded.
    pub citations: Field,
    /// [`tie_key`] of the id.
    pub tie: Field,
}

impl Fields {
    /// The schema every medkb index is built with.
    pub fn schema() -> Schema {
        let text = TextOptions::default().set_stored().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analysis::ENGLISH)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut builder = Schema::builder();
        builder.add_text_field("id", STRING | STORED);
        builder.add_text_field("kind", STRING | STORED);
        builder.add_text_field("title", text.clone());
        builder.add_text_field("aliases", text.clone());
        builder.add_text_field("body", text);
        builder.add_text_field("tags", STRING | STORED);
        builder.add_text_field("drugs", STRING | STORED);
        builder.add_text_field("sources", STRING | STORED);
        builder.add_text_field("source", STORED);
        builder.add_text_field("path", STORED);
        builder.add_text_field("citations", STORED);
        builder.add_u64_field(TIE, FAST);
        builder.build()
    }

    /// Looks the fields up in a schema; `None` if it is not medkb's schema.
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let field = |name| schema.get_field(name).ok();
        Some(Fields {
            id: field("id")?,
            kind: field("kind")?,
            title: field("title")?,
            aliases: field("aliases")?,
            body: field("body")?,
            tags: field("tags")?,
            drugs: field("drugs")?,
            sources: field("sources")?,
            source: field("source")?,
            path: field("path")?,
            citations: field("citations")?,
            tie: field(TIE)?,
        })
    }

    fn to_document(self, doc: &Doc) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_text(self.id, &doc.id);
        out.add_u64(self.tie, tie_key(&doc.id));
        out.add_text(self.kind, doc.kind.as_str());
        out.add_text(self.title, &doc.title);
        for alias in &doc.aliases {
            out.add_text(self.aliases, alias);
        }
        out.add_text(self.body, &doc.body);
        for tag in &doc.tags {
            out.add_text(self.tags, tag);
        }
        for drug in &doc.drugs {
            out.add_text(self.drugs, drug);
        }
        for source in &doc.sources {
            out.add_text(self.sources, source);
        }
        if let Some(source) = &doc.source {
            out.add_text(self.source, source);
        }
        out.add_text(self.path, &doc.path);
        for citation in &doc.citations {
            out.add_text(self.citations, citation.encode());
        }
        out
    }

    fn read_document(self, stored: StoredTexts) -> Doc {
        let mut doc = Doc {
            id: String::new(),
            kind: Kind::Article,
            title: String::new(),
            aliases: Vec::new(),
            tags: Vec::new(),
            drugs: Vec::new(),
            sources: Vec::new(),
            source: None,
            path: String::new(),
            body: String::new(),
            citations: Vec::new(),
        };
        let mut kind = None;
        // A field stored once keeps its first text that is not empty.
        let first = |slot: &mut String, text: String| {
            if slot.is_empty() {
                *slot = text;
            }
        };
        for (field, text) in stored.0 {
            match field {
                _ if field == self.id => first(&mut doc.id, text),
                _ if field == self.kind => {
                    kind.get_or_insert(text);
                }
                _ if field == self.title => first(&mut doc.title, text),
                _ if field == self.aliases => doc.aliases.push(text),
                _ if field == self.tags => doc.tags.push(text),
                _ if field == self.drugs => doc.drugs.push(text),
                _ if field == self.sources => doc.sources.push(text),
                _ if field == self.source => {
                    doc.source.get_or_insert(text);
                }
                _ if field == self.path => first(&mut doc.path, text),
                _ if field == self.body => first(&mut doc.body, text),
                _ if field == self.citations => doc.citations.extend(Citation::decode(&text)),
                _ => {}
            }
        }
        doc.kind = kind
            .and_then(|kind| kind.parse().ok())
            .unwrap_or(Kind::Article);
        doc.source = doc.source.filter(|source| !source.is_empty());
        doc
    }
}

/// A stored document read straight into its fields' texts (every stored
/// field is text), skipping tantivy's general document tree: reading the
/// candidates of a question is a fifth of its work.
struct StoredTexts(Vec<(Field, String)>);

impl DocumentDeserialize for StoredTexts {
    fn deserialize<'de, D>(mut deserializer: D) -> std::result::Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut texts = Vec::with_capacity(deserializer.size_hint());
        while let Some(pair) = deserializer.next_field::<String>()? {
            texts.push(pair);
        }
        Ok(StoredTexts(texts))
    }
}

/// Memory for each indexing thread of a full build; tantivy's floor is 15 MB.
/// With 48 MB, the 139,350-document benchmark corpus is built on two threads
/// into two segments, peaking at 235-238 MB in all; with 32 MB, into four, at
/// about 222 MB, 5-10% slower, and every search opens twice the segments.
const FULL_BUILD_HEAP_PER_THREAD: usize = 48 * 1024 * 1024;

/// Corpora this large are indexed on every core.
const PARALLEL_BUILD_MIN_DOCUMENTS: usize = 5_000;

/// Stored documents are kept in blocks of this size. A search reads the
/// documents it shows and re-ranks, each from its own block, so smaller
/// blocks than tantivy's 16 KiB mean less to read per question.
const STORE_BLOCK_BYTES: usize = 4 * 1024;

/// Stored documents are not compressed. A search reads 20 of them in a
/// fresh process, and decompressing their blocks cost more than reading
/// them: "restless legs" on the 139,350-document benchmark corpus takes 8%
/// fewer instructions and 13 fewer page faults (2.45 ms against 2.75 ms by
/// `perf stat`), and the bundled corpus 6% fewer, for an index of 92 MB
/// instead of 68 (SQLite FTS5's is 93 MB). A build is no slower, and with
/// nothing to compress the blocks are written by the indexing threads
/// themselves: handing them to tantivy's compressing thread cost a build of
/// that corpus half a second of system time in thread switches.
const STORE_COMPRESSION: Compressor = Compressor::None;

/// Updates of indexes up to this many documents leave a single segment
/// ([`Writer::finish_compacted`]).
const COMPACT_MAX_DOCUMENTS: usize = 5_000;

/// Memory for the one thread of an update, which adds a few documents.
const UPDATE_HEAP: usize = 20 * 1024 * 1024;

/// Files of a generation that belong to medkb or to a running writer, not to
/// the index: an update writes its own.
const NOT_COPIED: [&str; 6] = [
    crate::manifest::FILE_NAME,
    crate::lexicon::UPDATES_FILE_NAME,
    crate::manifest::FILES_FILE_NAME,
    crate::synonyms::COMPILED_FILE_NAME,
    ".tantivy-writer.lock",
    ".tantivy-meta.lock",
];

/// tantivy rewrites these (by writing a new file and renaming it), so they
/// are copied rather than shared, to be safe.
const COPIED_NOT_LINKED: [&str; 2] = ["meta.json", ".managed.json"];

/// Writes documents into an index generation being built.
pub struct Writer {
    dir: PathBuf,
    index: Index,
    fields: Fields,
    writer: IndexWriter<TantivyDocument>,
    /// The words of the documents added, for the lexicon.
    words: Recorder,
    /// The lexicon of the generation an update copies, which it adds to.
    previous: Option<Lexicon>,
}

impl Writer {
    /// A writer for a new, empty index of about `documents` documents in the
    /// empty folder `dir`. A large one is indexed on every core; a small one
    /// on one, which keeps it in one segment with the documents in corpus
    /// order, so that equal scores rank the same way after every build.
    pub fn create(dir: &Path, documents: usize) -> Result<Writer> {
        let fail = |err| Error::tantivy(dir, err);
        let settings = IndexSettings {
            docstore_blocksize: STORE_BLOCK_BYTES,
            docstore_compression: STORE_COMPRESSION,
            docstore_compress_dedicated_thread: false,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(Fields::schema())
            .settings(settings)
            .create_in_dir(dir)
            .map_err(fail)?;
        let words = Recorder::default();
        analysis::register_recording(&index, &words);
        let threads = if documents < PARALLEL_BUILD_MIN_DOCUMENTS {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
        };
        let writer = index
            .writer_with_num_threads(threads, threads * FULL_BUILD_HEAP_PER_THREAD)
            .map_err(fail)?;
        Ok(Writer::new(dir, &index, writer, words, None))
    }

    /// A writer for a copy of the index generation `from`, in the empty
    /// folder `dir`. Segment files never change once written, so the copy
    /// shares them with `from` by hard links and costs almost nothing;
    /// where links are not possible, the files are copied.
    pub fn update_copy(from: &Path, dir: &Path, lexicon: Lexicon) -> Result<Writer> {
        let entries = fs::read_dir(from).map_err(|err| Error::read(from, err))?;
        for entry in entries {
            let entry = entry.map_err(|err| Error::read(from, err))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if NOT_COPIED.contains(&name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let (source, target) = (entry.path(), dir.join(name));
            let linked =
                !COPIED_NOT_LINKED.contains(&name) && fs::hard_link(&source, &target).is_ok();
            if !linked {
                fs::copy(&source, &target).map_err(|err| Error::write(&target, err))?;
            }
        }
        let fail = |err| Error::tantivy(dir, err);
        let index = Index::open_in_dir(dir).map_err(fail)?;
        let words = Recorder::default();
        analysis::register_recording(&index, &words);
        if Fields::from_schema(&index.schema()).is_none() {
            return Err(Error::IndexDamaged {
                path: from.to_path_buf(),
                reason: "its schema is not medkb's".into(),
            });
        }
        let writer = index
            .writer_with_num_threads(1, UPDATE_HEAP)
            .map_err(fail)?;
        Ok(Writer::new(dir, &index, writer, words, Some(lexicon)))
    }

    /// `index` must have its analyzer registered as recording into `words`
    /// before `writer` is made: each indexing thread takes its copy then.
    fn new(
        dir: &Path,
        index: &Index,
        writer: IndexWriter<TantivyDocument>,
        words: Recorder,
        previous: Option<Lexicon>,
    ) -> Writer {
        let fields = Fields::from_schema(&index.schema()).expect("checked: medkb's schema");
        Writer {
            dir: dir.to_path_buf(),
            index: index.clone(),
            fields,
            writer,
            words,
            previous,
        }
    }

    pub fn add(&mut self, doc: &Doc) -> Result<()> {
        self.writer
            .add_document(self.fields.to_document(doc))
            .map(drop)
            .map_err(|err| Error::tantivy(&self.dir, err))
    }

    /// Removes the document with this id.
    pub fn remove(&mut self, id: &str) {
        let term = tantivy::Term::from_field_text(self.fields.id, id);
        self.writer.delete_term(term);
    }

    /// Commits, saves the lexicon, and waits until merges are done, so that
    /// the folder is complete when this returns. Returns the tokens in each
    /// text field.
    pub fn finish(self) -> Result<BTreeMap<String, u64>> {
        self.finish_with(false)
    }

    /// [`finish`](Self::finish), then merges every segment into one when the
    /// index is small: removed documents count in a segment's word
    /// statistics until it is merged, and on a small index the merge costs
    /// milliseconds. With [`token_totals`], an updated small index ranks
    /// exactly as the same corpus built afresh. In a large index, the small
    /// segments that updates leave are merged into one, so that however many
    /// updates it has seen, a search opens the segments of the full build
    /// and one more.
    pub fn finish_compacted(self) -> Result<BTreeMap<String, u64>> {
        self.finish_with(true)
    }

    fn finish_with(mut self, compact: bool) -> Result<BTreeMap<String, u64>> {
        let dir = self.dir.clone();
        let fail = |err| Error::tantivy(&dir, err);
        self.writer.commit().map_err(fail)?;
        let segments = self.index.searchable_segment_metas().map_err(fail)?;
        let documents: usize = segments.iter().map(|meta| meta.max_doc() as usize).sum();
        let small: Vec<_> = if documents <= COMPACT_MAX_DOCUMENTS {
            segments.iter().map(|meta| meta.id()).collect()
        } else {
            segments
                .iter()
                .filter(|meta| meta.max_doc() as usize <= COMPACT_MAX_DOCUMENTS)
                .map(|meta| meta.id())
                .collect()
        };
        if compact && small.len() > 1 {
            self.writer.merge(&small).wait().map_err(fail)?;
        }
        lexicon::save(&dir, self.words.take(), self.previous.as_ref())?;
        self.writer.wait_merging_threads().map_err(fail)?;
        token_totals(&self.index, &self.fields).map_err(fail)
    }
}

/// The tokens in each text field of the live documents of `index`, summed
/// from their field lengths. tantivy counts tokens exactly as it indexes but
/// estimates them from these lengths once documents are removed, so BM25's
/// average length would differ between an updated index and a fresh one;
/// reading it the same way for both keeps their rankings equal.
fn token_totals(index: &Index, fields: &Fields) -> tantivy::Result<BTreeMap<String, u64>> {
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let schema = index.schema();
    let mut totals = BTreeMap::new();
    for field in [fields.title, fields.aliases, fields.body] {
        let mut total = 0;
        for segment in searcher.segment_readers() {
            if let Some(lengths) = segment.fieldnorms_readers().get_field(field)? {
                total += segment
                    .doc_ids_alive()
                    .map(|doc| u64::from(lengths.fieldnorm(doc)))
                    .sum::<u64>();
            }
        }
        totals.insert(schema.get_field_name(field).to_string(), total);
    }
    Ok(totals)
}

/// An index opened for searching, with what it was built from.
pub struct Opened {
    pub dir: PathBuf,
    /// The generation's files, medkb's own as well as the index's.
    files: Published,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub manifest: Manifest,
}

impl Opened {
    /// The text fields worth searching: title, aliases and body, less any
    /// that no document uses. On first use of a field missing from the
    /// index, tantivy builds an empty term dictionary, which costs more than
    /// the rest of a search's lookups (the large benchmark corpus has no
    /// aliases).
    pub fn searched_fields(&self) -> Vec<Field> {
        [self.fields.title, self.fields.aliases, self.fields.body]
            .into_iter()
            .filter(|&field| self.token_total(field) != Some(0))
            .collect()
    }

    /// The tokens in a text field as the manifest records them, which BM25
    /// must use in place of tantivy's own count (see [`Writer::finish`]).
    pub fn token_total(&self, field: Field) -> Option<u64> {
        let name = self.index.schema().get_field_name(field).to_string();
        self.manifest.token_totals.get(&name).copied()
    }

    /// Opens the index in `dir` (a complete generation folder).
    pub fn open(dir: &Path) -> Result<Opened> {
        let damaged = |reason: String| Error::IndexDamaged {
            path: dir.to_path_buf(),
            reason,
        };
        let manifest = Manifest::load(dir)?;
        let files = Published::open(dir).map_err(|err| damaged(err.to_string()))?;
        let index = Index::open(files.clone()).map_err(|err| damaged(err.to_string()))?;
        let fields = Fields::from_schema(&index.schema())
            .ok_or_else(|| damaged("its schema is not medkb's".into()))?;
        analysis::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            // Stored documents are not compressed, so a block read again is
            // a copy from the mapped file; a cache of blocks only held them
            // on the heap, a page fault for each of its pages in a fresh
            // process (17 of a bundled search's 192).
            .doc_store_cache_num_blocks(0)
            .try_into()
            .map_err(|err: tantivy::TantivyError| damaged(err.to_string()))?;
        Ok(Opened {
            dir: dir.to_path_buf(),
            files,
            index,
            reader,
            fields,
            manifest,
        })
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Whether a document not since removed has `term`. tantivy's document
    /// frequencies count removed documents until their segment is merged.
    pub fn has_live(searcher: &Searcher, term: &Term) -> bool {
        searcher.segment_readers().iter().any(|segment| {
            let Ok(inverted) = segment.inverted_index(term.field()) else {
                return false;
            };
            let Some(alive) = segment.alive_bitset() else {
                return inverted.doc_freq(term).is_ok_and(|n| n > 0);
            };
            let Ok(Some(mut postings)) = inverted.read_postings(term, IndexRecordOption::Basic)
            else {
                return false;
            };
            while postings.doc() != TERMINATED {
                if alive.is_alive(postings.doc()) {
                    return true;
                }
                postings.advance();
            }
            false
        })
    }

    /// Opens the lexicon of the index's words, for spelling.
    pub fn lexicon(&self) -> Result<Lexicon> {
        let damaged = |reason: String| Error::IndexDamaged {
            path: self.dir.clone(),
            reason,
        };
        let file = |name: &str| match self.files.open_read(Path::new(name)) {
            Ok(file) => Ok(Some(file)),
            Err(OpenReadError::FileDoesNotExist(_)) => Ok(None),
            Err(err) => Err(std::io::Error::other(err.to_string())),
        };
        Lexicon::open(file).map_err(|err| damaged(err.to_string()))
    }

    /// Reads a stored document.
    pub fn doc(&self, searcher: &Searcher, address: DocAddress) -> Result<Doc> {
        let stored: StoredTexts = searcher
            .doc(address)
            .map_err(|err| Error::tantivy(&self.dir, err))?;
        Ok(self.fields.read_document(stored))
    }

    /// Every document, in the index's order.
    pub fn all_docs(&self) -> Result<Vec<Doc>> {
        let searcher = self.searcher();
        let mut docs = Vec::new();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            for doc_id in segment.doc_ids_alive() {
                docs.push(self.doc(&searcher, DocAddress::new(ordinal as u32, doc_id))?);
            }
        }
        Ok(docs)
    }

    /// The title and aliases of each drug note (tagged `drug`): a brand
    /// name is a synonym of its drug.
    pub fn drug_names(&self) -> Vec<Vec<String>> {
        self.manifest.drug_names.values().cloned().collect()
    }

    /// The document with this id, if there is one.
    pub fn find(&self, id: &str) -> Result<Option<Doc>> {
        let searcher = self.searcher();
        let term = tantivy::Term::from_field_text(self.fields.id, id);
        let query = tantivy::query::TermQuery::new(term, IndexRecordOption::Basic);
        let top = searcher
            .search(
                &query,
                &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
            )
            .map_err(|err| Error::tantivy(&self.dir, err))?;
        match top.first() {
            Some(&(_, address)) => self.doc(&searcher, address).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tie_key;

    /// Indexes keep the keys they were built with: a change of function
    /// must come with a new schema version.
    #[test]
    fn tie_keys_are_fixed_and_tell_ids_apart() {
        assert_eq!(tie_key("clonazepam"), 0xd669_2ce9_8c8b_803c);
        assert_ne!(tie_key("twin-01"), tie_key("twin-10"));
    }
}

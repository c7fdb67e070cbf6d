//! Interrupted edits: a rollback journal is applied only when it provably
//! belongs to the file beside it.
//!
//! SQLite rolls back any journal named `<file>-journal` that it finds hot,
//! whatever file wrote it. A journal copied or synced from another copy of
//! the project (or of another project) would write that file's pages into
//! this one — and the result may still pass every integrity check.
//!
//! The proof: every write transaction on a project starts by advancing a
//! *journal guard*, a fixed-length row in `meta`:
//! `bstp-jg1:<cur>:<next>` becomes `bstp-jg1:<next>:<new random>`. The
//! guard's page is therefore the first page any transaction journals, and
//! its journaled image carries `(cur, next)` as they were before the
//! transaction. When a hot journal is found, the file's own guard page must
//! show either the same `(cur, next)` (the transaction never reached that
//! page of the file) or `cur` equal to the journal's `next` (it did). Two
//! copies of a project draw different random values with every edit, so
//! one's journal never matches the other.
//!
//! A journal whose playback would change nothing (every page it holds is
//! already in the file and the file has the size it records) is harmless
//! and left to SQLite. Anything else without the proof is refused before
//! SQLite sees it, and both files stay byte-identical.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// The key of the guard row in `meta`.
pub(crate) const GUARD_KEY: &str = "journal_guard";
/// The guard value's tag; the value is the tag, 32 hex digits, `:`, 32 hex digits.
const GUARD_TAG: &[u8] = b"bstp-jg1:";
const GUARD_LEN: usize = 9 + 32 + 1 + 32;

const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/// Advances the journal guard; must be the first write of every write
/// transaction on a project (see the module docs). Public for the tests
/// that build interrupted transactions by hand.
#[doc(hidden)]
pub fn advance(tx: &Connection) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, 'bstp-jg1:' || lower(hex(randomblob(16))) || ':' || lower(hex(randomblob(16)))) \
         ON CONFLICT (key) DO UPDATE SET value = 'bstp-jg1:' || substr(value, 43, 32) || ':' || lower(hex(randomblob(16)))",
        [GUARD_KEY],
    )
    .map(drop)
}

/// Begins a write transaction (`BEGIN IMMEDIATE`) with the guard advanced.
pub(crate) fn begin(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    advance(&tx)?;
    Ok(tx)
}

/// What a journal beside a project is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// There is no (non-empty) journal.
    None,
    /// Playing it back would change nothing in the file.
    Harmless,
    /// It is this file's own interrupted edit.
    Own,
    /// It cannot be shown to belong to this file; the reason in words.
    Foreign(String),
}

/// Examines the journal beside `db`. Reads both files; never writes.
pub(crate) fn examine(db: &Path) -> std::io::Result<Verdict> {
    let journal = crate::open::journal_path(db);
    let meta = match std::fs::symlink_metadata(&journal) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Verdict::None),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Ok(Verdict::Foreign("it is not a regular file".into()));
    }
    if meta.len() == 0 {
        return Ok(Verdict::None);
    }
    let mut j = File::open(&journal)?;
    let mut first = [0u8; 1];
    j.read_exact(&mut first)?;
    if first[0] == 0 {
        // Never synced; SQLite does not take it for hot (see `open::has_journal`).
        return Ok(Verdict::None);
    }
    let mut f = File::open(db)?;
    let db_len = f.metadata()?.len();
    let mut head = [0u8; 100];
    f.read_exact(&mut head)?;
    let page_size = match u16::from_be_bytes([head[16], head[17]]) {
        1 => 65_536,
        n => u32::from(n),
    };
    let db_pages = db_len / u64::from(page_size);
    let mut read_page = |pgno: u32| -> std::io::Result<Option<Vec<u8>>> {
        if pgno == 0 || u64::from(pgno) > db_pages {
            return Ok(None);
        }
        let mut page = vec![0u8; page_size as usize];
        f.seek(SeekFrom::Start(u64::from(pgno - 1) * u64::from(page_size)))?;
        f.read_exact(&mut page)?;
        Ok(Some(page))
    };
    let mut records = 0u64;
    let mut noop = true;
    let mut guards: Vec<(u32, Vec<u8>, Vec<u8>)> = Vec::new();
    let Some(header) = read_records(&mut j, meta.len(), |pgno, image| {
        records += 1;
        if noop {
            noop = read_page(pgno)?.is_some_and(|p| p == image);
        }
        if let Some((cur, next)) = guard_in(image) {
            guards.push((pgno, cur.to_vec(), next.to_vec()));
        }
        Ok(guards.len() <= 1)
    })?
    else {
        // No valid header: SQLite plays nothing back and deletes it.
        return Ok(Verdict::Harmless);
    };
    if records == 0 {
        return Ok(Verdict::Harmless);
    }
    if header.page_size != page_size {
        return Ok(Verdict::Foreign(format!("it was written for pages of {} bytes; the project uses {page_size}", header.page_size)));
    }
    if noop && u64::from(header.orig_pages) == db_pages {
        return Ok(Verdict::Harmless);
    }
    let [(pgno, cur_j, next_j)] = guards.as_slice() else {
        return Ok(Verdict::Foreign(if guards.is_empty() {
            "it carries no edit mark of a Backstop project (it was written by another program, or by an older Backstop)".into()
        } else {
            "it carries more than one edit mark".into()
        }));
    };
    let Some(page) = read_page(*pgno)? else {
        return Ok(Verdict::Foreign("the project is shorter than the journal expects".into()));
    };
    let Some((cur_d, next_d)) = guard_in(&page) else {
        return Ok(Verdict::Foreign("the project has no edit mark where the journal expects one".into()));
    };
    if (cur_d == cur_j.as_slice() && next_d == next_j.as_slice()) || cur_d == next_j.as_slice() {
        Ok(Verdict::Own)
    } else {
        Ok(Verdict::Foreign("it was written by another copy of the project (its edit mark differs)".into()))
    }
}

/// The guard `(cur, next)` on a page, when it appears exactly once.
fn guard_in(page: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut found = None;
    let mut at = 0;
    while let Some(i) = find(&page[at..], GUARD_TAG) {
        let start = at + i;
        at = start + 1;
        let Some(value) = page.get(start..start + GUARD_LEN) else { continue };
        let (cur, rest) = value[GUARD_TAG.len()..].split_at(32);
        let next = &rest[1..];
        if rest[0] != b':' || !cur.iter().chain(next).all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some((cur, next));
    }
    found
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The first header of a journal.
struct Header {
    /// Size of the file before the transaction, in pages (SQLite truncates to it).
    orig_pages: u32,
    /// Page size the journal was written for.
    page_size: u32,
}

/// Calls `visit` with each page image SQLite could write back from the
/// journal, in order, until `visit` returns `false`; `None` when the journal
/// has no valid first header. Follows SQLite's reading: headers at sector
/// boundaries, records checked by their checksum, playback ending at the
/// first invalid record. Visits every valid record, also where SQLite would
/// stop earlier (a record count of 0 in a header that was never updated):
/// a superset is the safe side. Holds one page in memory at a time.
fn read_records(j: &mut File, len: u64, mut visit: impl FnMut(u32, &[u8]) -> std::io::Result<bool>) -> std::io::Result<Option<Header>> {
    let mut hdr = [0u8; 28];
    j.seek(SeekFrom::Start(0))?;
    if len < 28 || j.read_exact(&mut hdr).is_err() || hdr[..8] != JOURNAL_MAGIC {
        return Ok(None);
    }
    let header = Header { orig_pages: be32(&hdr, 16), page_size: be32(&hdr, 24) };
    let sector = be32(&hdr, 20);
    let valid_size = |n: u32, lo: u32| (lo..=65_536).contains(&n) && n.is_power_of_two();
    if !valid_size(sector, 32) || !valid_size(header.page_size, 512) {
        return Ok(None);
    }
    let page_size = header.page_size as usize;
    let rec_len = page_size as u64 + 8;
    let mut buf = vec![0u8; page_size + 8];
    let mut off = 0u64;
    loop {
        // A segment header at `off`.
        j.seek(SeekFrom::Start(off))?;
        let mut h = [0u8; 28];
        if off + 28 > len || j.read_exact(&mut h).is_err() || h[..8] != JOURNAL_MAGIC {
            break;
        }
        let n_rec = be32(&h, 8);
        let nonce = be32(&h, 12);
        let mut pos = off + u64::from(sector);
        let count = if n_rec == 0 || n_rec == u32::MAX { len.saturating_sub(pos) / rec_len } else { u64::from(n_rec) };
        j.seek(SeekFrom::Start(pos))?;
        for _ in 0..count {
            if pos + rec_len > len {
                return Ok(Some(header));
            }
            j.read_exact(&mut buf)?;
            let pgno = be32(&buf, 0);
            let image = &buf[4..4 + page_size];
            let stored = be32(&buf, 4 + page_size);
            let mut sum = nonce;
            let mut i = page_size as i64 - 200;
            while i > 0 {
                sum = sum.wrapping_add(u32::from(image[i as usize]));
                i -= 200;
            }
            if pgno == 0 || sum != stored {
                return Ok(Some(header));
            }
            if !visit(pgno, image)? {
                return Ok(Some(header));
            }
            pos += rec_len;
        }
        // The next header starts at the next sector boundary.
        let next = pos.div_ceil(u64::from(sector)) * u64::from(sector);
        if next <= off || next >= len {
            break;
        }
        off = next;
    }
    Ok(Some(header))
}

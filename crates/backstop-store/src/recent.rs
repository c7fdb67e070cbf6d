//! The recent-projects list: a small JSON file at a path the app chooses
//! (usually in its config folder). The store only reads and writes it; which
//! path and when to update it are the app's business.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Entries kept in the list.
pub const RECENT_LIMIT: usize = 12;

/// One recently used project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEntry {
    /// The project file.
    pub path: PathBuf,
    /// Project name at the time it was last opened.
    pub name: String,
    /// When it was last opened, ms since the Unix epoch.
    pub opened_at_ms: i64,
}

/// Recently used projects, most recent first, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentList {
    /// The entries, most recent first.
    pub entries: Vec<RecentEntry>,
}

impl RecentList {
    /// Loads the list from `path`. A missing file is an empty list; an
    /// unreadable one is reported (the caller may start empty).
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RecentList::default()),
            Err(e) => return Err(StoreError::io("read", path, e)),
        };
        let mut list: RecentList = serde_json::from_str(&text)
            .map_err(|source| StoreError::Json { context: format!("the recent-projects list {} is damaged", path.display()), source })?;
        list.entries.truncate(RECENT_LIMIT);
        Ok(list)
    }

    /// Saves the list to `path` atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create the folder of", path, e))?;
        }
        let text = serde_json::to_string_pretty(self)
            .map_err(|source| StoreError::Json { context: "writing the recent-projects list".into(), source })?;
        crate::files::write_bytes(path, text.as_bytes(), true)?;
        Ok(())
    }

    /// Puts `path` at the top (moving it if present), keeping at most
    /// [`RECENT_LIMIT`] entries.
    pub fn touch(&mut self, path: &Path, name: &str, opened_at_ms: i64) {
        self.entries.retain(|e| e.path != path);
        self.entries.insert(0, RecentEntry { path: path.to_owned(), name: name.to_owned(), opened_at_ms });
        self.entries.truncate(RECENT_LIMIT);
    }

    /// Removes `path` (e.g. when it no longer exists).
    pub fn remove(&mut self, path: &Path) {
        self.entries.retain(|e| e.path != path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_orders_dedupes_and_survives_save_load() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config dir ü").join("recent.json");
        assert_eq!(RecentList::load(&file).unwrap(), RecentList::default());
        let mut list = RecentList::default();
        for i in 0..20 {
            list.touch(Path::new(&format!("/p/{i}.backstop")), &format!("P{i}"), i);
        }
        list.touch(Path::new("/p/15.backstop"), "P15 renamed", 99);
        assert_eq!(list.entries.len(), RECENT_LIMIT);
        assert_eq!(list.entries[0].name, "P15 renamed");
        assert_eq!(list.entries[1].name, "P19");
        assert_eq!(list.entries.iter().filter(|e| e.path == Path::new("/p/15.backstop")).count(), 1);
        list.save(&file).unwrap();
        assert_eq!(RecentList::load(&file).unwrap(), list);
        list.remove(Path::new("/p/19.backstop"));
        assert_eq!(list.entries[1].name, "P18");
        std::fs::write(&file, "{not json").unwrap();
        let err = RecentList::load(&file).unwrap_err();
        assert!(err.to_string().contains("recent-projects list"), "{err}");
    }
}

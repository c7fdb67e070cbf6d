//! Design records read by what they hold.
//!
//! A [`Record`] (a catalog entry, a sizing case, its stored result, the load
//! profile or trace kept with a case) carries its body as JSON text, exactly
//! as the file holds it. [`Record::record_kind`] names what the `kind`
//! column says, and [`Record::read`] decodes the body as the type that kind
//! stands for — the one place where record kinds are matched and bodies
//! parsed, so callers match on [`Body`] instead of comparing strings.
//!
//! What this version cannot read — a kind it does not know, or a body
//! written by a newer version that no longer decodes as its kind — is
//! [`Body::Unreadable`] with the reason. Reading never changes the record:
//! its text stays in the design as it was and is written back unchanged by
//! every later edit and save, so a file from elsewhere loses nothing by
//! being opened here.

use serde::de::DeserializeOwned;

use crate::catalog::{CatalogEntry, EntryKind};
use crate::layout::EquipmentSpec;
use crate::project::Record;
use crate::sizing::{PeakResult, UpsResult};
use crate::sizing_smooth::SmoothResult;
use crate::sizing_view::{
    CaseKind, LOAD_PROFILE_KIND, PEAK_CASE_KIND, PEAK_RESULT_KIND, POWER_TRACE_KIND, SMOOTH_CASE_KIND, SMOOTH_RESULT_KIND, SizingCase,
    StoredProfile, StoredTrace, UPS_CASE_KIND, UPS_RESULT_KIND,
};

/// What a record's `kind` column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKind {
    /// A sizing case of one of the three methods.
    Case(CaseKind),
    /// A sizing result of one of the three methods.
    Result(CaseKind),
    /// The load profile kept with a peak-shaving case.
    LoadProfile,
    /// The measured power trace kept with a smoothing case.
    PowerTrace,
    /// An IT rack (`it-rack`; `rack` in older files).
    ItRack,
    /// A catalog entry of a known equipment kind (`cabinet`, `ups`, …).
    Equipment(EntryKind),
    /// A kind this version does not know (a datasheet's own word, or a
    /// newer version's record), by its name.
    Other(String),
}

impl RecordKind {
    /// The kind a `kind` column names.
    pub fn of(kind: &str) -> RecordKind {
        match kind {
            UPS_CASE_KIND => RecordKind::Case(CaseKind::Ups),
            PEAK_CASE_KIND => RecordKind::Case(CaseKind::Peak),
            SMOOTH_CASE_KIND => RecordKind::Case(CaseKind::Smooth),
            UPS_RESULT_KIND => RecordKind::Result(CaseKind::Ups),
            PEAK_RESULT_KIND => RecordKind::Result(CaseKind::Peak),
            SMOOTH_RESULT_KIND => RecordKind::Result(CaseKind::Smooth),
            LOAD_PROFILE_KIND => RecordKind::LoadProfile,
            POWER_TRACE_KIND => RecordKind::PowerTrace,
            "it-rack" | "rack" => RecordKind::ItRack,
            other => EntryKind::from_name(other).map_or_else(|| RecordKind::Other(other.to_owned()), RecordKind::Equipment),
        }
    }

    /// The data kept beside a case (its load profile or trace), not a case.
    pub fn is_case_data(&self) -> bool {
        matches!(self, RecordKind::LoadProfile | RecordKind::PowerTrace)
    }
}

/// A record's body as the type its kind stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A catalog entry in the catalog's own shape.
    Entry(Box<CatalogEntry>),
    /// A catalog record stored as a bare equipment spec.
    Spec(Box<EquipmentSpec>),
    /// A sizing case.
    Case(Box<SizingCase>),
    /// A stored UPS ride-through result.
    UpsResult(Box<UpsResult>),
    /// A stored peak-shaving result.
    PeakResult(Box<PeakResult>),
    /// A stored power-smoothing result.
    SmoothResult(Box<SmoothResult>),
    /// The load profile kept with a peak case.
    LoadProfile(Box<StoredProfile>),
    /// The measured trace kept with a smoothing case.
    PowerTrace(Box<StoredTrace>),
    /// What this version cannot read: the body as the file holds it and why
    /// (an unknown kind, or the decoding error). The record is kept as it is.
    Unreadable {
        /// The body's JSON text, unchanged.
        raw: String,
        /// Why it could not be read, as a phrase ("… cannot be read (REASON)").
        reason: String,
    },
}

impl Record {
    /// What the record's `kind` column names.
    pub fn record_kind(&self) -> RecordKind {
        RecordKind::of(&self.kind)
    }

    /// The body decoded as the type its kind stands for. Catalog records
    /// (an IT rack, an equipment kind, or a kind of a datasheet's own) are
    /// read as a catalog entry, else as an equipment spec; a body that is
    /// neither — a datasheet's own fields — is [`Body::Unreadable`], and its
    /// raw JSON is there for whoever reads such fields.
    pub fn read(&self) -> Body {
        fn as_<T: DeserializeOwned>(raw: &str, wrap: impl FnOnce(T) -> Body) -> Body {
            match serde_json::from_str::<T>(raw) {
                Ok(v) => wrap(v),
                Err(e) => Body::Unreadable { raw: raw.to_owned(), reason: e.to_string() },
            }
        }
        let raw = self.body.as_str();
        match self.record_kind() {
            RecordKind::Case(CaseKind::Ups) => as_(raw, |c| Body::Case(Box::new(SizingCase::Ups(c)))),
            RecordKind::Case(CaseKind::Peak) => as_(raw, |c| Body::Case(Box::new(SizingCase::Peak(c)))),
            RecordKind::Case(CaseKind::Smooth) => as_(raw, |c| Body::Case(Box::new(SizingCase::Smooth(c)))),
            RecordKind::Result(CaseKind::Ups) => as_(raw, |r| Body::UpsResult(Box::new(r))),
            RecordKind::Result(CaseKind::Peak) => as_(raw, |r| Body::PeakResult(Box::new(r))),
            RecordKind::Result(CaseKind::Smooth) => as_(raw, |r| Body::SmoothResult(Box::new(r))),
            RecordKind::LoadProfile => as_(raw, |p| Body::LoadProfile(Box::new(p))),
            RecordKind::PowerTrace => as_(raw, |t| Body::PowerTrace(Box::new(t))),
            RecordKind::ItRack | RecordKind::Equipment(_) | RecordKind::Other(_) => match serde_json::from_str::<CatalogEntry>(raw) {
                Ok(e) => Body::Entry(Box::new(e)),
                Err(entry_err) => match serde_json::from_str::<EquipmentSpec>(raw) {
                    Ok(s) => Body::Spec(Box::new(s)),
                    Err(_) => Body::Unreadable {
                        raw: raw.to_owned(),
                        reason: match self.record_kind() {
                            RecordKind::Other(k) if serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok() => {
                                format!("a \"{k}\" record, which this version does not know")
                            }
                            _ => entry_err.to_string(),
                        },
                    },
                },
            },
        }
    }

    /// The catalog entry this record holds, if it holds one under its own
    /// key (a catalog entry copied under another key is not that entry).
    pub fn catalog_entry(&self) -> Option<CatalogEntry> {
        match self.read() {
            Body::Entry(e) if e.key == self.key => Some(*e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sizing_smooth::SmoothCase;

    fn rec(kind: &str, body: &str) -> Record {
        Record { key: "k".into(), kind: kind.into(), name: "n".into(), body: body.into() }
    }

    #[test]
    fn every_kind_the_app_writes_is_named_by_its_column() {
        let cases = [
            (UPS_CASE_KIND, RecordKind::Case(CaseKind::Ups)),
            (PEAK_CASE_KIND, RecordKind::Case(CaseKind::Peak)),
            (SMOOTH_CASE_KIND, RecordKind::Case(CaseKind::Smooth)),
            (UPS_RESULT_KIND, RecordKind::Result(CaseKind::Ups)),
            (PEAK_RESULT_KIND, RecordKind::Result(CaseKind::Peak)),
            (SMOOTH_RESULT_KIND, RecordKind::Result(CaseKind::Smooth)),
            (LOAD_PROFILE_KIND, RecordKind::LoadProfile),
            (POWER_TRACE_KIND, RecordKind::PowerTrace),
            ("it-rack", RecordKind::ItRack),
            ("rack", RecordKind::ItRack),
            ("cabinet", RecordKind::Equipment(EntryKind::Cabinet)),
            ("pcs", RecordKind::Equipment(EntryKind::Pcs)),
            ("flywheel", RecordKind::Other("flywheel".into())),
        ];
        for (name, kind) in cases {
            assert_eq!(RecordKind::of(name), kind, "{name}");
            assert_eq!(RecordKind::of(name).is_case_data(), name == LOAD_PROFILE_KIND || name == POWER_TRACE_KIND);
        }
    }

    #[test]
    fn a_body_is_read_as_the_type_its_kind_names() {
        let case = SmoothCase { name: "Hall B".into(), ..SmoothCase::default() };
        let r = rec(SMOOTH_CASE_KIND, &serde_json::to_string(&case).unwrap());
        assert_eq!(r.read(), Body::Case(Box::new(SizingCase::Smooth(case.clone()))));
        // The same text under a result's kind is not that result.
        let wrong = rec(UPS_RESULT_KIND, &r.body);
        assert!(matches!(wrong.read(), Body::Unreadable { ref raw, .. } if *raw == r.body), "{:?}", wrong.read());
        let p = StoredProfile { case_key: "peak-1".into(), file_name: "site.csv".into(), csv: "t,kw\n0,1\n".into() };
        assert_eq!(rec(LOAD_PROFILE_KIND, &serde_json::to_string(&p).unwrap()).read(), Body::LoadProfile(Box::new(p)));
    }

    #[test]
    fn what_this_version_cannot_read_is_kept_as_it_is_with_the_reason() {
        // A newer version's case: a field of the wrong type.
        let newer = rec(UPS_CASE_KIND, r#"{"name":"A","load":{"it_kw":"lots"}}"#);
        match newer.read() {
            Body::Unreadable { raw, reason } => {
                assert_eq!(raw, newer.body);
                assert!(!reason.is_empty());
            }
            other => panic!("read as {other:?}"),
        }
        // A kind nobody here knows, with a datasheet's own fields.
        let foreign = rec("flywheel", r#"{"mass_kg":1200,"spin_rpm":36000}"#);
        match foreign.read() {
            Body::Unreadable { raw, reason } => {
                assert_eq!(raw, foreign.body);
                assert!(reason.contains("\"flywheel\" record"), "{reason}");
            }
            other => panic!("read as {other:?}"),
        }
        // Not JSON at all: the parser's own words.
        assert!(matches!(rec("cabinet", "{oops").read(), Body::Unreadable { reason, .. } if reason.contains("line 1")));
    }

    #[test]
    fn a_catalog_record_is_an_entry_only_under_its_own_key() {
        let r = rec(
            "ups",
            r#"{"key":"k","kind":"ups","manufacturer":"Test","model":"U","physical":{"width_mm":1400,"depth_mm":950,"height_mm":2000,"mass_kg":1400},"cost":1,"converter":{"rated_kva":500,"rated_kw":500,"efficiency":0.96,"dc_v_min":396,"dc_v_max":1500}}"#,
        );
        let entry: CatalogEntry = serde_json::from_str(&r.body).unwrap();
        assert_eq!(r.catalog_entry(), Some(entry.clone()));
        let moved = Record { key: "other".into(), ..r };
        assert_eq!(moved.catalog_entry(), None);
        assert!(matches!(moved.read(), Body::Entry(_)));
    }
}

//! The second step of a capture: parsed input (`domain::capture_body`, or an
//! export line) made ready to store, with the title, kind and tags memo-core
//! gives it (or that an export kept), as the row [`Insert`] the upsert
//! statement takes. Pure: used by the worker's capture, batch and import
//! routes and by `memo-admin import`.

use crate::domain::capture_body::NewMemory;
use crate::domain::export::{Exported, ImportLine};
use crate::domain::fields::{Source, Title};
use crate::error::FieldError;
use crate::limits::Limits;
use crate::sql::memories::Insert;
use chrono::{DateTime, Utc};
use memo_core::{Analyzer, CaptureInput};
use serde_json::{Map, Value};

/// A parsed capture with its title, kind and tags, ready to store.
pub struct Prepared {
    new: NewMemory,
    title: String,
    kind: String,
    tags: Vec<String>,
    captured_at: DateTime<Utc>,
    conversation_key: Option<String>,
    /// What an export line kept; `None` for captures.
    exported: Option<Exported>,
}

impl Prepared {
    /// A capture: titled and tagged by memo-core; `now` is when it arrived.
    pub fn capture(
        body: Map<String, Value>,
        limits: &Limits,
        analyzer: &Analyzer,
        now: DateTime<Utc>,
    ) -> Result<Prepared, FieldError> {
        Ok(Self::analysed(NewMemory::parse(body, limits)?, analyzer, now))
    }

    fn analysed(new: NewMemory, analyzer: &Analyzer, now: DateTime<Utc>) -> Prepared {
        let captured_at = new.captured_at.unwrap_or(now);
        let analysis = analyzer.analyze(&CaptureInput {
            content: new.content.as_str(),
            source: new.source.as_ref().map(Source::as_str),
            title: new.title.as_ref().map(Title::as_str),
            tags: new.tags.as_slice(),
            metadata: Some(new.metadata.as_value()),
            captured_at,
        });
        let conversation_key = new.conversation.as_ref().map(|c| c.as_str().to_owned());
        Prepared {
            title: analysis.title,
            kind: analysis.kind.as_str().to_owned(),
            tags: analysis.tags,
            captured_at,
            conversation_key,
            exported: None,
            new,
        }
    }

    /// An import line: an export line keeps its title, tags, kind and
    /// bookkeeping; a plain capture is analysed like any capture.
    pub fn import(
        body: Map<String, Value>,
        limits: &Limits,
        analyzer: &Analyzer,
        now: DateTime<Utc>,
    ) -> Result<Prepared, FieldError> {
        let ImportLine { capture, exported } = ImportLine::parse(body, limits)?;
        let Some(exported) = exported else {
            return Ok(Self::analysed(capture, analyzer, now));
        };
        Ok(Prepared {
            title: capture.title.as_ref().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            kind: exported.kind.clone(),
            tags: capture.tags.as_slice().to_vec(),
            captured_at: capture.captured_at.or(exported.created_at).unwrap_or(now),
            conversation_key: exported.conversation_key.clone(),
            exported: Some(exported),
            new: capture,
        })
    }

    pub fn insert(&self) -> Insert<'_> {
        let new = &self.new;
        let exported = self.exported.as_ref();
        Insert {
            content: new.content.as_str(),
            title: &self.title,
            title_by_user: exported.map_or(new.title.is_some(), |e| e.title_by_user),
            tags_by_user: exported.is_some_and(|e| e.tags_by_user),
            kind: &self.kind,
            source: new.source.as_ref().map(Source::as_str),
            url: new.url.as_ref().map(|u| u.as_str()),
            tags: &self.tags,
            user_tags: exported.map_or(new.tags.as_slice(), |e| e.user_tags.as_slice()),
            metadata: new.metadata.as_value(),
            captured_at: self.captured_at,
            conversation_key: self.conversation_key.as_deref(),
            created_at: exported.and_then(|e| e.created_at),
            updated_at: exported.and_then(|e| e.updated_at),
            capture_count: exported.map_or(1, |e| e.capture_count),
        }
    }
}

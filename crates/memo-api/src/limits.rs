//! The input limits every parser and statement is bounded by, with their
//! defaults. The worker overrides them from its variables (`src/config.rs`,
//! wrangler.toml `[vars]`); `memo-admin import` uses the defaults.

/// Input limits. Names match the variables that override them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `MAX_BODY_BYTES`: largest request body accepted.
    pub max_body_bytes: usize,
    /// `MAX_CONTENT_BYTES`: largest `content` (UTF-8 bytes).
    pub max_content_bytes: usize,
    /// `MAX_TITLE_CHARS`: longest title, in characters.
    pub max_title_chars: usize,
    /// `MAX_TAGS`: most tags a user may give.
    pub max_tags: usize,
    /// `MAX_TAG_CHARS`: longest tag, in characters.
    pub max_tag_chars: usize,
    /// `MAX_SOURCE_CHARS`: longest `source`, in characters.
    pub max_source_chars: usize,
    /// `MAX_URL_CHARS`: longest `url`, in characters.
    pub max_url_chars: usize,
    /// `MAX_METADATA_BYTES`: largest `metadata` once serialised.
    pub max_metadata_bytes: usize,
    /// `MAX_METADATA_DEPTH`: deepest nesting of `metadata`.
    pub max_metadata_depth: usize,
    /// `MAX_QUERY_CHARS`: longest search query, in characters.
    pub max_query_chars: usize,
    /// `MAX_PAGE_SIZE`: largest `limit` for lists and searches.
    pub max_page_size: usize,
    /// `DEFAULT_PAGE_SIZE`: `limit` when none is given.
    pub default_page_size: usize,
    /// `SEARCH_RANKED_MATCHES`: how many of a query's newest matches a
    /// search ranks by relevance; older matches follow, newest first. Each
    /// costs a read of its row and a ranking on every search.
    pub search_ranked_matches: usize,
    /// `SEARCH_SNIPPET_CHARS`: how many characters of a long memory's
    /// content its search snippet is made from, around the first match: a
    /// snippet's cost grows with it (figures in bench/search/RESULTS.md).
    pub search_snippet_chars: usize,
    /// `MAX_BATCH_ITEMS`: most captures in one batch or import request.
    pub max_batch_items: usize,
    /// `MAX_IMPORT_LINES`: most lines in one `POST /v1/import`.
    pub max_import_lines: usize,
    /// `PREVIEW_CHARS`: characters of content a list or search item's
    /// `preview` holds (items carry no content unless asked for).
    pub preview_chars: usize,
    /// `MAX_PAGE_CONTENT_BYTES`: content bytes a page with contents (a list
    /// with `include=content`, an export page) holds before it ends early;
    /// a single memory larger than this still makes a page of its own.
    pub max_page_content_bytes: usize,
    /// `MCP_MAX_CONTENT_CHARS`: most characters of a memory's content one
    /// MCP `memo_get` call returns; the rest is read with `offset`, so one
    /// answer stays within what a model can take in.
    pub mcp_max_content_chars: usize,
    /// `MAX_BULK_IDS`: most memories one `POST /v1/memories/bulk` names.
    pub max_bulk_ids: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_content_bytes: 512 * 1024,
            max_title_chars: 300,
            max_tags: 32,
            max_tag_chars: 64,
            max_source_chars: 200,
            max_url_chars: 2048,
            max_metadata_bytes: 32 * 1024,
            max_metadata_depth: 8,
            max_query_chars: 512,
            max_page_size: 100,
            default_page_size: 20,
            search_ranked_matches: 200,
            search_snippet_chars: 2000,
            max_batch_items: 100,
            max_import_lines: 1000,
            preview_chars: 300,
            max_page_content_bytes: 1024 * 1024,
            mcp_max_content_chars: 50_000,
            max_bulk_ids: 500,
        }
    }
}

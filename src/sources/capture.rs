//! The intake side of `ghl-bridge/capture`, the script pasted into a Wishpond page.
//!
//! The page holds no token, only a public site key; everything it sends is hostile
//! until checked here: the site key must be configured, the request's `Origin` (and the
//! page URL's origin) must be one of the key's allowed origins, each key has a rate
//! limit (captures per minute), and the body has size, field-count and field-length
//! limits. A repeated submission id (the script retries from its queue) is a duplicate.
//! An accepted capture becomes the same [`WishpondLeadEvent`] as a polled lead, with
//! `arrived: "page"`; without an email or a phone it is skipped with a reason.
//!
//! Body sent by the script (JSON, `text/plain` so no preflight is needed):
//! `{"v": 1, "siteKey", "id", "fields": [{"name", "label", "value"}], "page": {"url",
//! "referrer", "title"}, "utm": {...}}`.

use crate::codec::{FromJson, ToJson};
use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::seen::SeenSet;
use super::wishpond::{WishpondLead, WishpondLeadEvent};
use super::SourceError;

/// One site key and where it may be used.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CaptureSite {
    /// The public key the script sends.
    pub site_key: String,
    /// Origins (`https://example.wishpond.com`) the script may run on.
    pub allowed_origins: Vec<String>,
}

/// How the capture intake works.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct CaptureConfig {
    /// The site keys.
    pub sites: Vec<CaptureSite>,
    /// Captures per site key per minute (30).
    pub max_per_minute: u32,
    /// Largest body (bytes; 16 KiB).
    pub max_body_bytes: usize,
    /// Most fields (50).
    pub max_fields: usize,
    /// Longest field name (64) and value (2,000) in characters.
    pub max_name_chars: usize,
    /// Longest field value (characters).
    pub max_value_chars: usize,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            sites: vec![],
            max_per_minute: 30,
            max_body_bytes: 16 * 1024,
            max_fields: 50,
            max_name_chars: 64,
            max_value_chars: 2_000,
        }
    }
}

/// What became of a capture that was not refused.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum CaptureOutcome {
    /// A lead event.
    Accepted {
        /// The event.
        event: Box<WishpondLeadEvent>,
    },
    /// The same submission again.
    Duplicate {
        /// Its id.
        id: String,
    },
    /// Nothing identifies a person.
    Skipped {
        /// Its id.
        id: String,
        /// Why.
        reason: String,
    },
}

/// A parsed capture (see [`parse_capture`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// The site key.
    pub site_key: String,
    /// The submission id.
    pub id: String,
    /// Fields: (normalised name, label, value).
    pub fields: Vec<(String, String, String)>,
    /// Page URL, referrer and title.
    pub page: Map<String, Value>,
    /// UTM values.
    pub utm: BTreeMap<String, String>,
}

fn malformed(at: &str, reason: impl Into<String>) -> SourceError {
    SourceError::Malformed {
        at: at.into(),
        reason: reason.into(),
    }
}

/// A field name as a snake_case key (`First Name` -> `first_name`), at most `max` chars.
fn field_key(name: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.trim().chars().take(max) {
        if c.is_alphanumeric() {
            crate::codec::case::push_lower(c, &mut out);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The origin (`scheme://host[:port]`) of a URL, if it is http(s).
fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..url.len() - rest.len() + end])
}

/// Parses a capture body (a fuzz entry point: any bytes, never panics).
pub fn parse_capture(body: &[u8], config: &CaptureConfig) -> Result<Capture, SourceError> {
    if body.len() > config.max_body_bytes {
        return Err(SourceError::BodyTooLarge {
            size: body.len(),
            limit: config.max_body_bytes,
        });
    }
    let v: Value = crate::codec::parse_bytes(body, crate::codec::DEFAULT_DEPTH)
        .map_err(|e| malformed("", format!("not JSON ({})", e.message())))?;
    let text = |p: &str, max: usize| -> Option<String> {
        v.pointer(p)
            .and_then(Value::as_str)
            .map(|s| s.trim().chars().take(max).collect())
    };
    let site_key = text("/siteKey", 128)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("/siteKey", "missing"))?;
    let id = match v.get("id").and_then(Value::as_str) {
        Some(s)
            if !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            s.to_string()
        }
        _ => return Err(malformed("/id", "missing or not a submission id")),
    };
    let Some(raw) = v.get("fields").and_then(Value::as_array) else {
        return Err(malformed("/fields", "missing or not an array"));
    };
    if raw.len() > config.max_fields {
        return Err(malformed(
            "/fields",
            format!("more than {} fields", config.max_fields),
        ));
    }
    let mut fields = Vec::with_capacity(raw.len());
    for (i, f) in raw.iter().enumerate() {
        let get = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("");
        let value = match f.get("value") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Null) | None => "",
            _ => return Err(malformed(&format!("/fields/{i}/value"), "not text")),
        };
        if value.chars().count() > config.max_value_chars {
            return Err(malformed(
                &format!("/fields/{i}/value"),
                format!("longer than {} characters", config.max_value_chars),
            ));
        }
        let name = field_key(
            if get("name").trim().is_empty() {
                get("label")
            } else {
                get("name")
            },
            config.max_name_chars,
        );
        if name.is_empty() {
            continue;
        }
        let label: String = get("label").trim().chars().take(200).collect();
        fields.push((name, label, value.trim().to_string()));
    }
    let mut page = Map::new();
    for k in ["url", "referrer", "title"] {
        if let Some(s) = text(&format!("/page/{k}"), 2_000) {
            page.insert(k.into(), Value::String(s));
        }
    }
    let utm = v
        .get("utm")
        .and_then(Value::as_object)
        .map(|o| {
            crate::order::map_of(
                o.iter()
                    .filter(|(k, _)| k.starts_with("utm_") && k.len() <= 32)
                    .filter_map(|(k, x)| {
                        Some((field_key(k, 32), x.as_str()?.chars().take(256).collect()))
                    })
                    .take(10),
            )
        })
        .unwrap_or_default();
    Ok(Capture {
        site_key,
        id,
        fields,
        page,
        utm,
    })
}

/// The capture intake of one server.
#[derive(Debug, Clone)]
pub struct CaptureIntake {
    config: CaptureConfig,
    seen: SeenSet,
    hits: HashMap<String, VecDeque<u64>>,
}

impl CaptureIntake {
    /// An intake; each site needs a key and at least one allowed origin.
    pub fn new(config: CaptureConfig) -> Result<Self, SourceError> {
        for (i, s) in config.sites.iter().enumerate() {
            let bad_origin = s
                .allowed_origins
                .iter()
                .any(|o| origin_of(o) != Some(o.as_str()));
            if s.site_key.trim().is_empty() || s.allowed_origins.is_empty() || bad_origin {
                return Err(SourceError::Config {
                    field: format!("sites/{i}"),
                    reason: "needs a siteKey and allowedOrigins of the form https://host[:port] (no path)".into(),
                });
            }
        }
        Ok(Self {
            seen: SeenSet::new(10_000, 24 * 3600 * 1000),
            hits: HashMap::new(),
            config,
        })
    }

    /// One capture: `origin` is the request's `Origin` header.
    pub fn receive(
        &mut self,
        origin: Option<&str>,
        body: &[u8],
        now_ms: u64,
    ) -> Result<CaptureOutcome, SourceError> {
        let c = parse_capture(body, &self.config)?;
        let Some(site) = self.config.sites.iter().find(|s| s.site_key == c.site_key) else {
            return Err(SourceError::UnknownSite);
        };
        let origin = origin.unwrap_or("").trim();
        let page_origin = c
            .page
            .get("url")
            .and_then(Value::as_str)
            .and_then(origin_of);
        let allowed = |o: &str| {
            site.allowed_origins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(o))
        };
        if !allowed(origin) || !page_origin.is_some_and(allowed) {
            return Err(SourceError::OriginRefused {
                origin: origin.chars().take(200).collect(),
            });
        }
        let key = format!("{}:{}", c.site_key, c.id);
        if self.seen.contains(&key, now_ms) {
            return Ok(CaptureOutcome::Duplicate { id: c.id });
        }
        let limit = self.config.max_per_minute;
        let hits = self.hits.entry(c.site_key.clone()).or_default();
        while hits
            .front()
            .is_some_and(|&t| now_ms.saturating_sub(t) >= 60_000)
        {
            hits.pop_front();
        }
        if hits.len() >= limit as usize {
            return Err(SourceError::RateLimited { limit });
        }
        hits.push_back(now_ms);
        self.seen.insert(&key, now_ms);
        let mut attrs = Map::new();
        let mut email = None;
        for (name, label, value) in &c.fields {
            if value.is_empty() {
                continue;
            }
            let lower = crate::codec::case::lower_str(label);
            let is_email = name == "email" || name.ends_with("_email") || lower.contains("email");
            let is_phone = name == "phone" || name == "phone_number" || lower.contains("phone");
            if is_email && email.is_none() && value.contains('@') {
                email = Some(value.clone());
                continue;
            }
            let key = if is_phone {
                "phone_number".to_string()
            } else {
                name.clone()
            };
            attrs.entry(key).or_insert_with(|| json!(value));
        }
        let phone = attrs.contains_key("phone_number");
        if email.is_none() && !phone {
            return Ok(CaptureOutcome::Skipped {
                id: c.id,
                reason: "the submitted form has neither an email nor a phone number, so no GHL contact can be matched".into(),
            });
        }
        for (k, v) in &c.utm {
            attrs.insert(k.clone(), json!(v));
        }
        Ok(CaptureOutcome::Accepted {
            event: Box::new(WishpondLeadEvent {
                kind: "wishpond.lead.created".into(),
                id: format!("wishpond:page:{key}"),
                arrived: "page".into(),
                lead: WishpondLead {
                    id: None,
                    email,
                    dynamic_attributes: attrs,
                },
                page: Some(Value::Object(c.page)),
                utm: c.utm,
            }),
        })
    }
}

//! Wishpond leads: the API poller and the one normalised lead event.
//!
//! Wishpond sends no webhooks (see FACTS), so leads arrive two ways, both ending as one
//! [`WishpondLeadEvent`] (`wishpond.lead.created` / `wishpond.lead.updated`): polled
//! from the API (this module) or captured on the page (the capture script and the
//! intake check, later).
//!
//! The poller is sans-IO: [`WishpondPoller::poll`] answers the next step (send a page
//! request, wait, or done), [`WishpondPoller::handle_response`] takes each answer.
//! Paging: `GET /leads?page=&per_page=` until `meta.total_pages` (or a short page when
//! there is no `meta`; Wishpond's paging beyond that is unknown). Invariants:
//! - The cursor (lead id -> fingerprint of its fields) changes only when a poll
//!   completes: a failed poll leaves it where it was, so nothing is lost.
//! - A lead is an event when its id is new (created) or its fingerprint changed
//!   (updated); the same lead twice in one poll (pages shifting) counts once.
//! - Its own call budget: at most `maxCallsPerMinute` (default 60, below the 99 that
//!   working integrations throttle to) requests in any 60 s; 429 waits (Retry-After or
//!   30 s), 5xx back off exponentially; after `maxRetries` the poll fails.
//! - A refused key (401/403) is [`SourceError::BadCredentials`].
//! - Requests carry no key: the host adds `X-Api-Token`.

use crate::codec::{FromJson, ToJson};
use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::SourceError;
use crate::http::{HttpRequest, HttpResponse, Method};

const SOURCE: &str = "wishpond";

/// How the poller works.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WishpondPollerConfig {
    /// API base (`https://api.wishpond.com/api/v1`; an emulator's URL in tests).
    pub base_url: String,
    /// Leads per page (100).
    pub per_page: u32,
    /// Most pages one poll reads (200).
    pub max_pages: u32,
    /// The call budget: requests in any 60 s (60).
    pub max_calls_per_minute: u32,
    /// Wait after a 429 without Retry-After (ms; 30 s).
    pub wait_after_429_ms: u64,
    /// First wait after a 5xx (ms; 2 s), doubled each time up to 60 s.
    pub backoff_5xx_ms: u64,
    /// Retries of one page before the poll fails (5).
    pub max_retries: u32,
}

impl Default for WishpondPollerConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.wishpond.com/api/v1".into(),
            per_page: 100,
            max_pages: 200,
            max_calls_per_minute: 60,
            wait_after_429_ms: 30_000,
            backoff_5xx_ms: 2_000,
            max_retries: 5,
        }
    }
}

/// A lead as the normalised event carries it.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WishpondLead {
    /// Wishpond's lead id, when known (API leads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The email (Wishpond's unique key for a lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Fields by their snake_case names (`first_name`, `phone_number`, custom fields);
    /// named as Wishpond names it.
    #[serde(default, rename = "dynamic_attributes")]
    pub dynamic_attributes: Map<String, Value>,
}

/// The one normalised lead event, whichever way it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WishpondLeadEvent {
    /// `wishpond.lead.created` or `wishpond.lead.updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Event id (stable for the same lead content: replaying it changes nothing).
    pub id: String,
    /// `api` or `page`.
    pub arrived: String,
    /// The lead.
    pub lead: WishpondLead,
    /// The page it was captured on (page captures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<Value>,
    /// UTM values (`utm_source`, ...).
    #[serde(default)]
    pub utm: BTreeMap<String, String>,
}

/// A lead that was not turned into an event, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SkippedLead {
    /// The lead id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A sentence for a person.
    pub reason: String,
}

/// What the poller remembers between polls (persist it as JSON).
#[derive(Debug, Clone, PartialEq, Default, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WishpondCursor {
    /// Lead id -> fingerprint of its content when last seen (hex).
    pub known: BTreeMap<String, String>,
    /// When the last poll completed (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_poll_ms: Option<u64>,
}

/// The poller's next step.
#[derive(Debug, Clone, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "step", rename_all = "camelCase")]
pub enum PollStep {
    /// Send this (the host adds `X-Api-Token`), then call `handleResponse`.
    Send {
        /// The page.
        page: u32,
        /// The request.
        request: HttpRequest,
    },
    /// Call `poll` again at `untilMs` (budget or backoff).
    #[serde(rename_all = "camelCase")]
    Wait {
        /// When.
        until_ms: u64,
        /// Why.
        reason: String,
    },
    /// The poll completed; the cursor is committed (persist it).
    Done {
        /// New and changed leads.
        events: Vec<WishpondLeadEvent>,
        /// Leads left out, with why.
        skipped: Vec<SkippedLead>,
        /// The new cursor.
        cursor: WishpondCursor,
        /// Requests this poll made.
        calls: u32,
    },
}

#[derive(Debug, Clone)]
struct Poll {
    page: u32,
    retries: u32,
    waiting_until: u64,
    in_flight: bool,
    calls: u32,
    found: BTreeMap<String, String>,
    events: Vec<WishpondLeadEvent>,
    skipped: Vec<SkippedLead>,
}

/// The sans-IO Wishpond leads poller.
#[derive(Debug, Clone)]
pub struct WishpondPoller {
    config: WishpondPollerConfig,
    cursor: WishpondCursor,
    poll: Option<Poll>,
    calls: VecDeque<u64>,
}

/// FNV-1a 64 of the text: a change detector, not a security measure.
fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn api_error(status: u16, retry: bool) -> SourceError {
    SourceError::Api {
        source_name: SOURCE.into(),
        what: "leads poll".into(),
        status,
        retry,
    }
}

/// A lead object from the API -> the lead, or why it is skipped (a fuzz-able reader).
pub fn read_api_lead(v: &Value) -> Result<WishpondLead, SkippedLead> {
    let id = match v.get("id") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let skip = |reason: &str| SkippedLead {
        id: id.clone(),
        reason: reason.into(),
    };
    let Value::Object(o) = v else {
        return Err(skip("a lead that is not a JSON object"));
    };
    let Some(id_text) = id.clone() else {
        return Err(skip("a lead without an id"));
    };
    let attrs = match o.get("dynamic_attributes") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let email = o
        .get("email")
        .or_else(|| attrs.get("email"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|e| e.contains('@') && e.len() <= 320)
        .map(str::to_string);
    let phone = attrs
        .get("phone_number")
        .or_else(|| attrs.get("phone"))
        .and_then(Value::as_str)
        .is_some_and(|p| p.chars().filter(char::is_ascii_digit).count() >= 6);
    if email.is_none() && !phone {
        return Err(SkippedLead {
            id: Some(id_text.clone()),
            reason: format!(
                "Wishpond lead {id_text} has neither an email nor a phone number, so no GHL contact can be matched"
            ),
        });
    }
    Ok(WishpondLead {
        id: Some(id_text),
        email,
        dynamic_attributes: attrs,
    })
}

/// The UTM values of a lead's fields (`utm_source`, ...), text only.
pub fn utm_of(attrs: &Map<String, Value>) -> BTreeMap<String, String> {
    crate::order::map_of(
        attrs
            .iter()
            .filter(|(k, _)| k.starts_with("utm_") && k.len() <= 32)
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.chars().take(256).collect()))),
    )
}

impl WishpondPoller {
    /// A poller starting from a stored cursor (or `Default` for the first poll).
    pub fn new(config: WishpondPollerConfig, cursor: WishpondCursor) -> Result<Self, SourceError> {
        let b = config.base_url.trim_end_matches('/');
        if !(b.starts_with("https://")
            || b.starts_with("http://127.0.0.1")
            || b.starts_with("http://localhost"))
        {
            return Err(SourceError::Config {
                field: "baseUrl".into(),
                reason: "must be https:// (http only on loopback, for emulators)".into(),
            });
        }
        if config.per_page == 0 || config.max_calls_per_minute == 0 || config.max_pages == 0 {
            return Err(SourceError::Config {
                field: "perPage/maxCallsPerMinute/maxPages".into(),
                reason: "must be above 0".into(),
            });
        }
        Ok(Self {
            config: WishpondPollerConfig {
                base_url: b.to_string(),
                ..config
            },
            cursor,
            poll: None,
            calls: VecDeque::new(),
        })
    }

    /// The committed cursor.
    pub fn cursor(&self) -> &WishpondCursor {
        &self.cursor
    }

    /// True while a poll is under way.
    pub fn polling(&self) -> bool {
        self.poll.is_some()
    }

    /// Starts a poll, or continues the one under way: the next step.
    pub fn poll(&mut self, now_ms: u64) -> PollStep {
        let poll = self.poll.get_or_insert_with(|| Poll {
            page: 1,
            retries: 0,
            waiting_until: 0,
            in_flight: false,
            calls: 0,
            found: BTreeMap::new(),
            events: vec![],
            skipped: vec![],
        });
        if poll.waiting_until > now_ms {
            return PollStep::Wait {
                until_ms: poll.waiting_until,
                reason: "backing off after an error".into(),
            };
        }
        while self
            .calls
            .front()
            .is_some_and(|&t| now_ms.saturating_sub(t) >= 60_000)
        {
            self.calls.pop_front();
        }
        if self.calls.len() >= self.config.max_calls_per_minute as usize {
            let until = self
                .calls
                .front()
                .map_or(now_ms, |&t| t.saturating_add(60_000));
            return PollStep::Wait {
                until_ms: until,
                reason: format!(
                    "the call budget of {} requests per minute is used up",
                    self.config.max_calls_per_minute
                ),
            };
        }
        self.calls.push_back(now_ms);
        poll.in_flight = true;
        poll.calls += 1;
        PollStep::Send {
            page: poll.page,
            request: HttpRequest {
                method: Method::Get,
                url: format!(
                    "{}/leads?page={}&per_page={}",
                    self.config.base_url, poll.page, self.config.per_page
                ),
                headers: [("Accept".to_string(), "application/json".to_string())].into(),
                body: None,
            },
        }
    }

    /// The page's response -> the next step. An error ends the poll with the cursor
    /// unchanged.
    pub fn handle_response(
        &mut self,
        response: &HttpResponse,
        now_ms: u64,
    ) -> Result<PollStep, SourceError> {
        let Some(poll) = self.poll.as_mut().filter(|p| p.in_flight) else {
            return Err(SourceError::Malformed {
                at: "".into(),
                reason: "no leads request is in flight".into(),
            });
        };
        poll.in_flight = false;
        let status = response.status;
        let retry_wait = match status {
            200..=299 => None,
            401 | 403 => {
                self.poll = None;
                return Err(SourceError::BadCredentials {
                    source_name: SOURCE.into(),
                    status,
                });
            }
            429 => Some(
                response
                    .header("retry-after")
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .map_or(self.config.wait_after_429_ms, |s| s.min(3600) * 1000),
            ),
            500..=599 => Some((self.config.backoff_5xx_ms << poll.retries.min(10)).min(60_000)),
            _ => {
                self.poll = None;
                return Err(api_error(status, false));
            }
        };
        if let Some(wait) = retry_wait {
            if poll.retries >= self.config.max_retries {
                self.poll = None;
                return Err(api_error(status, true));
            }
            poll.retries += 1;
            poll.waiting_until = now_ms.saturating_add(wait);
            return Ok(PollStep::Wait {
                until_ms: poll.waiting_until,
                reason: format!("Wishpond answered {status}; retrying page {}", poll.page),
            });
        }
        let body: Value = match crate::codec::parse(&response.body, crate::codec::DEFAULT_DEPTH) {
            Ok(v) => v,
            Err(e) => {
                self.poll = None;
                return Err(SourceError::Malformed {
                    at: "".into(),
                    reason: format!("leads page: not JSON ({})", e.message()),
                });
            }
        };
        let Some(leads) = body.get("leads").and_then(Value::as_array) else {
            self.poll = None;
            return Err(SourceError::Malformed {
                at: "/leads".into(),
                reason: "leads page: no leads array".into(),
            });
        };
        poll.retries = 0;
        for v in leads {
            match read_api_lead(v) {
                Err(s) => poll.skipped.push(s),
                Ok(lead) => {
                    let id = lead.id.clone().unwrap_or_default();
                    if poll.found.contains_key(&id) {
                        continue; // the same lead on two pages: once
                    }
                    let fp = fingerprint(&v.to_string());
                    poll.found.insert(id.clone(), fp.clone());
                    let kind = match self.cursor.known.get(&id) {
                        None => "wishpond.lead.created",
                        Some(old) if *old != fp => "wishpond.lead.updated",
                        Some(_) => continue,
                    };
                    poll.events.push(WishpondLeadEvent {
                        kind: kind.into(),
                        id: format!("wishpond:{id}:{fp}"),
                        arrived: "api".into(),
                        utm: utm_of(&lead.dynamic_attributes),
                        lead,
                        page: None,
                    });
                }
            }
        }
        let total_pages = body
            .pointer("/meta/total_pages")
            .and_then(Value::as_u64)
            .map(|n| n.min(u64::from(u32::MAX)) as u32);
        let more = match total_pages {
            Some(t) => poll.page < t,
            None => leads.len() >= self.config.per_page as usize,
        };
        if more && poll.page < self.config.max_pages {
            poll.page += 1;
            return Ok(self.poll(now_ms));
        }
        let Some(done) = self.poll.take() else {
            return Err(api_error(status, false));
        };
        let mut cursor = self.cursor.clone();
        cursor.known.extend(done.found);
        cursor.last_poll_ms = Some(now_ms);
        self.cursor = cursor.clone();
        Ok(PollStep::Done {
            events: done.events,
            skipped: done.skipped,
            cursor,
            calls: done.calls,
        })
    }

    /// The request could not be sent: the poll ends, the cursor stays.
    pub fn poll_failed(&mut self) {
        self.poll = None;
    }
}

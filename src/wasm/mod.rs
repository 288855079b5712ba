//! The wasm-bindgen layer: converts and delegates, nothing else.
//!
//! Every export follows one shape: deserialize params (one serializer configuration,
//! [`convert`]) -> call the core -> serialize the result; every error leaves through
//! [`convert::throw`], which builds a real JavaScript `Error` with a stable `code`, the
//! message and structured `details`. Files are split by area: [`client`] (request
//! builder and response reader), [`plans`], [`rules`] (mapping rules), and one file per later domain.
//!
//! Panics: the crate is built with `panic = "abort"`, so a panic traps the instance.
//! The panic hook installed by [`start`] records the message; the JS shim catches the
//! trap, reads the message with `takeLastPanic`, turns it into a `GhlBridgeError` with
//! code `INTERNAL_PANIC`, and resets the instance (`__wbg_reset_state`) so later calls
//! work again.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

pub mod client;
pub(crate) mod convert;
#[cfg(feature = "full")]
pub mod flows;
#[cfg(feature = "full")]
pub mod outbox;
pub mod plans;
#[cfg(feature = "full")]
pub mod rules;
#[cfg(feature = "full")]
pub mod sources;
#[cfg(feature = "full")]
pub mod stats;
#[cfg(feature = "full")]
pub mod tags;
#[cfg(feature = "full")]
pub mod transport;

/// The glue's `.d.ts` names the generated types in the exports' `unchecked_*_type`
/// attributes; this line imports them (from `types.ts`, generated beside the glue), so
/// the declarations type-check on their own (`skipLibCheck: false`) and the shim's
/// calls into Wasm are typed. A type named in an attribute must be listed here: the
/// package's type-level test (`tests/types/pkg`) fails otherwise.
#[wasm_bindgen(typescript_custom_section)]
const TYPES_IMPORT: &str = r#"import type {
    FlowsInit, OutboxInit,
    GhlWebhookEvent, GhlWebhookStep, KnownTags, QwilrEvent, WishpondLeadEvent,
    Accepted, AccountsResponse, Begin, CaptureConfig, CaptureOutcome, CatalogConfig,
    ClientConfig, CompileContext, ContactResult, ContactTagsResult, CustomFieldsResult,
    DeadLetter, DetailsOutcome, Drained, EnrichOptions, EnrichReport, FlowConfig, FlowEvent,
    FlowOutcome, FlowPlan, GhlWebhookConfig, GhlWebhookOutcome, HostPoint, HttpRequest,
    HttpResponse, IntakeLogEntry, LocationTagResult, LocationTagsResult, Need,
    OperationInfo, OutboxBudgetRecord, OutboxConfig, OutboxCounts, OutboxRecord, OutboxRetained,
    OutboxStats,
    Plan, PollStep, PreviewStep, Problem, ProfileSelection, QwilrConfig, QwilrDelivery, QwilrNeed,
    QwilrOutcome, QwilrSubscription, RateLimit, ReportOptions, RequestParams, Resolution,
    RulesDocument, Schedule, SeenKey, SendResult, Series, SeriesOptions, SignatureCheck,
    SignatureVerdict, SlotPlan, SocialTagsQuery, StatisticsRequest, StatisticsResponse,
    StatsRequest, SubscriptionOp, Tag, TagDiff, TagReference, TagReport, TagsResponse,
    UpsertContact, UpsertContactResult, UsersQuery, UsersResult, WishpondCursor,
    WishpondPollerConfig,
} from "./types.js";"#;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the panic hook (runs once when the module is instantiated).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = match info.payload().downcast_ref::<&str>() {
            Some(s) => (*s).to_string(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "panic".to_string()),
        };
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
    }));
}

/// The message of the last panic, if any (read once by the JS shim after a trap).
#[wasm_bindgen(js_name = takeLastPanic)]
pub fn take_last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take())
}

/// Panics on purpose. Exists only so the test suites can prove that a panic reaches
/// the caller as an `INTERNAL_PANIC` error and that the module keeps working after it.
#[wasm_bindgen(js_name = __testPanic)]
pub fn test_panic(message: String) {
    panic!("{message}");
}

/// The crate version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

//! The fuzz targets of ghl-bridge: one function per public entry point of the core,
//! each taking the raw bytes a fuzzer made. The libFuzzer binaries (`fuzz_targets/`,
//! nightly, through cargo-fuzz) and the stable driver (`driver/`) call the same
//! functions, listed in [`TARGETS`].
//!
//! Contract of every target: any input is answered without a panic. A target also
//! asserts the entry point's documented promises (e.g. "one JSON value or an error"),
//! so a broken promise is a crash too. Inputs a target cannot read (not UTF-8, not the
//! JSON shape it expects) are ignored: the fuzzer moves on.
//!
//! Each target is a few lines over one core function, so a change of signature is
//! mended here in one place. The input formats are described per target; the seed
//! corpus (`corpus/<target>/`, written by `ghl-bridge-fuzz seed`) shows them.

pub mod seeds;
pub mod targets;

/// A fuzz target: its name (the folder of its corpus and crashes) and its function.
#[derive(Clone, Copy)]
pub struct Target {
    /// Name, as in `corpus/<name>/` and `fuzz_targets/<name>.rs`.
    pub name: &'static str,
    /// Runs one input; panics on a find.
    pub run: fn(&[u8]),
}

/// Every target, in the order `make fuzz` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "rules_compile",
        run: targets::rules_compile,
    },
    Target {
        name: "rules_apply_value",
        run: targets::rules_apply_value,
    },
    Target {
        name: "rules_apply_json_text",
        run: targets::rules_apply_json_text,
    },
    Target {
        name: "rules_apply_slots",
        run: targets::rules_apply_slots,
    },
    Target {
        name: "request_build",
        run: targets::request_build,
    },
    Target {
        name: "client_decode",
        run: targets::client_decode,
    },
    Target {
        name: "codec_derive",
        run: targets::codec_derive,
    },
    Target {
        name: "response_classify",
        run: targets::response_classify,
    },
    Target {
        name: "outbox_restore",
        run: targets::outbox_restore,
    },
    Target {
        name: "stats_report",
        run: targets::stats_report,
    },
    Target {
        name: "stats_schedule",
        run: targets::stats_schedule,
    },
    Target {
        name: "flow_events",
        run: targets::flow_events,
    },
    Target {
        name: "intake_ghl_webhook",
        run: targets::intake_ghl_webhook,
    },
    Target {
        name: "intake_qwilr",
        run: targets::intake_qwilr,
    },
    Target {
        name: "intake_wishpond_capture",
        run: targets::intake_wishpond_capture,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

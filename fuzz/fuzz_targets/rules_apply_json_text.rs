//! libFuzzer entry of the `rules_apply_json_text` target (the target itself is in the library).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ghl_bridge_fuzz::targets::rules_apply_json_text(data));

//! libFuzzer entry of the `intake_ghl_webhook` target (the target itself is in the library).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ghl_bridge_fuzz::targets::intake_ghl_webhook(data));

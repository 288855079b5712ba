//! libFuzzer entry of the `flow_events` target (the target itself is in the library).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ghl_bridge_fuzz::targets::flow_events(data));

//! libFuzzer entry of the `codec_derive` target (the target itself is in the library).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ghl_bridge_fuzz::targets::codec_derive(data));

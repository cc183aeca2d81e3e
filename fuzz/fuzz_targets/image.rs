#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| roomdeck_core::fuzz::image(data));

//! Prints the result of a preset applied to a record file (a debugging aid).
fn main() {
    use ghl_bridge::rules::*;
    let args: Vec<String> = std::env::args().collect();
    let doc = if args[1] == "w" {
        presets::wishpond_lead()
    } else {
        presets::qwilr_events()
    };
    let c = compile(&doc, &CompileContext::default()).unwrap();
    let rec = std::fs::read_to_string(&args[2]).unwrap();
    let r = c.apply_json(&rec, &ApplyOptions::default()).unwrap();
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
}

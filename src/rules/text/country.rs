//! Country names and codes to ISO 3166-1 alpha-2.
//!
//! Invariant: names are matched after normalising (lower case, accents and punctuation
//! removed, `&` read as `and`, spaces collapsed); two-letter inputs must be assigned codes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// `(alpha-2, normalised names and aliases, alpha-3 included)`.
const COUNTRIES: &[(&str, &[&str])] = &[
    ("AD", &["andorra", "principality of andorra", "and"]),
    ("AE", &["united arab emirates", "are", "uae", "emirates"]),
    (
        "AF",
        &["afghanistan", "islamic republic of afghanistan", "afg"],
    ),
    ("AG", &["antigua and barbuda", "atg"]),
    ("AI", &["anguilla", "aia"]),
    ("AL", &["albania", "republic of albania", "alb"]),
    ("AM", &["armenia", "republic of armenia", "arm"]),
    ("AO", &["angola", "republic of angola", "ago"]),
    ("AQ", &["antarctica", "ata"]),
    ("AR", &["argentina", "argentine republic", "arg"]),
    ("AS", &["american samoa", "asm"]),
    ("AT", &["austria", "republic of austria", "aut"]),
    ("AU", &["australia", "aus"]),
    ("AW", &["aruba", "abw"]),
    ("AX", &["aland islands", "ala"]),
    ("AZ", &["azerbaijan", "republic of azerbaijan", "aze"]),
    (
        "BA",
        &[
            "bosnia and herzegovina",
            "republic of bosnia and herzegovina",
            "bih",
        ],
    ),
    ("BB", &["barbados", "brb"]),
    (
        "BD",
        &["bangladesh", "people s republic of bangladesh", "bgd"],
    ),
    ("BE", &["belgium", "kingdom of belgium", "bel"]),
    ("BF", &["burkina faso", "bfa"]),
    ("BG", &["bulgaria", "republic of bulgaria", "bgr"]),
    ("BH", &["bahrain", "kingdom of bahrain", "bhr"]),
    ("BI", &["burundi", "republic of burundi", "bdi"]),
    ("BJ", &["benin", "republic of benin", "ben"]),
    ("BL", &["saint barthelemy", "blm"]),
    ("BM", &["bermuda", "bmu"]),
    ("BN", &["brunei darussalam", "brn", "brunei"]),
    (
        "BO",
        &[
            "bolivia plurinational state of",
            "bolivia",
            "plurinational state of bolivia",
            "bol",
        ],
    ),
    ("BQ", &["bonaire sint eustatius and saba", "bes"]),
    (
        "BR",
        &["brazil", "federative republic of brazil", "bra", "brasil"],
    ),
    ("BS", &["bahamas", "commonwealth of the bahamas", "bhs"]),
    ("BT", &["bhutan", "kingdom of bhutan", "btn"]),
    ("BV", &["bouvet island", "bvt"]),
    ("BW", &["botswana", "republic of botswana", "bwa"]),
    ("BY", &["belarus", "republic of belarus", "blr"]),
    ("BZ", &["belize", "blz"]),
    ("CA", &["canada", "can"]),
    ("CC", &["cocos keeling islands", "cck"]),
    (
        "CD",
        &[
            "congo the democratic republic of the",
            "cod",
            "dr congo",
            "democratic republic of the congo",
            "congo kinshasa",
        ],
    ),
    ("CF", &["central african republic", "caf"]),
    (
        "CG",
        &["congo", "republic of the congo", "cog", "congo brazzaville"],
    ),
    ("CH", &["switzerland", "swiss confederation", "che"]),
    (
        "CI",
        &[
            "cote d ivoire",
            "republic of cote d ivoire",
            "civ",
            "ivory coast",
        ],
    ),
    ("CK", &["cook islands", "cok"]),
    ("CL", &["chile", "republic of chile", "chl"]),
    ("CM", &["cameroon", "republic of cameroon", "cmr"]),
    ("CN", &["china", "people s republic of china", "chn"]),
    ("CO", &["colombia", "republic of colombia", "col"]),
    ("CR", &["costa rica", "republic of costa rica", "cri"]),
    ("CU", &["cuba", "republic of cuba", "cub"]),
    (
        "CV",
        &["cabo verde", "republic of cabo verde", "cpv", "cape verde"],
    ),
    ("CW", &["curacao", "cuw"]),
    ("CX", &["christmas island", "cxr"]),
    ("CY", &["cyprus", "republic of cyprus", "cyp"]),
    ("CZ", &["czechia", "czech republic", "cze"]),
    (
        "DE",
        &[
            "germany",
            "federal republic of germany",
            "deu",
            "deutschland",
        ],
    ),
    ("DJ", &["djibouti", "republic of djibouti", "dji"]),
    ("DK", &["denmark", "kingdom of denmark", "dnk"]),
    ("DM", &["dominica", "commonwealth of dominica", "dma"]),
    ("DO", &["dominican republic", "dom"]),
    (
        "DZ",
        &["algeria", "people s democratic republic of algeria", "dza"],
    ),
    ("EC", &["ecuador", "republic of ecuador", "ecu"]),
    ("EE", &["estonia", "republic of estonia", "est"]),
    ("EG", &["egypt", "arab republic of egypt", "egy"]),
    ("EH", &["western sahara", "esh"]),
    ("ER", &["eritrea", "the state of eritrea", "eri"]),
    ("ES", &["spain", "kingdom of spain", "esp", "espana"]),
    (
        "ET",
        &["ethiopia", "federal democratic republic of ethiopia", "eth"],
    ),
    ("FI", &["finland", "republic of finland", "fin"]),
    ("FJ", &["fiji", "republic of fiji", "fji"]),
    ("FK", &["falkland islands malvinas", "flk"]),
    (
        "FM",
        &[
            "micronesia federated states of",
            "federated states of micronesia",
            "fsm",
            "micronesia",
        ],
    ),
    ("FO", &["faroe islands", "fro"]),
    ("FR", &["france", "french republic", "fra"]),
    ("GA", &["gabon", "gabonese republic", "gab"]),
    (
        "GB",
        &[
            "united kingdom",
            "united kingdom of great britain and northern ireland",
            "gbr",
            "uk",
            "u k",
            "great britain",
            "england",
            "scotland",
            "wales",
            "northern ireland",
            "britain",
        ],
    ),
    ("GD", &["grenada", "grd"]),
    ("GE", &["georgia", "geo"]),
    ("GF", &["french guiana", "guf"]),
    ("GG", &["guernsey", "ggy"]),
    ("GH", &["ghana", "republic of ghana", "gha"]),
    ("GI", &["gibraltar", "gib"]),
    ("GL", &["greenland", "grl"]),
    ("GM", &["gambia", "republic of the gambia", "gmb"]),
    ("GN", &["guinea", "republic of guinea", "gin"]),
    ("GP", &["guadeloupe", "glp"]),
    (
        "GQ",
        &["equatorial guinea", "republic of equatorial guinea", "gnq"],
    ),
    ("GR", &["greece", "hellenic republic", "grc"]),
    (
        "GS",
        &["south georgia and the south sandwich islands", "sgs"],
    ),
    ("GT", &["guatemala", "republic of guatemala", "gtm"]),
    ("GU", &["guam", "gum"]),
    ("GW", &["guinea bissau", "republic of guinea bissau", "gnb"]),
    ("GY", &["guyana", "republic of guyana", "guy"]),
    (
        "HK",
        &[
            "hong kong",
            "hong kong special administrative region of china",
            "hkg",
        ],
    ),
    ("HM", &["heard island and mcdonald islands", "hmd"]),
    ("HN", &["honduras", "republic of honduras", "hnd"]),
    ("HR", &["croatia", "republic of croatia", "hrv"]),
    ("HT", &["haiti", "republic of haiti", "hti"]),
    ("HU", &["hungary", "hun"]),
    ("ID", &["indonesia", "republic of indonesia", "idn"]),
    ("IE", &["ireland", "irl"]),
    ("IL", &["israel", "state of israel", "isr"]),
    ("IM", &["isle of man", "imn"]),
    ("IN", &["india", "republic of india", "ind"]),
    ("IO", &["british indian ocean territory", "iot"]),
    ("IQ", &["iraq", "republic of iraq", "irq"]),
    (
        "IR",
        &[
            "iran islamic republic of",
            "iran",
            "islamic republic of iran",
            "irn",
        ],
    ),
    ("IS", &["iceland", "republic of iceland", "isl"]),
    ("IT", &["italy", "italian republic", "ita"]),
    ("JE", &["jersey", "jey"]),
    ("JM", &["jamaica", "jam"]),
    ("JO", &["jordan", "hashemite kingdom of jordan", "jor"]),
    ("JP", &["japan", "jpn"]),
    ("KE", &["kenya", "republic of kenya", "ken"]),
    ("KG", &["kyrgyzstan", "kyrgyz republic", "kgz"]),
    ("KH", &["cambodia", "kingdom of cambodia", "khm"]),
    ("KI", &["kiribati", "republic of kiribati", "kir"]),
    ("KM", &["comoros", "union of the comoros", "com"]),
    ("KN", &["saint kitts and nevis", "kna"]),
    (
        "KP",
        &[
            "korea democratic people s republic of",
            "north korea",
            "democratic people s republic of korea",
            "prk",
        ],
    ),
    ("KR", &["korea republic of", "south korea", "kor", "korea"]),
    ("KW", &["kuwait", "state of kuwait", "kwt"]),
    ("KY", &["cayman islands", "cym"]),
    ("KZ", &["kazakhstan", "republic of kazakhstan", "kaz"]),
    ("LA", &["lao people s democratic republic", "laos", "lao"]),
    ("LB", &["lebanon", "lebanese republic", "lbn"]),
    ("LC", &["saint lucia", "lca"]),
    (
        "LI",
        &["liechtenstein", "principality of liechtenstein", "lie"],
    ),
    (
        "LK",
        &[
            "sri lanka",
            "democratic socialist republic of sri lanka",
            "lka",
        ],
    ),
    ("LR", &["liberia", "republic of liberia", "lbr"]),
    ("LS", &["lesotho", "kingdom of lesotho", "lso"]),
    ("LT", &["lithuania", "republic of lithuania", "ltu"]),
    ("LU", &["luxembourg", "grand duchy of luxembourg", "lux"]),
    ("LV", &["latvia", "republic of latvia", "lva"]),
    ("LY", &["libya", "lby"]),
    ("MA", &["morocco", "kingdom of morocco", "mar"]),
    ("MC", &["monaco", "principality of monaco", "mco"]),
    (
        "MD",
        &[
            "moldova republic of",
            "moldova",
            "republic of moldova",
            "mda",
        ],
    ),
    ("ME", &["montenegro", "mne"]),
    ("MF", &["saint martin french part", "maf"]),
    ("MG", &["madagascar", "republic of madagascar", "mdg"]),
    (
        "MH",
        &[
            "marshall islands",
            "republic of the marshall islands",
            "mhl",
        ],
    ),
    (
        "MK",
        &[
            "north macedonia",
            "republic of north macedonia",
            "mkd",
            "macedonia",
        ],
    ),
    ("ML", &["mali", "republic of mali", "mli"]),
    ("MM", &["myanmar", "republic of myanmar", "mmr", "burma"]),
    ("MN", &["mongolia", "mng"]),
    (
        "MO",
        &[
            "macao",
            "macao special administrative region of china",
            "mac",
        ],
    ),
    (
        "MP",
        &[
            "northern mariana islands",
            "commonwealth of the northern mariana islands",
            "mnp",
        ],
    ),
    ("MQ", &["martinique", "mtq"]),
    (
        "MR",
        &["mauritania", "islamic republic of mauritania", "mrt"],
    ),
    ("MS", &["montserrat", "msr"]),
    ("MT", &["malta", "republic of malta", "mlt"]),
    ("MU", &["mauritius", "republic of mauritius", "mus"]),
    ("MV", &["maldives", "republic of maldives", "mdv"]),
    ("MW", &["malawi", "republic of malawi", "mwi"]),
    ("MX", &["mexico", "united mexican states", "mex"]),
    ("MY", &["malaysia", "mys"]),
    ("MZ", &["mozambique", "republic of mozambique", "moz"]),
    ("NA", &["namibia", "republic of namibia", "nam"]),
    ("NC", &["new caledonia", "ncl"]),
    ("NE", &["niger", "republic of the niger", "ner"]),
    ("NF", &["norfolk island", "nfk"]),
    ("NG", &["nigeria", "federal republic of nigeria", "nga"]),
    ("NI", &["nicaragua", "republic of nicaragua", "nic"]),
    (
        "NL",
        &[
            "netherlands",
            "kingdom of the netherlands",
            "nld",
            "holland",
            "the netherlands",
        ],
    ),
    ("NO", &["norway", "kingdom of norway", "nor"]),
    (
        "NP",
        &["nepal", "federal democratic republic of nepal", "npl"],
    ),
    ("NR", &["nauru", "republic of nauru", "nru"]),
    ("NU", &["niue", "niu"]),
    ("NZ", &["new zealand", "nzl"]),
    ("OM", &["oman", "sultanate of oman", "omn"]),
    ("PA", &["panama", "republic of panama", "pan"]),
    ("PE", &["peru", "republic of peru", "per"]),
    ("PF", &["french polynesia", "pyf"]),
    (
        "PG",
        &[
            "papua new guinea",
            "independent state of papua new guinea",
            "png",
        ],
    ),
    ("PH", &["philippines", "republic of the philippines", "phl"]),
    ("PK", &["pakistan", "islamic republic of pakistan", "pak"]),
    ("PL", &["poland", "republic of poland", "pol"]),
    ("PM", &["saint pierre and miquelon", "spm"]),
    ("PN", &["pitcairn", "pcn"]),
    ("PR", &["puerto rico", "pri"]),
    (
        "PS",
        &[
            "palestine state of",
            "the state of palestine",
            "pse",
            "palestine",
        ],
    ),
    ("PT", &["portugal", "portuguese republic", "prt"]),
    ("PW", &["palau", "republic of palau", "plw"]),
    ("PY", &["paraguay", "republic of paraguay", "pry"]),
    ("QA", &["qatar", "state of qatar", "qat"]),
    ("RE", &["reunion", "reu"]),
    ("RO", &["romania", "rou"]),
    ("RS", &["serbia", "republic of serbia", "srb"]),
    ("RU", &["russian federation", "rus", "russia"]),
    ("RW", &["rwanda", "rwandese republic", "rwa"]),
    ("SA", &["saudi arabia", "kingdom of saudi arabia", "sau"]),
    ("SB", &["solomon islands", "slb"]),
    ("SC", &["seychelles", "republic of seychelles", "syc"]),
    ("SD", &["sudan", "republic of the sudan", "sdn"]),
    ("SE", &["sweden", "kingdom of sweden", "swe"]),
    ("SG", &["singapore", "republic of singapore", "sgp"]),
    (
        "SH",
        &["saint helena ascension and tristan da cunha", "shn"],
    ),
    ("SI", &["slovenia", "republic of slovenia", "svn"]),
    ("SJ", &["svalbard and jan mayen", "sjm"]),
    ("SK", &["slovakia", "slovak republic", "svk"]),
    ("SL", &["sierra leone", "republic of sierra leone", "sle"]),
    ("SM", &["san marino", "republic of san marino", "smr"]),
    ("SN", &["senegal", "republic of senegal", "sen"]),
    ("SO", &["somalia", "federal republic of somalia", "som"]),
    ("SR", &["suriname", "republic of suriname", "sur"]),
    ("SS", &["south sudan", "republic of south sudan", "ssd"]),
    (
        "ST",
        &[
            "sao tome and principe",
            "democratic republic of sao tome and principe",
            "stp",
        ],
    ),
    ("SV", &["el salvador", "republic of el salvador", "slv"]),
    ("SX", &["sint maarten dutch part", "sxm"]),
    ("SY", &["syrian arab republic", "syria", "syr"]),
    (
        "SZ",
        &["eswatini", "kingdom of eswatini", "swz", "swaziland"],
    ),
    ("TC", &["turks and caicos islands", "tca"]),
    ("TD", &["chad", "republic of chad", "tcd"]),
    ("TF", &["french southern territories", "atf"]),
    ("TG", &["togo", "togolese republic", "tgo"]),
    ("TH", &["thailand", "kingdom of thailand", "tha"]),
    ("TJ", &["tajikistan", "republic of tajikistan", "tjk"]),
    ("TK", &["tokelau", "tkl"]),
    (
        "TL",
        &["timor leste", "democratic republic of timor leste", "tls"],
    ),
    ("TM", &["turkmenistan", "tkm"]),
    ("TN", &["tunisia", "republic of tunisia", "tun"]),
    ("TO", &["tonga", "kingdom of tonga", "ton"]),
    ("TR", &["turkiye", "republic of turkiye", "tur", "turkey"]),
    (
        "TT",
        &[
            "trinidad and tobago",
            "republic of trinidad and tobago",
            "tto",
        ],
    ),
    ("TV", &["tuvalu", "tuv"]),
    ("TW", &["taiwan province of china", "taiwan", "twn"]),
    (
        "TZ",
        &[
            "tanzania united republic of",
            "tanzania",
            "united republic of tanzania",
            "tza",
        ],
    ),
    ("UA", &["ukraine", "ukr"]),
    ("UG", &["uganda", "republic of uganda", "uga"]),
    ("UM", &["united states minor outlying islands", "umi"]),
    (
        "US",
        &[
            "united states",
            "united states of america",
            "usa",
            "america",
            "u s",
            "u s a",
        ],
    ),
    ("UY", &["uruguay", "eastern republic of uruguay", "ury"]),
    ("UZ", &["uzbekistan", "republic of uzbekistan", "uzb"]),
    (
        "VA",
        &[
            "holy see vatican city state",
            "vat",
            "vatican",
            "vatican city",
        ],
    ),
    ("VC", &["saint vincent and the grenadines", "vct"]),
    (
        "VE",
        &[
            "venezuela bolivarian republic of",
            "venezuela",
            "bolivarian republic of venezuela",
            "ven",
        ],
    ),
    (
        "VG",
        &["virgin islands british", "british virgin islands", "vgb"],
    ),
    (
        "VI",
        &[
            "virgin islands u s",
            "virgin islands of the united states",
            "vir",
        ],
    ),
    (
        "VN",
        &[
            "viet nam",
            "vietnam",
            "socialist republic of viet nam",
            "vnm",
        ],
    ),
    ("VU", &["vanuatu", "republic of vanuatu", "vut"]),
    ("WF", &["wallis and futuna", "wlf"]),
    ("WS", &["samoa", "independent state of samoa", "wsm"]),
    ("XK", &["kosovo", "xkx"]),
    ("YE", &["yemen", "republic of yemen", "yem"]),
    ("YT", &["mayotte", "myt"]),
    ("ZA", &["south africa", "republic of south africa", "zaf"]),
    ("ZM", &["zambia", "republic of zambia", "zmb"]),
    ("ZW", &["zimbabwe", "republic of zimbabwe", "zwe"]),
];

fn index() -> &'static HashMap<&'static str, &'static str> {
    static INDEX: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (code, names) in COUNTRIES {
            for n in *names {
                m.entry(*n).or_insert(*code);
            }
        }
        m
    })
}

/// Normalises a country name for lookup.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = fold(c);
        if c == '&' {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str("and");
            space = true;
        } else if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            crate::codec::case::push_lower(c, &mut out);
        } else {
            space = true;
        }
    }
    out
}

/// Folds common accented Latin letters to ASCII.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'Å' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// ISO-2 code of a country name, alias, ISO-2 or ISO-3 code (`"United States of
/// America"`, `"usa"`, `"Deutschland"`, `"gb"`); `None` when unknown.
pub fn to_iso2(input: &str) -> Option<&'static str> {
    let t = super::trim(input);
    if t.len() == 2 && t.bytes().all(|c| c.is_ascii_alphabetic()) {
        let up = t.to_ascii_uppercase();
        let hit = COUNTRIES
            .binary_search_by(|(c, _)| (*c).cmp(up.as_str()))
            .ok()
            .and_then(|i| COUNTRIES.get(i))
            .map(|(c, _)| *c);
        if hit.is_some() {
            return hit;
        }
    }
    let n = normalise(t);
    let n = n.strip_prefix("the ").unwrap_or(&n);
    index().get(n).copied()
}

/// Is this an assigned ISO-2 code (upper case)?
pub fn is_iso2(code: &str) -> bool {
    COUNTRIES.binary_search_by(|(c, _)| (*c).cmp(code)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        for (input, want) in [
            ("United States of America", "US"),
            ("USA", "US"),
            ("u.s.a.", "US"),
            ("United Kingdom", "GB"),
            ("uk", "GB"),
            (" Deutschland ", "DE"),
            ("Germany", "DE"),
            ("DEU", "DE"),
            ("fr", "FR"),
            ("Côte d'Ivoire", "CI"),
            ("Bosnia & Herzegovina", "BA"),
            ("the Netherlands", "NL"),
            ("South Korea", "KR"),
            ("New Zealand", "NZ"),
        ] {
            assert_eq!(to_iso2(input), Some(want), "{input}");
        }
        assert_eq!(to_iso2("Atlantis"), None);
        assert_eq!(to_iso2("QQ"), None);
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
    }
}

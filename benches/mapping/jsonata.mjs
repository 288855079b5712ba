// The benchmark's 20-rule mapping (benches/data/rules-20.json) written as one JSONata
// expression, with the same semantics as the rules engine on these leads.

export const EXPRESSION = `
(
  $blank := function($v) { $not($exists($v)) or $trim($string($v)) = "" };
  $text := function($v) { $not($blank($v)) ? $string($v) };
  $title := function($s) {
    $replace($lowercase($s), /(^|[\\s\\-'\\(\\x2F.])([a-z0-9à-ɏ])/, function($m) { $m.groups[0] & $uppercase($m.groups[1]) })
  };
  $phone := function($raw) {(
    $s := $trim($raw);
    $d := $replace($s, /[^0-9]/, "");
    $first := $substring($d, 0, 1);
    $contains($s, /^[+]?[0-9 \\-.\\(\\)\\x2F]+$/) ? (
      $substring($s, 0, 1) = "+"
        ? ($length($d) >= 8 and $length($d) <= 15 and $first != "0" ? "+" & $d)
        : $length($d) = 10 and $first != "0" and $first != "1" ? "+1" & $d
        : $length($d) = 11 and $first = "1" ? "+" & $d
    )
  )};
  $date := function($raw) {(
    $m := $match($trim($raw), /^([0-9]{1,2})\\x2F([0-9]{1,2})\\x2F([0-9]{4})$/);
    $m ? (
      $y := $number($m.groups[2]);
      $mo := $number($m.groups[0]);
      $d := $number($m.groups[1]);
      $leap := $y % 4 = 0 and ($y % 100 != 0 or $y % 400 = 0);
      $days := [31, $leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
      $y >= 1000 and $mo >= 1 and $mo <= 12 and $d >= 1 and $d <= $days[$mo - 1]
        ? $m.groups[2] & "-" & $pad($string($mo), -2, "0") & "-" & $pad($string($d), -2, "0")
    )
  )};
  $countries := {
    "united states": "US", "usa": "US", "us": "US", "canada": "CA", "united kingdom": "GB",
    "uk": "GB", "germany": "DE", "france": "FR", "australia": "AU"
  };
  $tag := function($t) {( $n := $substring($lowercase($trim($t)), 0, 64); $n != "" ? $n )};
  $l := lead;
  $u := lead.utm;
  $phoneIn := $text($l.phone);
  $phoneOut := $phoneIn ? $phone($phoneIn);
  $birthIn := $text($l.birthday);
  $birthOut := $birthIn ? $date($birthIn);
  $country := $text($l.country);
  $source := $text($l.source);
  $optedIn := $l.opted_in = true or $lowercase($trim($string($l.opted_in))) = "true";
  $paid := $lowercase($trim($string($u.medium))) in ["cpc", "ppc", "paid"];
  $leadTags := [$l.tags.$split($string($), ",").$tag($)];
  $adds := $distinct([$leadTags, "wishpond", $tag("campaign: " & $trim(campaign.name)),
    $paid ? "paid-traffic", $optedIn ? "newsletter"]);
  $custom := function($key, $v, $lower) {( $t := $text($v); $t ? { "key": $key, "field_value": $lower ? $lowercase($trim($t)) : $trim($t) } )};
  $customFields := [
    $custom("contact.utm_source", $u.source, true),
    $custom("contact.utm_medium", $u.medium, true),
    $custom("contact.utm_campaign", $u.campaign, false),
    $custom("contact.utm_term", $u.term, false),
    $custom("contact.utm_content", $u.content, false)
  ];
  {
    "upsert": {
      "firstName": $text($l.first_name) ? $title($trim($l.first_name)),
      "lastName": $text($l.last_name) ? $title($trim($l.last_name)),
      "email": $text($l.email) ? $lowercase($trim($l.email)),
      "phone": $phoneOut,
      "companyName": $text($l.company) ? $trim($l.company),
      "city": $text($l.city) ? $title($trim($l.city)),
      "state": $text($l.state) ? $uppercase($trim($l.state)),
      "postalCode": $text($l.zip) ? $trim($l.zip),
      "country": $country ? ($lookup($countries, $lowercase($trim($country))) ? $lookup($countries, $lowercase($trim($country))) : $country),
      "source": $source ? $trim($source) : "Wishpond",
      "dateOfBirth": $birthOut,
      "customFields": $count($customFields) > 0 ? $customFields
    },
    "tagsToAdd": $optedIn ? [$adds[$ != "unsubscribed"]] : $adds,
    "tagsToRemove": $optedIn ? ["unsubscribed"] : [],
    "ruleSet": "default",
    "warnings": [
      $phoneIn and $not($exists($phoneOut)) ? {
        "rule": "phone", "code": "INVALID_PHONE",
        "message": "'" & $phoneIn & "' is not a phone number we can read, so it was left out (rule 'phone')."
      },
      $birthIn and $not($exists($birthOut)) ? {
        "rule": "birthday", "code": "INVALID_DATE",
        "message": "'" & $birthIn & "' is not a date we can read, so it was left out (rule 'birthday')."
      }
    ]
  }
)
`;

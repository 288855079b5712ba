//! The contact fields an upsert takes as text: the part of the contact body the
//! mapping rules write. Defined here (the rules crate) because the rules engine fills
//! them; `ghl_bridge::api::contacts` re-exports both items.

use crate::codec::{FromJson, ToJson};
use serde::{Deserialize, Serialize};

/// The contact fields an upsert takes as text, in [`STRING_FIELDS`] order: the part
/// of the body the mapping rules write ([`crate::UpsertBody`]) and `api::UpsertContact`
/// sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToJson, Deserialize, FromJson)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email (a match key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone (a match key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Source label (e.g. `wishpond`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

impl ContactFields {
    /// Sets a field by its index in [`STRING_FIELDS`] (an unknown index sets nothing).
    pub fn set(&mut self, idx: usize, v: String) {
        let f = match idx {
            0 => &mut self.first_name,
            1 => &mut self.last_name,
            2 => &mut self.name,
            3 => &mut self.email,
            4 => &mut self.phone,
            5 => &mut self.company_name,
            6 => &mut self.address1,
            7 => &mut self.city,
            8 => &mut self.state,
            9 => &mut self.postal_code,
            10 => &mut self.country,
            11 => &mut self.website,
            12 => &mut self.timezone,
            13 => &mut self.source,
            14 => &mut self.date_of_birth,
            _ => return,
        };
        *f = Some(v);
    }
}

/// The fields of [`ContactFields`] (JSON names), in output order. The mapping
/// rules write exactly these (`rules::STANDARD_FIELDS`).
pub const STRING_FIELDS: [&str; 15] = [
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "source",
    "dateOfBirth",
];

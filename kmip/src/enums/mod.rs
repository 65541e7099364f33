//! KMIP enumerations and bit masks as data tables (KMIP 2.1 §11, §12).
//!
//! Each enumeration is a module with one `u32` constant per value, named as in
//! the KMIP XML encoding (`operation::Create`, `result_reason::ItemNotFound`),
//! usable in `match` patterns, plus a `TABLE` listing every (name, value) pair
//! for the XML codec and for diagnostics. Which tag uses which table is in
//! [`crate::tables`].

/// One enumeration (or bit mask): its spec name and its named values.
#[derive(Debug, PartialEq, Eq)]
pub struct Enumeration {
    /// The spec's name for the enumeration, e.g. `"Cryptographic Algorithm"`.
    pub name: &'static str,
    /// (XML name, value) pairs in spec order.
    pub values: &'static [(&'static str, u32)],
}

impl Enumeration {
    /// The value with this XML name.
    pub fn value_of(&self, name: &str) -> Option<u32> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The XML name of this value.
    pub fn name_of(&self, value: u32) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(_, v)| *v == value)
            .map(|(n, _)| *n)
    }
}

/// Defines one enumeration module: `name = "Spec Name" { Value = 0x01, ... }`.
macro_rules! enumeration {
    ($(#[$doc:meta])* $module:ident = $title:literal { $($name:ident = $value:literal),* $(,)? }) => {
        $(#[$doc])*
        #[allow(non_upper_case_globals)]
        pub mod $module {
            $(
                #[doc = concat!("`", stringify!($name), "` = ", stringify!($value))]
                pub const $name: u32 = $value;
            )*
            /// Every (XML name, value) pair of this enumeration.
            pub const TABLE: $crate::enums::Enumeration = $crate::enums::Enumeration {
                name: $title,
                values: &[$((stringify!($name), $value),)*],
            };
        }
    };
}

mod crypto;
mod message;
mod object;

pub use crypto::*;
pub use message::*;
pub use object::*;

//! The derives of `libpython`'s conversion traits, re-exported by `libpython` (feature
//! `derive`, on by default) as `libpython::ToPython` and `libpython::FromPython`; see there
//! for examples.
//!
//! A struct with named fields becomes a `dict` keyed by the field names (interned once per
//! interpreter) and is read back from any `dict`, its other keys ignored; a tuple struct
//! with one field is that field's object; one with more becomes a `tuple` and is read from a
//! `tuple` or `list` of that length; a unit struct is `None`. A field's key is renamed with
//! `#[libpython(rename = "key")]`, and `#[libpython(default)]` reads a missing key as the
//! field type's `Default`. Type parameters get the trait as a bound.

use proc_macro::TokenStream;

mod expand;
mod shape;

/// Derives `libpython::ToPython` for a struct (see the crate's documentation).
#[proc_macro_derive(ToPython, attributes(libpython))]
pub fn derive_to_python(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    shape::Shape::of(&input)
        .map(|shape| expand::to_python(&input, &shape))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `libpython::FromPython` for a struct (see the crate's documentation).
#[proc_macro_derive(FromPython, attributes(libpython))]
pub fn derive_from_python(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    shape::Shape::of(&input)
        .map(|shape| expand::from_python(&input, &shape))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

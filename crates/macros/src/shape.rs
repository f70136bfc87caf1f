//! What a derive input is, for the conversions: the struct's kind and, for named fields,
//! each field's key.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

/// The shape of a struct the derives accept.
pub(crate) enum Shape {
    /// Named fields: a `dict`, one key per field.
    Named(Vec<Named>),
    /// A tuple struct of one field: that field's object.
    Newtype,
    /// A tuple struct of several fields: a `tuple` of them.
    Tuple(usize),
    /// A unit struct (or one with no fields): `None`.
    Unit,
}

/// A named field and its key.
pub(crate) struct Named {
    pub(crate) ident: syn::Ident,
    pub(crate) key: LitStr,
}

impl Shape {
    /// The shape of `input`, or an error pointing at what the derives cannot convert (an
    /// enum, a union, an attribute they do not know).
    pub(crate) fn of(input: &DeriveInput) -> syn::Result<Shape> {
        for attr in &input.attrs {
            if attr.path().is_ident("libpython") {
                return Err(syn::Error::new(
                    attr.span(),
                    "`#[libpython(...)]` goes on fields (`rename = \"key\"`), not on the struct",
                ));
            }
        }
        let data = match &input.data {
            Data::Struct(s) => s,
            Data::Enum(e) => {
                return Err(syn::Error::new(
                    e.enum_token.span(),
                    "ToPython / FromPython can be derived for structs only; convert an enum \
                     through serde (`libpython::Serde`) or implement the traits by hand",
                ));
            }
            Data::Union(u) => {
                return Err(syn::Error::new(
                    u.union_token.span(),
                    "ToPython / FromPython cannot be derived for a union",
                ));
            }
        };
        match &data.fields {
            Fields::Named(fields) => fields
                .named
                .iter()
                .map(|f| {
                    let ident = f.ident.clone().expect("named fields have names");
                    let key = rename(f)?.unwrap_or_else(|| {
                        let text = ident.to_string();
                        let text = text.strip_prefix("r#").unwrap_or(&text);
                        LitStr::new(text, ident.span())
                    });
                    Ok(Named { ident, key })
                })
                .collect::<syn::Result<_>>()
                .map(Shape::Named),
            Fields::Unnamed(fields) => {
                for f in &fields.unnamed {
                    if let Some(attr) = f.attrs.iter().find(|a| a.path().is_ident("libpython")) {
                        return Err(syn::Error::new(
                            attr.span(),
                            "`rename` names a dict key: a tuple struct's fields have none",
                        ));
                    }
                }
                Ok(match fields.unnamed.len() {
                    0 => Shape::Unit,
                    1 => Shape::Newtype,
                    n => Shape::Tuple(n),
                })
            }
            Fields::Unit => Ok(Shape::Unit),
        }
    }
}

/// The key given by a field's `#[libpython(rename = "key")]`, if any.
fn rename(field: &syn::Field) -> syn::Result<Option<LitStr>> {
    let mut key = None;
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("libpython"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if key.is_some() {
                    return Err(meta.error("`rename` is given twice"));
                }
                key = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error("unknown libpython attribute: the one known is `rename = \"key\"`"))
            }
        })?;
    }
    Ok(key)
}

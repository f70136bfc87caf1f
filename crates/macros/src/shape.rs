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

/// A named field, its key, and whether a missing key reads as the field type's default.
pub(crate) struct Named {
    pub(crate) ident: syn::Ident,
    pub(crate) key: LitStr,
    pub(crate) default: bool,
}

impl Shape {
    /// The shape of `input`, or an error pointing at what the derives cannot convert (an
    /// enum, a union, an attribute they do not know).
    pub(crate) fn of(input: &DeriveInput) -> syn::Result<Shape> {
        for attr in &input.attrs {
            if attr.path().is_ident("libpython") {
                return Err(syn::Error::new(
                    attr.span(),
                    "`#[libpython(...)]` goes on fields (`rename = \"key\"`, `default`), not on the struct",
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
                    let attrs = field_attrs(f)?;
                    let key = attrs.rename.unwrap_or_else(|| {
                        let text = ident.to_string();
                        let text = text.strip_prefix("r#").unwrap_or(&text);
                        LitStr::new(text, ident.span())
                    });
                    Ok(Named {
                        ident,
                        key,
                        default: attrs.default,
                    })
                })
                .collect::<syn::Result<_>>()
                .map(Shape::Named),
            Fields::Unnamed(fields) => {
                for f in &fields.unnamed {
                    if let Some(attr) = f.attrs.iter().find(|a| a.path().is_ident("libpython")) {
                        return Err(syn::Error::new(
                            attr.span(),
                            "`#[libpython(...)]` is about dict keys: a tuple struct's fields have none",
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

/// What a field's `#[libpython(...)]` attributes say.
#[derive(Default)]
struct FieldAttrs {
    /// `rename = "key"`: the field's key.
    rename: Option<LitStr>,
    /// `default`: a missing key reads as the field type's `Default`.
    default: bool,
}

/// The `#[libpython(...)]` attributes of a field.
fn field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut attrs = FieldAttrs::default();
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("libpython"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if attrs.rename.is_some() {
                    return Err(meta.error("`rename` is given twice"));
                }
                attrs.rename = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else if meta.path.is_ident("default") {
                if attrs.default {
                    return Err(meta.error("`default` is given twice"));
                }
                attrs.default = true;
                Ok(())
            } else {
                Err(meta.error(
                    "unknown libpython attribute: the known ones are `rename = \"key\"` and `default`",
                ))
            }
        })?;
    }
    Ok(attrs)
}

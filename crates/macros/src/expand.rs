//! The code each derive writes: calls into `libpython::__derive`, which does the work with
//! the crate's own (sealed) fast paths.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{DeriveInput, GenericParam, Generics, Index, parse_quote};

use crate::shape::Shape;

/// `generics` with `bound` added to every type parameter.
fn bounded(generics: &Generics, bound: TokenStream) -> Generics {
    let mut generics = generics.clone();
    for param in &mut generics.params {
        if let GenericParam::Type(t) = param {
            t.bounds.push(parse_quote!(#bound));
        }
    }
    generics
}

/// `impl ToPython for T`.
pub(crate) fn to_python(input: &DeriveInput, shape: &Shape) -> TokenStream {
    let name = &input.ident;
    let generics = bounded(&input.generics, quote!(::libpython::ToPython));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = match shape {
        Shape::Named(fields) => {
            let sets = fields.iter().map(|f| {
                let (ident, key) = (&f.ident, &f.key);
                quote! {
                    ::libpython::__derive::set_field(&dict, ::libpython::intern!(#key), &self.#ident)?;
                }
            });
            quote! {
                let dict = ::libpython::__derive::new_dict(py)?;
                #(#sets)*
                ::core::result::Result::Ok(dict.unbind())
            }
        }
        Shape::Newtype => quote! {
            ::libpython::ToPython::to_python(&self.0, py)
        },
        Shape::Tuple(n) => {
            let items = (0..*n).map(|i| {
                let i = Index::from(i);
                quote!(::libpython::ToPython::to_python(&self.#i, py)?)
            });
            quote! {
                ::libpython::__derive::tuple(py, [#(#items),*])
            }
        }
        Shape::Unit => quote! {
            ::libpython::__derive::none(py)
        },
    };
    quote! {
        impl #impl_generics ::libpython::ToPython for #name #ty_generics #where_clause {
            #[inline]
            fn to_python(
                &self,
                py: ::libpython::Python<'_>,
            ) -> ::libpython::Result<::libpython::Object> {
                #body
            }
        }
    }
}

/// `impl FromPython for T`.
pub(crate) fn from_python(input: &DeriveInput, shape: &Shape) -> TokenStream {
    let name = &input.ident;
    let type_name = name.to_string();
    let generics = bounded(&input.generics, quote!(::libpython::FromPython));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = match shape {
        Shape::Named(fields) => {
            let reads = fields.iter().map(|f| {
                let (ident, key) = (&f.ident, &f.key);
                if f.default {
                    quote! {
                        #ident: ::libpython::__derive::field_or_default(dict, ::libpython::intern!(#key))?,
                    }
                } else {
                    quote! {
                        #ident: ::libpython::__derive::field(dict, ::libpython::intern!(#key), #type_name)?,
                    }
                }
            });
            quote! {
                let dict = ::libpython::__derive::fields(obj, #type_name)?;
                ::core::result::Result::Ok(#name { #(#reads)* })
            }
        }
        Shape::Newtype => quote! {
            ::core::result::Result::Ok(#name(::libpython::FromPython::from_python(obj)?))
        },
        Shape::Tuple(n) => {
            let vars: Vec<_> = (0..*n).map(|i| format_ident!("item{}", i)).collect();
            let reads = vars
                .iter()
                .enumerate()
                .map(|(i, v)| quote!(::libpython::__derive::item(&#v, #i)?));
            quote! {
                let [#(#vars),*] = ::libpython::__derive::items::<#n>(obj, #type_name)?;
                ::core::result::Result::Ok(#name(#(#reads),*))
            }
        }
        Shape::Unit => quote! {
            ::libpython::__derive::unit(obj, #type_name)?;
            ::core::result::Result::Ok(#name {})
        },
    };
    quote! {
        impl #impl_generics ::libpython::FromPython for #name #ty_generics #where_clause {
            #[inline]
            fn from_python(obj: &::libpython::Bound<'_>) -> ::libpython::Result<Self> {
                ::libpython::__derive::enter(#type_name)?;
                #body
            }
        }
    }
}

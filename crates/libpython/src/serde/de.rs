//! The deserializer: a tree of [`Node`]s (Python objects, or a `Value`) into any
//! `Deserialize` type. The walk, the nesting limit and the paths in errors are written once
//! here; what a node is and how its children are reached is the node's.

use std::borrow::Cow;
use std::marker::PhantomData;

use ::serde::Deserializer;
use ::serde::de::{self, DeserializeSeed, Visitor};

use crate::err::Error;

use super::error::{SerdeError, nesting_refused, text_step};

/// What a node is, for deserialisation.
pub(crate) enum Kind {
    None,
    Bool(bool),
    /// Read with [`Node::int`].
    Int,
    Float(f64),
    /// Read with [`Node::text`].
    Str,
    /// Read with [`Node::bytes`].
    Bytes,
    /// A list, tuple, set or frozenset: read with [`Node::items`].
    Seq,
    /// A dict: read with [`Node::entries`].
    Map,
    /// Anything else: refused with [`Node::unsupported`].
    Other,
}

/// An integer in the narrowest of serde's integer types that holds it.
pub(crate) enum Int {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
}

impl Int {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self {
            Int::I64(i) => visitor.visit_i64(i),
            Int::U64(u) => visitor.visit_u64(u),
            Int::I128(i) => visitor.visit_i128(i),
            Int::U128(u) => visitor.visit_u128(u),
        }
    }
}

/// One node of the data the deserializer reads, and what it needs of it. Reading a node's
/// children never recurses by itself: the deserializer descends one level per container
/// serde asks for, counting the levels.
pub(crate) trait Node: Clone {
    /// The items of a sequence node.
    type Items: Children<Child = Self>;
    /// The entries of a map node, as (key, value).
    type Entries: Children<Child = (Key<Self>, Self)>;
    /// The identities of the names of a struct's fields among the keys of the tree's maps,
    /// in the order of the fields, borrowed from where the tree keeps them (see
    /// [`field_keys`](Node::field_keys)).
    type FieldKeys: Copy + std::ops::Deref<Target = [usize]>;

    /// What the node is.
    fn kind(&self) -> Result<Kind, SerdeError>;
    /// The integer of a [`Kind::Int`] node.
    fn int(&self) -> Result<Int, SerdeError>;
    /// The text of a [`Kind::Str`] node.
    fn text(&self) -> Result<&str, SerdeError>;
    /// The bytes of a [`Kind::Bytes`] node (borrowed where they cannot change while read).
    fn bytes(&self) -> Result<Cow<'_, [u8]>, SerdeError>;
    /// The items of a [`Kind::Seq`] node (which they keep).
    fn items(self) -> Result<Self::Items, SerdeError>;
    /// The entries of a [`Kind::Map`] node; given the [`field_keys`](Node::field_keys) of a
    /// struct's fields, a key that is one of them comes as [`Key::Field`], unread. The entries
    /// keep the node.
    fn entries(self, fields: Option<Self::FieldKeys>) -> Result<Self::Entries, SerdeError>;

    /// [`entries`](Node::entries) walked in place, where the node needs holding.
    ///
    /// # Safety
    /// Every step of the walk is taken inside [`with_map_held`](Node::with_map_held) of this
    /// node.
    unsafe fn entries_held(
        self,
        fields: Option<Self::FieldKeys>,
    ) -> Result<Self::Entries, SerdeError> {
        self.entries(fields)
    }

    /// Whether reading a map node's entries needs it held against other threads
    /// ([`with_map_held`](Node::with_map_held)): Python's dicts on a free-threaded build.
    #[inline(always)]
    fn map_needs_holding(&self) -> bool {
        false
    }

    /// Runs `read` with this map node held against changes by other threads (Python: the
    /// dict's critical section, which they wait for as they wait for the GIL elsewhere; code
    /// `read` runs may suspend it, as it may release the GIL, which is why the walk keeps its
    /// checks). Only where [`map_needs_holding`](Node::map_needs_holding).
    fn with_map_held<R>(&self, read: impl FnOnce() -> R) -> R {
        read()
    }
    /// The one entry of a [`Kind::Map`] node read as an enum (`{variant: content}`); an
    /// error for any other number of entries.
    fn variant_entry(&self) -> Result<(Self, Self), SerdeError>;
    /// Whether the node is `None`.
    fn is_none(&self) -> bool;
    /// The node's type, for messages.
    fn type_label(&self) -> String;
    /// The path step of a dict entry whose key is this node (`.name`, `['key']`).
    fn key_step(&self) -> String;
    /// This node as a dict key named in the path of an error in the key itself.
    fn key_label(&self) -> String;
    /// The error for a [`Kind::Other`] node.
    fn unsupported(&self) -> SerdeError;
    /// The error for a node read as an enum that is neither a str nor a dict.
    fn not_an_enum(&self) -> SerdeError;

    /// For a [`Kind::Map`] node read as a struct with `fields`: the identities of the fields'
    /// names as keys, if this tree has such a thing (Python: the addresses of the interned
    /// `str`s of the names), for [`entries`](Node::entries): a key whose identity is the `i`th
    /// of them is the name `fields[i]`, and its text is not read.
    fn field_keys(&self, _fields: &'static [&'static str]) -> Option<Self::FieldKeys> {
        None
    }

    /// Whether the node is a plain map (Python: an exact `dict`), read as [`Kind::Map`]
    /// without asking its [`kind`](Node::kind).
    #[inline(always)]
    fn is_plain_map(&self) -> bool {
        false
    }

    /// A shortcut for reading a node serde expects to be a str: its text if it is a plain
    /// str, as [`text`](Node::text) gives it; `None` to read it through [`kind`](Node::kind).
    #[inline(always)]
    fn plain_text(&self) -> Option<Result<&str, SerdeError>> {
        None
    }

    /// A shortcut for reading a node serde expects to be a number: its value if it is a
    /// plain int that fits `i64`; `None` to read it through [`kind`](Node::kind).
    #[inline(always)]
    fn plain_i64(&self) -> Option<Result<i64, SerdeError>> {
        None
    }

    /// A shortcut for reading a node serde expects to be a float: its value if it is a plain
    /// float; `None` to read it through [`kind`](Node::kind).
    #[inline(always)]
    fn plain_f64(&self) -> Option<f64> {
        None
    }
}

/// The children of a container node, one at a time.
pub(crate) trait Children {
    /// An item, or a (key, value) entry.
    type Child;
    /// The next child, the `index`th (counted from 0: how many were read before it), or
    /// `None` at the end.
    fn next_child(&mut self, index: usize) -> Result<Option<Self::Child>, SerdeError>;
    /// How many children the container has (all of them, read or not), if known.
    fn len(&self) -> Option<usize>;
}

/// A map entry's key: one of the fields of the struct being read (its position in the
/// fields), known by its identity and not read, or any other key.
pub(crate) enum Key<N> {
    Field(usize),
    Other(N),
}

/// The position among a struct's field `keys` of the key whose identity is `id`, looked for
/// first at `expected` (the keys most often come in the fields' order).
#[inline(always)]
pub(crate) fn field_position(keys: &[usize], expected: usize, id: usize) -> Option<usize> {
    if keys.get(expected) == Some(&id) {
        Some(expected)
    } else {
        keys.iter().position(|&k| k == id)
    }
}

/// Deserializes one node at a nesting depth.
pub(crate) struct De<N> {
    node: N,
    depth: usize,
}

impl<N: Node> De<N> {
    /// The deserializer of a whole tree.
    pub(crate) fn new(node: N) -> De<N> {
        De { node, depth: 0 }
    }

    fn child(&self, node: N) -> De<N> {
        De {
            node,
            depth: self.depth + 1,
        }
    }

    fn check_depth(&self) -> Result<(), SerdeError> {
        match nesting_refused(self.depth) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<N: Node> De<N> {
    /// [`read`](Self::read) out of line: where a shortcut did not apply, so that what tries
    /// the shortcut stays small enough to inline where the value is asked for.
    #[inline(never)]
    fn read_any<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.read(visitor, None)
    }

    /// Reads the node with `visitor`, as a struct with `fields` if given.
    fn read<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, SerdeError> {
        match self.node.kind()? {
            Kind::None => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(b),
            Kind::Int => self.node.int()?.visit(visitor),
            Kind::Float(x) => visitor.visit_f64(x),
            Kind::Str => visitor.visit_str(self.node.text()?),
            Kind::Bytes => match self.node.bytes()? {
                Cow::Borrowed(b) => visitor.visit_bytes(b),
                Cow::Owned(b) => visitor.visit_byte_buf(b),
            },
            Kind::Seq => {
                self.check_depth()?;
                let depth = self.depth;
                let items = self.node.items()?;
                let mut seq = SeqDe::<N>::new(depth, items);
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            Kind::Map => self.read_map(visitor, fields),
            Kind::Other => Err(self.node.unsupported()),
        }
    }
}

impl<N: Node> De<N> {
    /// Reads the node, a [`Kind::Map`], with `visitor`, as a struct with `fields` if given.
    #[inline(always)]
    fn read_map<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, SerdeError> {
        self.check_depth()?;
        if self.node.map_needs_holding() {
            return self.read_map_held(visitor, fields);
        }
        // SAFETY: `held` is false.
        unsafe { self.walk_map(visitor, fields, false) }
    }

    /// [`read_map`](Self::read_map) of a map that needs holding: the whole visit runs held,
    /// the walk's steps and the values' reads between them (the map access cannot leave
    /// `visit_map`). Out of line: the other builds' path stays as small as it was.
    #[inline(never)]
    fn read_map_held<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
    ) -> Result<V::Value, SerdeError> {
        // The walk takes the node itself; the section is held through a second reference.
        let node = self.node.clone();
        // SAFETY: the walk is made and used inside `with_map_held` of this node.
        node.with_map_held(|| unsafe { self.walk_map(visitor, fields, true) })
    }

    /// [`read_map`](Self::read_map)'s walk, in place ([`Node::entries_held`]) if `held`.
    ///
    /// # Safety
    /// If `held`, this runs inside [`Node::with_map_held`] of the node.
    #[inline(always)]
    unsafe fn walk_map<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        fields: Option<&'static [&'static str]>,
        held: bool,
    ) -> Result<V::Value, SerdeError> {
        let keys = fields.and_then(|f| self.node.field_keys(f));
        // The names are read only for keys the walk found among the fields.
        let names = if keys.is_some() { fields } else { None };
        let depth = self.depth;
        let entries = if held {
            // SAFETY: the function's contract; the walk lives in the map access, which lives
            // only as long as `visit_map` below.
            unsafe { self.node.entries_held(keys)? }
        } else {
            self.node.entries(keys)?
        };
        visitor.visit_map(MapDe {
            entries: Walk::<N, _>::new(depth, entries),
            value: None,
            key: Key::Field(usize::MAX),
            names: names.unwrap_or(&[]),
        })
    }
}

/// The typed `deserialize_*` methods that try a node's shortcut first (the same visit its
/// [`Kind`] would give), and read it as [`deserialize_any`](Deserializer::deserialize_any)
/// does otherwise.
macro_rules! shortcuts {
    ($($shortcut:ident: $($method:ident)*;)*) => {$($(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
            if let Some(v) = self.node.$shortcut() {
                return shortcuts!(@visit $shortcut, visitor, v);
            }
            self.read_any(visitor)
        }
    )*)*};
    (@visit plain_text, $visitor:ident, $v:ident) => { $visitor.visit_str($v?) };
    (@visit plain_i64, $visitor:ident, $v:ident) => { $visitor.visit_i64($v?) };
    (@visit plain_f64, $visitor:ident, $v:ident) => { $visitor.visit_f64($v) };
}

impl<'de, N: Node> Deserializer<'de> for De<N> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.read(visitor, None)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        // A struct is most often a plain dict.
        if self.node.is_plain_map() {
            return self.read_map(visitor, Some(fields));
        }
        self.read(visitor, Some(fields))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        if self.node.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.node.kind()? {
            Kind::Str => visitor.visit_enum(EnumDe {
                variant: self,
                value: None,
            }),
            Kind::Map => {
                self.check_depth()?;
                let (key, value) = self.node.variant_entry()?;
                let variant = self.child(key);
                let value = self.child(value);
                visitor.visit_enum(EnumDe {
                    variant,
                    value: Some(value),
                })
            }
            _ => Err(self.node.not_an_enum()),
        }
    }

    /// Content nothing reads is neither read nor refused.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool char bytes byte_buf unit unit_struct seq tuple tuple_struct map
    }

    shortcuts! {
        plain_text: deserialize_str deserialize_string deserialize_identifier;
        plain_i64: deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
            deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128;
        plain_f64: deserialize_f32 deserialize_f64;
    }
}

/// The children of a container node being read (which keep the container), counted.
struct Walk<N, C> {
    /// The container's nesting depth.
    depth: usize,
    children: C,
    /// How many children were read.
    read: usize,
    _node: PhantomData<fn() -> N>,
}

impl<N: Node, C: Children> Walk<N, C> {
    fn new(depth: usize, children: C) -> Self {
        Walk {
            depth,
            children,
            read: 0,
            _node: PhantomData,
        }
    }

    /// The deserializer of a child node.
    fn child(&self, node: N) -> De<N> {
        De {
            node,
            depth: self.depth + 1,
        }
    }

    /// Reads the child `node` with `seed`, its errors under the path step `step`.
    fn read_child<'de, S: DeserializeSeed<'de>>(
        &self,
        node: N,
        seed: S,
        step: impl FnOnce() -> String,
    ) -> Result<S::Value, SerdeError> {
        seed.deserialize(self.child(node)).map_err(|e| e.at(step))
    }

    /// The next child and its position.
    #[inline(always)]
    fn next(&mut self) -> Result<Option<(usize, C::Child)>, SerdeError> {
        let i = self.read;
        let Some(child) = self.children.next_child(i)? else {
            return Ok(None);
        };
        self.read = i + 1;
        Ok(Some((i, child)))
    }

    /// Refuses children left unread (a tuple type shorter than the data).
    fn end(&mut self) -> Result<(), SerdeError> {
        if self.children.next_child(self.read)?.is_some() {
            let used = self.read;
            let total = self.children.len().unwrap_or(used + 1);
            return Err(de::Error::invalid_length(
                total,
                &format!("{used} elements").as_str(),
            ));
        }
        Ok(())
    }

    /// How many children are left, if known.
    fn remaining(&self) -> Option<usize> {
        Some(self.children.len()?.saturating_sub(self.read))
    }
}

/// The items of a sequence node.
type SeqDe<N> = Walk<N, <N as Node>::Items>;

impl<'de, N: Node> de::SeqAccess<'de> for SeqDe<N> {
    type Error = SerdeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        match self.next()? {
            Some((i, item)) => self.read_child(item, seed, || format!("[{i}]")).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.remaining()
    }
}

/// The entries of a map node.
struct MapDe<N: Node> {
    entries: Walk<N, N::Entries>,
    /// The value of the entry whose key was read, until it is read.
    value: Option<N>,
    /// That entry's key (kept in a field of its own, not paired with the value: the pair
    /// was moved through three temporaries per entry).
    key: Key<N>,
    /// For a struct whose keys the walk matches by identity: its fields' names (the text of
    /// each [`Key::Field`]); empty otherwise.
    names: &'static [&'static str],
}

/// Drops `value` out of line.
#[cold]
#[inline(never)]
fn release_cold<T>(value: T) {
    drop(value);
}

/// The name of the field key `field` among `names`.
fn field_name(names: &'static [&'static str], field: usize) -> &'static str {
    names.get(field).copied().unwrap_or("?")
}

impl<'de, N: Node> de::MapAccess<'de> for MapDe<N> {
    type Error = SerdeError;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        let Some((_, (key, value))) = self.entries.next()? else {
            return Ok(None);
        };
        // A value left unread (a visitor that skipped it) is released out of the way; the
        // slot is then known empty, and filling it releases nothing.
        if let Some(skipped) = self.value.take() {
            release_cold(skipped);
        }
        self.value = Some(value);
        self.key = key;
        match &self.key {
            Key::Field(f) => {
                let text = field_name(self.names, *f);
                seed.deserialize(FieldKey { text })
                    .map_err(|e| e.at(|| format!("[key '{text}']")))
            }
            Key::Other(k) => seed
                .deserialize(self.entries.child(k.clone()))
                .map_err(|e| e.at(|| format!("[key {}]", k.key_label()))),
        }
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, SerdeError> {
        let Some(value) = self.value.take() else {
            return Err(Error::conversion("a map value was asked for before its key").into());
        };
        let (names, key) = (self.names, &self.key);
        self.entries.read_child(value, seed, || match key {
            Key::Field(f) => text_step(field_name(names, *f)),
            Key::Other(k) => k.key_step(),
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.entries.remaining()
    }
}

/// A struct's key known by its identity to be the str `text` (a field's name): read as the
/// deserializer reads a str, without touching the key.
struct FieldKey {
    text: &'static str,
}

/// The `deserialize_*` methods of [`FieldKey`] that visit the text.
macro_rules! field_key_texts {
    ($($method:ident)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
            visitor.visit_str(self.text)
        }
    )*};
}

impl<'de> Deserializer<'de> for FieldKey {
    type Error = SerdeError;

    field_key_texts! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_seq deserialize_map deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_str(self.text)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_str(self.text)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_str(self.text)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_str(self.text)
    }

    /// A str is not `None`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    /// A str is a unit variant.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_enum(de::value::BorrowedStrDeserializer::<SerdeError>::new(
            self.text,
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_unit()
    }
}

/// An externally tagged enum: the variant name, and its content unless a unit variant.
struct EnumDe<N> {
    variant: De<N>,
    value: Option<De<N>>,
}

impl<'de, N: Node> de::EnumAccess<'de> for EnumDe<N> {
    type Error = SerdeError;
    type Variant = VariantDe<N>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDe<N>), SerdeError> {
        let step = self.variant.node.key_step();
        let name = seed.deserialize(self.variant)?;
        Ok((
            name,
            VariantDe {
                value: self.value,
                step,
            },
        ))
    }
}

/// The content of an enum, read once its variant is known.
struct VariantDe<N> {
    value: Option<De<N>>,
    /// The path step of the variant (`.Name`).
    step: String,
}

impl<N: Node> VariantDe<N> {
    /// Reads the content of a variant that has one (`what`: the kind of variant serde
    /// expects), its errors under the variant's path step.
    fn content<R>(
        self,
        what: &'static str,
        read: impl FnOnce(De<N>) -> Result<R, SerdeError>,
    ) -> Result<R, SerdeError> {
        let step = self.step;
        match self.value {
            Some(v) => read(v).map_err(|e| e.at(|| step)),
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &what)),
        }
    }
}

impl<'de, N: Node> de::VariantAccess<'de> for VariantDe<N> {
    type Error = SerdeError;

    fn unit_variant(self) -> Result<(), SerdeError> {
        match self.value {
            None => Ok(()),
            Some(v) if v.node.is_none() => Ok(()),
            Some(v) => {
                let step = self.step;
                Err(SerdeError::from(Error::conversion(format!(
                    "a unit variant has no content, found a {}",
                    v.node.type_label()
                )))
                .at(|| step))
            }
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        self.content("newtype variant", |v| seed.deserialize(v))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.content("tuple variant", |v| v.deserialize_seq(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.content("struct variant", |v| v.deserialize_map(visitor))
    }
}

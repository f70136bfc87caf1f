//! Python classes made from Rust ([`ClassBuilder`]).

use libpython_interp::ffi;

use crate::conversion::ToPython;
use crate::err::Result;
use crate::function::{Args, function_in};
use crate::gil::{Python, attach as with_gil};
use crate::object::{Bound, Object};

type Method = Box<dyn Fn(&Args<'_>) -> Result<Object> + Send + Sync>;
type Attr = Box<dyn Fn(Python<'_>) -> Result<Object>>;

/// Builds a Python class from Rust: a name, base classes, attributes, and methods that are
/// Rust closures (their first positional argument is `self`).
///
/// ```
/// use libpython::{Args, ClassBuilder};
/// let point = ClassBuilder::new("Point")
///     .method("norm2", |a: &Args<'_>| {
///         let me = a.get(0).unwrap();
///         let (x, y): (f64, f64) = (me.getattr("x")?.extract()?, me.getattr("y")?.extract()?);
///         Ok(x * x + y * y)
///     })
///     .attr("dims", 2)
///     .build()?;
/// let p = point.call0()?;
/// p.setattr("x", 3.0)?;
/// p.setattr("y", 4.0)?;
/// assert_eq!(p.call_method("norm2", ())?.extract::<f64>()?, 25.0);
/// assert_eq!(p.getattr("dims")?.extract::<i64>()?, 2);
/// # Ok::<(), libpython::Error>(())
/// ```
pub struct ClassBuilder {
    name: String,
    doc: Option<String>,
    bases: Vec<Object>,
    methods: Vec<(String, Method)>,
    attrs: Vec<(String, Attr)>,
}

impl std::fmt::Debug for ClassBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ClassBuilder {
    /// A class named `name`, deriving from `object`.
    pub fn new(name: &str) -> Self {
        ClassBuilder {
            name: name.into(),
            doc: None,
            bases: Vec::new(),
            methods: Vec::new(),
            attrs: Vec::new(),
        }
    }

    /// Adds a base class.
    pub fn base(mut self, base: &Object) -> Self {
        self.bases.push(base.clone());
        self
    }

    /// The class docstring.
    pub fn doc(mut self, doc: &str) -> Self {
        self.doc = Some(doc.into());
        self
    }

    /// Adds a method; `args.get(0)` is the instance.
    pub fn method<R: ToPython>(
        mut self,
        name: &str,
        f: impl Fn(&Args<'_>) -> Result<R> + Send + Sync + 'static,
    ) -> Self {
        self.methods.push((
            name.into(),
            Box::new(move |a: &Args<'_>| crate::conversion::to_object(&f(a)?, a.py())),
        ));
        self
    }

    /// Adds a class attribute.
    pub fn attr<V: ToPython + Clone + 'static>(mut self, name: &str, value: V) -> Self {
        self.attrs.push((
            name.into(),
            Box::new(move |py| crate::conversion::to_object(&value, py)),
        ));
        self
    }

    /// Creates the class (`type(name, bases, namespace)`).
    pub fn build(self) -> Result<Object> {
        with_gil(|py| {
            let ns = crate::Dict::new_in(py)?;
            if let Some(d) = &self.doc {
                ns.insert("__doc__", d)?;
            }
            let partialmethod = py.import("functools")?.getattr("partialmethod")?;
            for (name, f) in self.methods {
                let func = function_in(py, &name, None, move |a: &Args<'_>| f(a))?;
                ns.insert(name.as_str(), partialmethod.call((func,))?)?;
            }
            for (name, v) in self.attrs {
                ns.insert(name.as_str(), v(py)?)?;
            }
            let bases: Vec<Object> = if self.bases.is_empty() {
                vec![py.builtins()?.getattr("object")?.unbind()]
            } else {
                self.bases
            };
            let bases = crate::conversion::list_from_iter(py, bases.len(), bases.iter())?;
            // SAFETY: GIL held; converting the list of bases into a tuple.
            let bases = unsafe {
                Object::from_owned_ptr_or_err(py, ffi::PySequence_Tuple(bases.as_ptr()))?
            };
            let type_ = py.builtins()?.getattr("type")?;
            type_
                .call((self.name.as_str(), bases, ns))
                .map(Bound::unbind)
        })
    }
}

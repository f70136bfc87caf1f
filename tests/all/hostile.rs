//! Hostile Python objects through every conversion, view and bridge.
//!
//! A property test: proptest picks a few containers (list, tuple, set, frozenset, dict with
//! hostile keys or hostile values, a user-defined `Sequence` or `Mapping`, a generator, a
//! bridged `MapBridge<HashMap<Object, Object>>` or `VecBridge<Vec<Object>>`), their size,
//! which items are hostile, and what each hostile item does in its dunders (`__hash__`,
//! `__eq__`, `__index__`, `__float__`, `__len__`, `__iter__`, `__bool__`, `__str__`,
//! `__repr__`, `__del__`; the user-defined containers' own `__len__`, `__getitem__`,
//! `__iter__`, and a generator's steps): change or clear the container (from Python, or from
//! Rust through the views and bridges), raise, call back into Rust which converts the same
//! container again, do one of those on another Python thread or on a Rust thread while the
//! calling thread waits with the GIL released, change the container from a thread nobody
//! waits for, or run the cycle collector. Every operation of the table [`OPS`] runs on a fresh
//! copy of each container.
//!
//! What must hold, for every operation:
//! - it returns `Ok` or `Err`: no crash (the property runs in a child process with
//!   `PYTHONMALLOC=debug`, where a use after free crashes visibly), no panic, no Rust panic
//!   raised in Python, no `SystemError` (an exception lost or left set);
//! - no hang: a thread a hostile item starts and waits for finishes within [`JOIN`] seconds
//!   (and the child process has a deadline);
//! - when no hostile action changed the container or raised, the result is the right one;
//! - a copy of a `dict` (into a Rust map, a `Value`, through serde) that changed during the
//!   copy is an error, as Python's own iteration makes it, or the dict as it was: never a mix;
//! - nothing leaks: every hostile object is tracked by a weak reference, and all are gone once
//!   the case's containers and Rust handles are dropped and the collector has run;
//! - the interpreter still works afterwards.
//!
//! A smaller slice runs in a sub-interpreter, where hostile items also use objects of the main
//! interpreter from Rust (refused, or read under the main interpreter's GIL) and try to bring
//! one into the sub-interpreter's container (which must be refused).
//!
//! Three CPython bugs, which crash or leak in pure Python, are kept out of the way (see the
//! prelude and [`merge_reads_stale_entries`]): a dict emptied with `clear()` during an
//! insertion's `__eq__` (3.11 to 3.13), a key removed and inserted again during an iteration of
//! its dict (free-threaded 3.13), and a dict merged into another (`f(**d)`) that a key's
//! `__eq__` rebuilds (3.9).
//!
//! 64 cases by default (16 in the sub-interpreter); `PROPTEST_CASES` and `PROPTEST_RNG_SEED`
//! override; no regression files. `cargo xtask fuzz` runs these properties with many cases.
//! A crash leaves no proptest report: `HOSTILE_TRACE=1` prints each operation and container
//! before it runs, so the last line names the culprit. The tests after the properties
//! reproduce, in a few lines each, what the property found.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use libpython::value::Value;
use libpython::{
    Args, Bridge, Dict, Error, ErrorKind, Interpreter, List, MapBridge, Object, Set, SubConfig,
    VecBridge,
};
use libpython_tests::{
    ChildTest, DEBUG_MALLOC, in_child, is_child, panic_message, python, test_path,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner};
use serde::Deserialize;

/// How long a hostile item waits for a thread it started (seconds): longer means a hang.
const JOIN: f64 = 1.0;

/// The bridged map and vector of the `mapb` and `vecb` containers.
type ObjMap = MapBridge<HashMap<Object, Object>>;
type ObjVec = VecBridge<Vec<Object>>;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/// The suite's proptest configuration (as in `props.rs`): `cases` unless `PROPTEST_CASES`
/// says otherwise, no regression files; shrinking bounded, since a hanging case costs
/// [`JOIN`] seconds per run.
/// A runner of `cases` cases whose random seed is printed first, so a run that crashes its
/// child process (which proptest cannot report) names its cases: `PROPTEST_RNG_SEED` runs them
/// again.
fn runner(cases: u32) -> TestRunner {
    let mut c = config(cases);
    let seed = match c.rng_seed {
        RngSeed::Fixed(seed) => seed,
        RngSeed::Random => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            c.rng_seed = RngSeed::Fixed(seed);
            seed
        }
    };
    eprintln!("hostile: PROPTEST_RNG_SEED={seed}");
    TestRunner::new(c)
}

fn config(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    c.failure_persistence = None;
    c.max_shrink_time = 30_000;
    c.max_shrink_iters = 256;
    c
}

/// The child's deadline: generous for the default case count, growing with `PROPTEST_CASES`.
fn deadline(default_cases: u32) -> Duration {
    let cases: u64 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(u64::from(default_cases));
    Duration::from_secs(240 + cases)
}

// ---------------------------------------------------------------------------------------------
// The Python side: hostile items and containers, the actions, the bookkeeping
// ---------------------------------------------------------------------------------------------

const PRELUDE: &str = r#"
import gc, sys, sysconfig, threading, weakref
from collections.abc import Mapping, Sequence

JOIN = __JOIN__
HASH = -7
MAPS = ('dict', 'umap', 'mapb')
HOWS = ('clear', 'grow', 'grow_front', 'shrink', 'shrink_front', 'clear_by_keys')

class Boom(Exception):
    pass

class Ctx:
    pass

ctx = Ctx()
ctx.alive = {}
ctx.armed = False
ctx.target = ctx.backing = ctx.kind = None
ctx.hostile_keys = False
ctx.items = []
ctx.fresh = 1000
ctx.op = ''
ctx.threads = []
ctx.unraisable = []
ctx.thread_errors = []
ctx.driver = None  # the thread running the operation
ctx.no_threads = False

# CPython itself (3.11 to 3.13 as installed here; fixed in later 3.13 releases) crashes when
# a dict is emptied with clear() while an insertion into that dict runs Python code (a key's
# __eq__, or the __del__ of a key the lookup released): the new key is then stored in the
# str-only layout of the empty dict's keys. So dict.clear() runs only on the thread running
# the operation, and only while no H.__eq__ or H.__del__ runs (`in_lookup` counts them, on
# every thread); and only that thread inserts existing (hostile) keys again. Elsewhere dicts
# are emptied key by key, and get new plain keys only.
ctx.in_lookup = 0
# Free-threaded CPython 3.13 leaks a key that is removed from a dict and inserted again while
# an iterator of the dict is running (`for x in d: d.pop(x); d[x] = 1`, pure Python): there,
# dicts get new keys only (no value is replaced through its existing key).
FREE_THREADED = bool(sysconfig.get_config_var('Py_GIL_DISABLED'))

# Quiet and recorded: exceptions of destructors and of threads (names only: an exception
# object would keep its frames, and their hostile locals, alive).
def _unraisable(u):
    ctx.unraisable.append(type(u.exc_value).__name__)
sys.unraisablehook = _unraisable
def _thread_exception(a):
    ctx.thread_errors.append(a.exc_type.__name__)
threading.excepthook = _thread_exception
sys.setswitchinterval(5e-5)

def track(x):
    # Weak references by id (a WeakSet would hash and compare the hostile objects).
    i = id(x)
    ctx.alive[i] = weakref.ref(x, lambda r, i=i: ctx.alive.pop(i, None))

def fresh_entry(kind, hk):
    n = ctx.fresh
    ctx.fresh += 1
    if kind in MAPS:
        return (n, 's%d' % n) if hk else ('k%d' % n, n)
    return n

def mutate(b, kind, hk, how):
    """Changes the container's store `b` (never a tuple or frozenset) as `how` says."""
    if b is None or kind in ('tuple', 'frozenset'):
        return
    ctx.mutations += 1
    e = fresh_entry(kind, hk)
    if kind == 'mapb':
        if how == 'grow':
            b[e[0]] = e[1]
        elif how == 'clear':
            for k in list(b):
                del b[k]
        elif len(b):
            k = next(iter(b))
            if how == 'grow_front':
                b[k] = e[1]
            else:
                del b[k]
    elif kind == 'vecb':
        if how == 'grow':
            b.append(e)
        elif how == 'clear':
            for i in range(len(b)):
                b[i] = e
        elif len(b):
            b[0 if how in ('grow_front', 'shrink_front') else -1] = e
    elif isinstance(b, list):
        if how == 'grow':
            b.append(e)
        elif how == 'grow_front':
            b.insert(0, e)
        elif how == 'clear':
            b.clear()
        elif b:
            b.pop(0 if how == 'shrink_front' else -1)
    elif isinstance(b, dict):
        if how == 'grow':
            b[e[0]] = e[1]
        elif how == 'clear' and not ctx.in_lookup and threading.get_ident() == ctx.driver:
            b.clear()
        elif how in ('clear', 'clear_by_keys'):
            for k in list(b):
                b.pop(k, None)
        elif how == 'grow_front' and (FREE_THREADED or threading.get_ident() != ctx.driver):
            b[e[0]] = e[1]
        elif b:
            k = next(iter(b))
            if how == 'grow_front':
                b[k] = e[1]
            elif how == 'shrink_front':
                del b[k]
            else:
                b.popitem()
    elif isinstance(b, set):
        if how in ('grow', 'grow_front'):
            b.add(e)
        elif how == 'clear':
            b.clear()
        elif b:
            b.pop()

def in_thread(fn, what):
    """Runs `fn` on a new Python thread and waits for it (the GIL is released meanwhile)."""
    if ctx.no_threads:
        return
    def body():
        try:
            fn()
        except BaseException as e:
            ctx.thread_errors.append(type(e).__name__)
    t = threading.Thread(target=body)
    t.start()
    t.join(JOIN)
    if t.is_alive():
        ctx.hangs.append('%s (op %s): a thread it started did not finish within %ss' % (what, ctx.op, JOIN))
        ctx.no_threads = True
        ctx.threads.append(t)

def background(b, kind, hk, how):
    """Changes the container from a thread that nobody waits for until the operation ends."""
    def body():
        for _ in range(20):
            try:
                mutate(b, kind, hk, how)
            except BaseException as e:
                ctx.thread_errors.append(type(e).__name__)
                return
    t = threading.Thread(target=body)
    t.start()
    ctx.threads.append(t)
    ctx.backgrounds += 1

def reenter(target, which):
    if ctx.depth >= 2 or target is None:
        return
    if ctx.kind == 'gen':
        ctx.mutations += 1  # a nested conversion consumes the generator
    ctx.depth += 1
    try:
        ctx.rust_reenter(target, which)
    finally:
        ctx.depth -= 1

def act(obj, dunder):
    if not ctx.armed:
        return
    a = obj._acts.get(dunder)
    if a is None:
        return
    action, times, param = a
    fired = obj._fired.get(dunder, 0)
    if fired >= times or ctx.budget <= 0:
        return
    obj._fired[dunder] = fired + 1
    ctx.budget -= 1
    ctx.log.append('%s.%s:%s(%d)' % (obj._tag, dunder, action, param))
    b, kind, hk, target = ctx.backing, ctx.kind, ctx.hostile_keys, ctx.target
    how = HOWS[param % len(HOWS)]
    if action == 'mutate':
        mutate(b, kind, hk, how)
    elif action == 'raise':
        ctx.raised += 1
        raise Boom('raised by %s.%s' % (obj._tag, dunder))
    elif action == 'reenter':
        reenter(target, param)
    elif action == 'thread':
        if kind not in ('tuple', 'frozenset'):
            ctx.mutations += 1
        in_thread(lambda: mutate(b, kind, hk, how), '%s.%s' % (obj._tag, dunder))
    elif action == 'thread_reenter':
        in_thread(lambda: reenter(target, param), '%s.%s' % (obj._tag, dunder))
    elif action == 'rust_thread':
        if not ctx.no_threads and target is not None:
            if kind == 'gen':
                ctx.mutations += 1
            if not ctx.rust_thread(target, param):
                ctx.hangs.append('%s.%s (op %s): a Rust thread it started did not finish within %ss' % (obj._tag, dunder, ctx.op, JOIN))
                ctx.no_threads = True
    elif action == 'rust_mutate':
        if b is not None and kind not in ('tuple', 'frozenset'):
            ctx.mutations += 1
            if isinstance(b, dict):
                on_driver = threading.get_ident() == ctx.driver
                if how == 'clear' and (ctx.in_lookup or not on_driver):
                    param = HOWS.index('clear_by_keys')
                elif how == 'grow_front' and (FREE_THREADED or not on_driver):
                    param = HOWS.index('grow')
            ctx.rust_mutate(b, param, fresh_entry(kind, hk))
    elif action == 'background':
        if b is not None and kind not in ('tuple', 'frozenset'):
            ctx.mutations += 1
            background(b, kind, hk, how)
    elif action == 'gc':
        gc.collect()
    elif action == 'foreign':
        bad = ctx.foreign(target)
        if bad:
            ctx.violations.append(bad)

def acts_of(spec):
    return {d: (a, t, p) for d, a, t, p in spec}

class H:
    """A hostile item: int-like (`__index__`, `__float__`), hashable (all alike, so lookups
    compare), with an action per dunder."""
    def __init__(self, n, acts, tag):
        self.n = n
        self._acts = acts
        self._fired = {}
        self._tag = tag
        self._op = ctx.op
        track(self)
    def __hash__(self):
        act(self, '__hash__')
        return HASH
    def __eq__(self, other):
        ctx.in_lookup += 1
        try:
            act(self, '__eq__')
        finally:
            ctx.in_lookup -= 1
        return isinstance(other, H) and other.n == self.n
    def __index__(self):
        act(self, '__index__')
        return self.n
    def __float__(self):
        act(self, '__float__')
        return float(self.n)
    def __len__(self):
        act(self, '__len__')
        return 1
    def __iter__(self):
        act(self, '__iter__')
        return iter([self.n])
    def __bool__(self):
        act(self, '__bool__')
        return True
    def __str__(self):
        act(self, '__str__')
        return 'H%d' % self.n
    def __repr__(self):
        act(self, '__repr__')
        return 'H(%d)' % self.n
    def __del__(self):
        ctx.in_lookup += 1
        try:
            act(self, '__del__')
        finally:
            ctx.in_lookup -= 1

class USeq(Sequence):
    def __init__(self, data, acts):
        self.data, self._acts, self._fired, self._tag, self._op = data, acts, {}, 'useq', ctx.op
        track(self)
    def __len__(self):
        act(self, '__len__')
        return len(self.data)
    def __getitem__(self, i):
        act(self, '__getitem__')
        return self.data[i]
    def __iter__(self):
        i = 0
        while i < len(self.data):
            act(self, '__iter__')
            yield self.data[i]
            i += 1

class UMap(Mapping):
    def __init__(self, data, acts):
        self.data, self._acts, self._fired, self._tag, self._op = data, acts, {}, 'umap', ctx.op
        track(self)
    def __len__(self):
        act(self, '__len__')
        return len(self.data)
    def __getitem__(self, k):
        act(self, '__getitem__')
        return self.data[k]
    def __iter__(self):
        for k in self.data:
            act(self, '__iter__')
            yield k

class Steps:
    def __init__(self, acts):
        self._acts, self._fired, self._tag = acts, {}, 'gen'

def gen(data, acts):
    steps = Steps(acts)
    i = 0
    while i < len(data):
        act(steps, '__iter__')
        yield data[i]
        i += 1

def build(op, kind, hk, items, cacts, bridge):
    ctx.op = op
    ctx.armed = False
    ctx.fresh = 1000
    elems = [H(i, acts_of(acts), 'item%d' % i) if hostile else i for i, (hostile, acts) in enumerate(items)]
    pairs = [(x, 's%d' % i) if hk else ('k%d' % i, x) for i, x in enumerate(elems)]
    cacts = acts_of(cacts)
    b = None
    if kind == 'list':
        t = b = elems
    elif kind == 'tuple':
        t = tuple(elems)
    elif kind == 'set':
        t = b = set(elems)
    elif kind == 'frozenset':
        t = frozenset(elems)
    elif kind == 'dict':
        t = b = dict(pairs)
    elif kind == 'useq':
        b = elems
        t = USeq(b, cacts)
    elif kind == 'umap':
        b = dict(pairs)
        t = UMap(b, cacts)
    elif kind == 'gen':
        b = elems
        t = gen(b, cacts)
        track(t)
    elif kind == 'mapb':
        t = b = bridge
        for k, v in pairs:
            bridge[k] = v
    elif kind == 'vecb':
        t = b = bridge
        for x in elems:
            bridge.append(x)
    ctx.target, ctx.backing, ctx.kind, ctx.hostile_keys = t, b, kind, hk
    ctx.items = [hostile for hostile, _ in items]
    return t

def probe(i):
    """A key or item equal to the container's `i`th (a new object, so lookups compare)."""
    if ctx.kind in MAPS and not ctx.hostile_keys:
        return 'k%d' % i
    return H(i, {}, 'probe%d' % i) if ctx.items[i] else i

def intruder(acts):
    """A new hostile item (a pair for mappings) to put into the container."""
    n = ctx.fresh
    ctx.fresh += 1
    x = H(n, acts_of(acts), 'intruder')
    if ctx.kind in MAPS:
        return (x, 's%d' % n) if ctx.hostile_keys else ('k%d' % n, x)
    return x

def blen():
    b = ctx.backing
    return -1 if b is None else len(b)

def start_case():
    # After a hang, no more threads in the case: each hang costs JOIN seconds.
    ctx.no_threads = False

def begin():
    ctx.mutations = ctx.raised = ctx.depth = ctx.backgrounds = 0
    ctx.budget = 40
    ctx.log, ctx.hangs, ctx.violations = [], [], []
    ctx.thread_errors, ctx.unraisable = [], []
    ctx.before = blen()
    ctx.driver = threading.get_ident()
    ctx.armed = True

def end():
    ctx.armed = False
    for t in ctx.threads:
        t.join(10)
    stuck = sum(1 for t in ctx.threads if t.is_alive())
    ctx.threads = [t for t in ctx.threads if t.is_alive()]
    return (ctx.mutations, ctx.raised, ctx.backgrounds, ctx.before, list(ctx.log), list(ctx.hangs), stuck,
            list(ctx.violations), ctx.thread_errors + ctx.unraisable)

def drop_target():
    ctx.target = ctx.backing = None

def finish_case():
    """What is left of the case's hostile objects once everything is released."""
    ctx.target = ctx.backing = None
    ctx.armed = False
    for t in ctx.threads:
        t.join(10)
    ctx.threads = []
    gc.collect()
    gc.collect()
    left = ['%s of op %s (referrers: %s)' % (getattr(x, '_tag', 'gen'), getattr(x, '_op', ctx.op), sorted(type(r).__name__ for r in gc.get_referrers(x)))
            for x in [r() for r in list(ctx.alive.values())] if x is not None]
    ctx.alive = {}
    return left
"#;

// ---------------------------------------------------------------------------------------------
// The case: a container and what its hostile items do
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Tuple,
    Set,
    FrozenSet,
    Dict,
    UserSeq,
    UserMap,
    Gen,
    MapB,
    VecB,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Set => "set",
            Kind::FrozenSet => "frozenset",
            Kind::Dict => "dict",
            Kind::UserSeq => "useq",
            Kind::UserMap => "umap",
            Kind::Gen => "gen",
            Kind::MapB => "mapb",
            Kind::VecB => "vecb",
        }
    }

    fn is_map(self) -> bool {
        matches!(self, Kind::Dict | Kind::UserMap | Kind::MapB)
    }

    /// Iteration order is not the items' order.
    fn unordered(self) -> bool {
        matches!(self, Kind::Set | Kind::FrozenSet | Kind::MapB)
    }
}

/// The container dunders (`__iter__` is each step of the iteration; a generator's only one).
const CONTAINER_DUNDERS: [&str; 3] = ["__len__", "__getitem__", "__iter__"];

/// The changes an action makes (`HOWS` in the prelude; actions pick among the first five, the
/// prelude uses the last instead of `clear` where `clear` would crash CPython itself).
const HOWS: [&str; 6] = [
    "clear",
    "grow",
    "grow_front",
    "shrink",
    "shrink_front",
    "clear_by_keys",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Change the container from Python (a `HOWS` index).
    Mutate(u8),
    /// Raise an exception.
    Raise,
    /// Call Rust, which runs nested conversion `n` on the container.
    Reenter(u8),
    /// Change the container on a new Python thread, and wait for it.
    Thread(u8),
    /// Call Rust from a new Python thread, and wait for it.
    ThreadReenter(u8),
    /// Call Rust, which releases the GIL and runs nested conversion `n` on a Rust thread.
    RustThread(u8),
    /// Call Rust, which changes the container through the views and bridges.
    RustMutate(u8),
    /// Change the container from a thread that is not waited for.
    Background(u8),
    /// `gc.collect()`.
    Gc,
    /// (Sub-interpreter) use main-interpreter objects from Rust, and try to bring one in.
    Foreign,
}

impl Action {
    fn encode(self) -> (&'static str, i64) {
        match self {
            Action::Mutate(h) => ("mutate", h.into()),
            Action::Raise => ("raise", 0),
            Action::Reenter(n) => ("reenter", n.into()),
            Action::Thread(h) => ("thread", h.into()),
            Action::ThreadReenter(n) => ("thread_reenter", n.into()),
            Action::RustThread(n) => ("rust_thread", n.into()),
            Action::RustMutate(h) => ("rust_mutate", h.into()),
            Action::Background(h) => ("background", h.into()),
            Action::Gc => ("gc", 0),
            Action::Foreign => ("foreign", 0),
        }
    }
}

/// What one hostile object does: (dunder, action, how many times it fires).
#[derive(Debug, Clone, Default)]
struct Acts(Vec<(&'static str, Action, u8)>);

/// Actions as the prelude takes them: `(dunder, action, times, parameter)`.
type EncodedActs = Vec<(String, String, i64, i64)>;

impl Acts {
    fn encode(&self) -> EncodedActs {
        self.0
            .iter()
            .map(|(d, a, times)| {
                let (name, param) = a.encode();
                (d.to_string(), name.to_string(), i64::from(*times), param)
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
struct Spec {
    kind: Kind,
    /// For mappings: the keys are the hostile ones (`{H(i): 's<i>'}`), else the values
    /// (`{'k<i>': H(i)}`).
    hostile_keys: bool,
    /// Item `i` is `H(i)` when hostile, else the int `i`.
    items: Vec<Option<Acts>>,
    /// The user-defined container's or the generator's own actions.
    container: Acts,
    /// A hostile object that operations put into the container or look up.
    intruder: Acts,
}

impl Spec {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// What iterating the container gives, as ints (sorted), when it gives ints.
    fn iter_ints(&self) -> Option<Vec<i64>> {
        (!self.kind.is_map() || self.hostile_keys).then(|| (0..self.len() as i64).collect())
    }

    /// What iterating the container gives, as strs (sorted), when it gives strs.
    fn iter_strs(&self) -> Option<Vec<String>> {
        (self.kind.is_map() && !self.hostile_keys)
            .then(|| sorted((0..self.len()).map(|i| format!("k{i}")).collect()))
    }

    /// Expectation of a conversion that accepts exactly the containers of ints.
    fn ints<T>(&self, f: impl Fn(Vec<i64>) -> T) -> Expect<T> {
        match self.iter_ints() {
            Some(v) => Expect::Ok(f(v)),
            None if self.len() == 0 => Expect::Ok(f(Vec::new())),
            None => Expect::Err,
        }
    }

    /// The mapping's entries as Python shows them, with int keys (hostile keys) or int values.
    fn entries(&self) -> Vec<(i64, String)> {
        (0..self.len() as i64)
            .map(|i| {
                (
                    i,
                    if self.hostile_keys {
                        format!("s{i}")
                    } else {
                        format!("k{i}")
                    },
                )
            })
            .collect()
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

fn how() -> impl Strategy<Value = u8> {
    0..5u8
}

fn nested() -> impl Strategy<Value = u8> {
    0..NESTED.len() as u8
}

fn action(foreign: bool) -> impl Strategy<Value = Action> {
    let foreign_weight = if foreign { 2 } else { 0 };
    prop_oneof![
        6 => how().prop_map(Action::Mutate),
        3 => Just(Action::Raise),
        3 => nested().prop_map(Action::Reenter),
        1 => how().prop_map(Action::Thread),
        1 => nested().prop_map(Action::ThreadReenter),
        1 => nested().prop_map(Action::RustThread),
        2 => how().prop_map(Action::RustMutate),
        1 => how().prop_map(Action::Background),
        1 => Just(Action::Gc),
        foreign_weight => Just(Action::Foreign),
    ]
}

/// An item dunder, the ones conversions call most often more likely.
fn dunder() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just("__hash__"),
        4 => Just("__eq__"),
        4 => Just("__index__"),
        3 => Just("__float__"),
        3 => Just("__del__"),
        1 => Just("__len__"),
        1 => Just("__iter__"),
        1 => Just("__bool__"),
        1 => Just("__str__"),
        1 => Just("__repr__"),
    ]
}

fn acts(
    dunder: impl Strategy<Value = &'static str>,
    foreign: bool,
    size: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Acts> {
    proptest::collection::vec((dunder, action(foreign), 1..=3u8), size).prop_map(|mut v| {
        // One action per dunder.
        v.sort_by_key(|(d, _, _)| *d);
        v.dedup_by_key(|(d, _, _)| *d);
        Acts(v)
    })
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::List),
        1 => Just(Kind::Tuple),
        2 => Just(Kind::Set),
        1 => Just(Kind::FrozenSet),
        4 => Just(Kind::Dict),
        1 => Just(Kind::UserSeq),
        1 => Just(Kind::UserMap),
        1 => Just(Kind::Gen),
        2 => Just(Kind::MapB),
        1 => Just(Kind::VecB),
    ]
}

fn spec(foreign: bool) -> impl Strategy<Value = Spec> {
    let item = proptest::option::weighted(0.8, acts(dunder(), foreign, 1..=4));
    (
        kind(),
        any::<bool>(),
        proptest::collection::vec(item, 0..=8),
        acts(
            proptest::sample::select(&CONTAINER_DUNDERS[..]),
            foreign,
            0..=2,
        ),
        acts(dunder(), foreign, 0..=2),
    )
        .prop_map(|(kind, hostile_keys, items, container, intruder)| Spec {
            kind,
            hostile_keys,
            items,
            container,
            intruder,
        })
}

/// A case: a few containers, each through every operation.
fn specs(foreign: bool) -> impl Strategy<Value = Vec<Spec>> {
    proptest::collection::vec(spec(foreign), 1..=6)
}

// ---------------------------------------------------------------------------------------------
// The world: the prelude and the Rust functions hostile items call, once per interpreter
// ---------------------------------------------------------------------------------------------

struct World {
    ctx: Object,
    build: Object,
    start_case: Object,
    begin: Object,
    end: Object,
    drop_target: Object,
    blen: Object,
    finish_case: Object,
    probe: Object,
    intruder: Object,
    sink: Object,
    sink_kw: Object,
    bridge_sink: Object,
}

/// Rust threads started by hostile items (waited for after each operation).
static RUST_THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// The conversions a hostile item runs again from inside another one (results dropped).
const NESTED: &[fn(&Object) -> libpython::Result<()>] = &[
    |t| t.extract::<Vec<Object>>().map(drop),
    |t| Value::from_object(t).map(drop),
    |t| t.extract::<HashMap<Object, Object>>().map(drop),
    |t| libpython::from_python_serde::<serde_json::Value>(t).map(drop),
    |t| t.len().map(drop),
    |t| t.try_iter()?.try_for_each(|x| x.map(drop)),
    |t| {
        libpython::attach(|py| {
            t.bind(py)?
                .try_iter()?
                .extract::<i64>()
                .try_for_each(|x| x.map(drop))
        })
    },
    |t| t.extract::<BTreeSet<i64>>().map(drop),
    |t| t.extract::<Vec<f64>>().map(drop),
    |t| match libpython::bridged::<ObjMap>(t)? {
        Some(m) => {
            let guard = m.map().read()?;
            let keys: Vec<Object> = guard.keys().cloned().collect();
            drop(guard);
            drop(keys);
            Ok(())
        }
        None => Dict::try_from(t.clone())?.items().map(drop),
    },
];

fn nested_op(t: &Object, which: i64) -> libpython::Result<()> {
    NESTED[which.rem_euclid(NESTED.len() as i64) as usize](t)
}

/// A Rust change of the container `b` (a list, dict, set, or bridged map or vector), by
/// `HOWS[how]`, with `entry` the new item (a `(key, value)` pair for mappings).
fn rust_mutate(b: &Object, how: usize, entry: &Object) -> libpython::Result<()> {
    let how = HOWS[how % HOWS.len()];
    if let Some(m) = libpython::bridged::<ObjMap>(b)? {
        let (k, v): (Object, Object) = entry.extract()?;
        let mut m = m.map().write()?;
        let first = m.keys().next().cloned();
        match (how, first) {
            ("grow", _) => drop(m.insert(k, v)),
            ("clear", _) => m.clear(),
            ("grow_front", Some(f)) => drop(m.insert(f, v)),
            (_, Some(f)) => drop(m.remove(&f)),
            (_, None) => {}
        }
        return Ok(());
    }
    if let Some(vb) = libpython::bridged::<ObjVec>(b)? {
        let mut v = vb.vec().write()?;
        match how {
            "grow" => v.push(entry.clone()),
            "clear" => v.clear(),
            "grow_front" if !v.is_empty() => v[0] = entry.clone(),
            _ => drop(v.pop()),
        }
        return Ok(());
    }
    if let Ok(l) = List::try_from(b.clone()) {
        return match how {
            "grow" => l.push(entry),
            "grow_front" => l.insert(0, entry),
            "clear" => l.call_method("clear", ()).map(drop),
            "shrink" => l.remove(-1).map(drop),
            _ => l.remove(0).map(drop),
        };
    }
    if let Ok(d) = Dict::try_from(b.clone()) {
        let (k, v): (Object, Object) = entry.extract()?;
        if how == "clear_by_keys" {
            return d
                .keys()?
                .into_iter()
                .try_for_each(|k| d.remove(k).map(drop));
        }
        let first = d.keys()?.into_iter().next();
        return match (how, first) {
            ("grow", _) => d.insert(k, v),
            ("clear", _) => d.clear(),
            ("grow_front", Some(f)) => d.insert(f, v),
            (_, Some(f)) => d.remove(f).map(drop),
            (_, None) => Ok(()),
        };
    }
    if let Ok(s) = Set::try_from(b.clone()) {
        return match how {
            "grow" | "grow_front" => s.add(entry),
            "clear" => s.call_method("clear", ()).map(drop),
            _ => s.call_method("pop", ()).map(drop),
        };
    }
    Ok(())
}

/// A Rust callable that takes anything and converts every argument (`__index__` of the
/// positional ones, `__float__` of the keyword ones), through `tp_call`.
struct Sink;

impl Bridge for Sink {
    fn call(&self, a: &Args<'_>) -> libpython::Result<Object> {
        let n = sink_args(a)?;
        libpython::ToPython::to_python(&n, a.py())
    }
}

fn sink_args(a: &Args<'_>) -> libpython::Result<usize> {
    for i in 0..a.len() {
        a.extract::<i64>(i)?;
    }
    let names: Vec<String> = a.kwargs().map(|(k, _)| k).collect();
    for k in &names {
        a.kwarg_as::<f64>(k)?;
    }
    Ok(a.len() + names.len())
}

/// Loads the prelude and makes the Rust functions, in the interpreter bound to this thread.
/// `main_objects`: objects of the main interpreter, for the sub-interpreter's foreign action.
fn world(main_objects: Option<(Object, Object)>) -> World {
    let g = Dict::new().unwrap();
    libpython::exec(&PRELUDE.replace("__JOIN__", &JOIN.to_string()), &g)
        .unwrap_or_else(|e| panic!("{e}"));
    let get = |name: &str| g.get(name).unwrap().unwrap();
    let ctx = get("ctx");

    let reenter = libpython::function("rust_reenter", None, |a: &Args<'_>| {
        let t: Object = a.extract(0)?;
        Ok(nested_op(&t, a.extract(1)?).is_ok())
    })
    .unwrap();
    let rust_thread = libpython::function("rust_thread", None, |a: &Args<'_>| {
        let t: Object = a.extract(0)?;
        let which: i64 = a.extract(1)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let h = std::thread::spawn(move || {
            // Under the GIL for the whole conversion, so what it drops is released at once.
            let _ = t.with(|_| nested_op(&t, which));
            drop(t);
            let _ = tx.send(());
        });
        RUST_THREADS.lock().unwrap().push(h);
        Ok(a.py()
            .detach(move || rx.recv_timeout(Duration::from_secs_f64(JOIN)).is_ok()))
    })
    .unwrap();
    let mutate = libpython::function("rust_mutate", None, |a: &Args<'_>| {
        let b: Object = a.extract(0)?;
        let how: usize = a.extract(1)?;
        let entry: Object = a.extract(2)?;
        Ok(rust_mutate(&b, how, &entry).is_ok())
    })
    .unwrap();
    let foreign = libpython::function("foreign", None, move |a: &Args<'_>| {
        let Some((list, dict)) = &main_objects else {
            return Ok(String::new());
        };
        let t: Object = a.extract(0)?;
        let mut bad = String::new();
        // Objects of the main interpreter used from a sub-interpreter's callback: refused
        // (this thread holds the sub-interpreter's GIL), or read under the main interpreter's
        // GIL; never used under the wrong one.
        match list
            .extract::<Vec<i64>>()
            .map_err(libpython::Error::into_kind)
        {
            Ok(v) if v == [1, 2, 3] => {}
            Err(ErrorKind::Interp(libpython::interp::Error::WrongInterpreter { .. })) => {}
            other => {
                bad += &format!(
                    "a main-interpreter list read from a sub-interpreter's callback: {other:?}; "
                )
            }
        }
        match dict
            .extract::<HashMap<String, i64>>()
            .map_err(libpython::Error::into_kind)
        {
            Ok(m) if m == HashMap::from([("a".to_string(), 1)]) => {}
            Err(ErrorKind::Interp(libpython::interp::Error::WrongInterpreter { .. })) => {}
            other => {
                bad += &format!(
                    "a main-interpreter dict read from a sub-interpreter's callback: {other:?}; "
                )
            }
        }
        // A clone takes the main interpreter's GIL for its reference; its drop is queued.
        drop(list.clone());
        // A main-interpreter object must not enter the sub-interpreter's container.
        match t.contains(list).map_err(libpython::Error::into_kind) {
            Err(ErrorKind::Interp(libpython::interp::Error::WrongInterpreter { .. })) => {}
            other => {
                bad +=
                    &format!("a main-interpreter object was used in a sub-interpreter: {other:?}")
            }
        }
        Ok(bad)
    })
    .unwrap();
    ctx.setattr("rust_reenter", reenter).unwrap();
    ctx.setattr("rust_thread", rust_thread).unwrap();
    ctx.setattr("rust_mutate", mutate).unwrap();
    ctx.setattr("foreign", foreign).unwrap();

    let sink = libpython::function("sink", None, |a: &Args<'_>| sink_args(a)).unwrap();
    let sink_kw = sink.clone();
    World {
        ctx,
        build: get("build"),
        start_case: get("start_case"),
        begin: get("begin"),
        end: get("end"),
        drop_target: get("drop_target"),
        blen: get("blen"),
        finish_case: get("finish_case"),
        probe: get("probe"),
        intruder: get("intruder"),
        sink,
        sink_kw,
        bridge_sink: libpython::bridge(Arc::new(Sink)).unwrap(),
    }
}

/// Waits for the Rust threads hostile items started; the ones still running after 10 s.
fn wait_for_rust_threads() -> usize {
    let handles: Vec<_> = std::mem::take(&mut *RUST_THREADS.lock().unwrap());
    let t0 = Instant::now();
    let mut stuck = 0;
    for h in handles {
        while !h.is_finished() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        if h.is_finished() {
            let _ = h.join();
        } else {
            stuck += 1;
            RUST_THREADS.lock().unwrap().push(h);
        }
    }
    stuck
}

// ---------------------------------------------------------------------------------------------
// Operations and their checks
// ---------------------------------------------------------------------------------------------

/// What an operation should give when no hostile action interfered.
enum Expect<T> {
    Ok(T),
    Err,
    Any,
}

/// What an operation gave.
#[derive(Debug)]
enum Verdict {
    /// `Ok`, as expected (or nothing was expected).
    Fine,
    /// `Ok` with the wrong value.
    Wrong(String),
    /// `Ok` where an error was expected.
    Accepted(String),
    /// `Err` where a value was expected.
    Failed(String),
    /// `Err`, as expected (or nothing was expected).
    Refused(String),
}

impl Verdict {
    fn is_ok(&self) -> bool {
        matches!(
            self,
            Verdict::Fine | Verdict::Wrong(_) | Verdict::Accepted(_)
        )
    }

    fn error_text(&self) -> Option<&str> {
        match self {
            Verdict::Failed(e) | Verdict::Refused(e) => Some(e),
            _ => None,
        }
    }
}

fn check<T: PartialEq + Debug>(got: libpython::Result<T>, want: Expect<T>) -> Verdict {
    match (got, want) {
        (Ok(g), Expect::Ok(w)) if g == w => Verdict::Fine,
        (Ok(g), Expect::Ok(w)) => Verdict::Wrong(format!("got {g:?}, expected {w:?}")),
        (Ok(g), Expect::Err) => Verdict::Accepted(format!("got {g:?}, expected an error")),
        (Ok(_), Expect::Any) => Verdict::Fine,
        (Err(e), Expect::Ok(_)) => Verdict::Failed(format!("{e:?}")),
        (Err(e), _) => Verdict::Refused(format!("{e:?}")),
    }
}

/// Runs a sequence of steps, stopping at the first error or wrong value.
fn steps(f: impl FnOnce(&mut Vec<String>) -> libpython::Result<()>) -> Verdict {
    let mut wrong = Vec::new();
    match f(&mut wrong) {
        Ok(()) if wrong.is_empty() => Verdict::Fine,
        Ok(()) => Verdict::Wrong(wrong.join("; ")),
        Err(e) => Verdict::Failed(format!("{e:?}")),
    }
}

fn expect_eq<T: PartialEq + Debug>(wrong: &mut Vec<String>, what: &str, got: T, want: T) {
    if got != want {
        wrong.push(format!("{what}: got {got:?}, expected {want:?}"));
    }
}

/// One operation's view of the case.
struct Env<'a> {
    w: &'a World,
    spec: &'a Spec,
    target: Object,
    /// What a copy of the container saw as it returned: the container's size then, and how
    /// many entries the copy holds (see [`Env::copied`]).
    copy: std::cell::Cell<Option<(i64, Option<usize>)>>,
}

impl Env<'_> {
    /// Records the container's size as a copy of it returns (before the copy is dropped,
    /// which can run destructors), and how many entries the copy holds.
    fn copied<T>(&self, r: &libpython::Result<T>, entries: impl Fn(&T) -> Option<usize>) {
        let size = self
            .w
            .blen
            .call0()
            .and_then(|o| o.extract::<i64>())
            .unwrap_or(-3);
        self.copy
            .set(Some((size, r.as_ref().ok().and_then(entries))));
    }

    fn n(&self) -> usize {
        self.spec.len()
    }

    fn probe(&self, i: usize) -> libpython::Result<Object> {
        self.w.probe.call((i,))
    }

    fn intruder(&self) -> libpython::Result<Object> {
        self.w.intruder.call((self.spec.intruder.encode(),))
    }

    /// Sorts when the container's iteration order is not its items'.
    fn order<T: Ord>(&self, v: Vec<T>) -> Vec<T> {
        if self.spec.kind.unordered() {
            sorted(v)
        } else {
            v
        }
    }

    /// Runs Python `code` with `t` (the container) and `extra` as globals; `out` afterwards.
    fn python(&self, code: &str, extra: &[(&str, &Object)]) -> libpython::Result<Vec<i64>> {
        let g = Dict::from_pairs([("t", &self.target)])?;
        for (k, v) in extra {
            g.insert(*k, *v)?;
        }
        libpython::exec(code, &g)?;
        g.get_as::<Vec<i64>>("out")?
            .ok_or_else(|| Error::conversion("no out"))
    }

    /// The Rust map behind a `mapb` container.
    fn map(&self) -> libpython::Result<Arc<ObjMap>> {
        libpython::bridged::<ObjMap>(&self.target)?
            .ok_or_else(|| Error::conversion("not a bridged map"))
    }

    fn vec(&self) -> libpython::Result<Arc<ObjVec>> {
        libpython::bridged::<ObjVec>(&self.target)?
            .ok_or_else(|| Error::conversion("not a bridged vector"))
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Rec {
    #[serde(default)]
    k0: Option<f64>,
    #[serde(default)]
    k1: Option<f64>,
}

struct Op {
    name: &'static str,
    applies: fn(&Spec) -> bool,
    run: fn(&Env<'_>) -> Verdict,
    /// Copies a whole `dict`: changing its size meanwhile must be an error.
    dict_copy: bool,
    /// Holds a bridge's lock from Rust while Python code runs: a thread that Python code
    /// starts and waits for, which wants the lock, waits for the caller's own guard (the
    /// caller's deadlock, as with any lock), so it does not count as a hang of the library.
    user_lock: bool,
}

fn all(_: &Spec) -> bool {
    true
}

/// Whether CPython's merge of one dict into another (`f(**d)`, `dict(d)`, `{}.update(d)`)
/// keeps reading the source's old entries after a key's `__eq__` rebuilt the source with as
/// many entries as before (3.9: a use after free in pure Python, fixed in 3.10). There, the
/// property does not call `f(**t)` or `bridge(**t)` on a plain `dict`.
fn merge_reads_stale_entries() -> bool {
    libpython::ffi::library().is_some_and(|l| !l.version().at_least(3, 10))
}

const fn op(name: &'static str, applies: fn(&Spec) -> bool, run: fn(&Env<'_>) -> Verdict) -> Op {
    Op {
        name,
        applies,
        run,
        dict_copy: false,
        user_lock: false,
    }
}

const fn dict_copy(name: &'static str, run: fn(&Env<'_>) -> Verdict) -> Op {
    Op {
        name,
        applies: all,
        run,
        dict_copy: true,
        user_lock: false,
    }
}

/// `{i: 's<i>'}` or `{'k<i>': i}` as a Python-shaped map with int and str parts.
fn value_of_dict(spec: &Spec) -> Value {
    if spec.hostile_keys {
        Value::dict(
            spec.entries()
                .into_iter()
                .map(|(i, s)| (Value::Int(i), Value::from(s))),
        )
    } else {
        Value::dict(
            spec.entries()
                .into_iter()
                .map(|(i, k)| (Value::from(k), Value::Int(i))),
        )
    }
}

const OPS: &[Op] = &[
    // ---- FromPython ----
    op("Vec<i64>", all, |e| {
        check(
            e.target.extract::<Vec<i64>>().map(|v| e.order(v)),
            e.spec.ints(|v| v),
        )
    }),
    op("try_iter().extract::<i64>()", all, |e| {
        let got = libpython::attach(|py| {
            e.target
                .bind(py)?
                .try_iter()?
                .extract::<i64>()
                .collect::<libpython::Result<Vec<_>>>()
        });
        check(got.map(|v| e.order(v)), e.spec.ints(|v| v))
    }),
    op("Vec<f64>", all, |e| {
        let got = e
            .target
            .extract::<Vec<f64>>()
            .map(|v| e.order(v.into_iter().map(|x| x as i64).collect()));
        check(got, e.spec.ints(|v| v))
    }),
    op("Vec<String>", all, |e| {
        let want = match e.spec.iter_strs() {
            Some(v) => Expect::Ok(v),
            None if e.n() == 0 => Expect::Ok(Vec::new()),
            None => Expect::Err,
        };
        check(e.target.extract::<Vec<String>>().map(sorted), want)
    }),
    op("Vec<Object>", all, |e| {
        check(
            e.target.extract::<Vec<Object>>().map(|v| v.len()),
            Expect::Ok(e.n()),
        )
    }),
    op("Vec<Vec<i64>>", all, |e| {
        check(e.target.extract::<Vec<Vec<i64>>>().map(drop), Expect::Any)
    }),
    op("Option<Vec<i64>>", all, |e| {
        check(
            e.target
                .extract::<Option<Vec<i64>>>()
                .map(|o| o.map(|v| e.order(v))),
            e.spec.ints(Some),
        )
    }),
    op("HashSet<Object>", all, |e| {
        check(
            e.target.extract::<HashSet<Object>>().map(|s| s.len()),
            Expect::Ok(e.n()),
        )
    }),
    op("BTreeSet<i64>", all, |e| {
        check(
            e.target.extract::<BTreeSet<i64>>(),
            e.spec.ints(|v| v.into_iter().collect()),
        )
    }),
    op("(i64, i64)", all, |e| {
        let want = match e.spec.kind {
            Kind::List | Kind::Tuple if e.n() == 2 => Expect::Ok((0, 1)),
            _ => Expect::Err,
        };
        check(e.target.extract::<(i64, i64)>(), want)
    }),
    op("[i64; 3]", all, |e| {
        let want = match e.spec.iter_ints() {
            Some(v) if v.len() == 3 => Expect::Ok(v),
            _ => Expect::Err,
        };
        check(
            e.target.extract::<[i64; 3]>().map(|a| e.order(a.to_vec())),
            want,
        )
    }),
    dict_copy("HashMap<i64, String>", |e| {
        let want = match (e.spec.kind.is_map(), e.spec.hostile_keys) {
            (true, true) => Expect::Ok(e.spec.entries().into_iter().collect()),
            (true, false) if e.n() == 0 => Expect::Ok(HashMap::new()),
            _ => Expect::Err,
        };
        let r = e.target.extract::<HashMap<i64, String>>();
        e.copied(&r, |m| Some(m.len()));
        check(r, want)
    }),
    dict_copy("HashMap<Object, Object>", |e| {
        let want = if e.spec.kind.is_map() {
            Expect::Ok(e.n())
        } else {
            Expect::Err
        };
        let r = e.target.extract::<HashMap<Object, Object>>();
        e.copied(&r, |m| Some(m.len()));
        check(r.map(|m| m.len()), want)
    }),
    dict_copy("BTreeMap<String, f64>", |e| {
        let want = match (e.spec.kind.is_map(), e.spec.hostile_keys) {
            (true, false) => Expect::Ok(
                e.spec
                    .entries()
                    .into_iter()
                    .map(|(i, k)| (k, i as f64))
                    .collect(),
            ),
            (true, true) if e.n() == 0 => Expect::Ok(BTreeMap::new()),
            _ => Expect::Err,
        };
        let r = e.target.extract::<BTreeMap<String, f64>>();
        e.copied(&r, |m| Some(m.len()));
        check(r, want)
    }),
    dict_copy("Value", |e| {
        let ints = || (0..e.n() as i64).map(Value::Int);
        let want = match e.spec.kind {
            Kind::List => Expect::Ok(Value::list(ints())),
            Kind::Tuple => Expect::Ok(Value::tuple(ints())),
            Kind::Set => Expect::Ok(Value::set(ints())),
            Kind::FrozenSet => Expect::Ok(Value::frozenset(ints())),
            Kind::Dict => Expect::Ok(value_of_dict(e.spec)),
            _ => Expect::Err,
        };
        let r = Value::from_object(&e.target);
        e.copied(&r, |v| v.as_dict().map(|d| d.len()));
        check(r, want)
    }),
    dict_copy("serde_json::Value", |e| {
        let ints =
            || serde_json::Value::Array((0..e.n() as i64).map(serde_json::Value::from).collect());
        let want = match e.spec.kind {
            Kind::List | Kind::Tuple | Kind::Set | Kind::FrozenSet => Expect::Ok(ints()),
            Kind::Dict if !e.spec.hostile_keys || e.n() == 0 => {
                Expect::Ok(serde_json::Value::Object(
                    e.spec
                        .entries()
                        .into_iter()
                        .map(|(i, k)| (k, serde_json::Value::from(i)))
                        .collect(),
                ))
            }
            _ => Expect::Err,
        };
        let r = libpython::from_python_serde::<serde_json::Value>(&e.target);
        e.copied(&r, |v| v.as_object().map(|o| o.len()));
        let got = r.map(|v| match v {
            serde_json::Value::Array(a) if e.spec.kind.unordered() => {
                let mut a: Vec<i64> = a.iter().filter_map(|x| x.as_i64()).collect();
                a.sort();
                serde_json::Value::Array(a.into_iter().map(serde_json::Value::from).collect())
            }
            v => v,
        });
        check(got, want)
    }),
    dict_copy("serde BTreeMap<i64, String>", |e| {
        let want = match e.spec.kind {
            Kind::Dict if e.spec.hostile_keys || e.n() == 0 => {
                Expect::Ok(e.spec.entries().into_iter().collect())
            }
            _ => Expect::Err,
        };
        let r = libpython::from_python_serde::<BTreeMap<i64, String>>(&e.target);
        e.copied(&r, |m| Some(m.len()));
        check(r, want)
    }),
    dict_copy("serde struct", |e| {
        let want = match e.spec.kind {
            Kind::Dict if !e.spec.hostile_keys => Expect::Ok(Rec {
                k0: (e.n() > 0).then_some(0.0),
                k1: (e.n() > 1).then_some(1.0),
            }),
            _ => Expect::Any,
        };
        let r = libpython::from_python_serde::<Rec>(&e.target);
        e.copied(&r, |_| None);
        check(r, want)
    }),
    // ---- Live views ----
    op(
        "Dict reads",
        |s| s.kind == Kind::Dict,
        |e| {
            steps(|wrong| {
                let d = Dict::try_from(e.target.clone())?;
                expect_eq(wrong, "items", d.items()?.len(), e.n());
                expect_eq(wrong, "keys", d.keys()?.len(), e.n());
                expect_eq(wrong, "values", d.values()?.len(), e.n());
                for (i, s) in e.spec.entries() {
                    let p = e.probe(i as usize)?;
                    expect_eq(wrong, "contains_key", d.contains_key(&p)?, true);
                    let v = d
                        .get(&p)?
                        .ok_or_else(|| Error::conversion(format!("no entry {i}")))?;
                    if e.spec.hostile_keys {
                        expect_eq(wrong, "get", v.extract::<String>()?, s);
                    } else {
                        expect_eq(wrong, "get", v.extract::<i64>()?, i);
                    }
                }
                expect_eq(
                    wrong,
                    "get of an absent key",
                    d.get("absent")?.is_none(),
                    true,
                );
                Ok(())
            })
        },
    ),
    op(
        "Dict writes",
        |s| s.kind == Kind::Dict,
        |e| {
            steps(|wrong| {
                let d = Dict::try_from(e.target.clone())?;
                let (k, v): (Object, Object) = e.intruder()?.extract()?;
                d.insert(&k, &v)?;
                expect_eq(wrong, "len after insert", d.len()?, e.n() + 1);
                expect_eq(
                    wrong,
                    "remove",
                    d.remove(&k)?.map(|x| x.as_ptr()),
                    Some(v.as_ptr()),
                );
                if e.n() > 0 {
                    expect_eq(
                        wrong,
                        "remove an entry",
                        d.remove(e.probe(0)?)?.is_some(),
                        true,
                    );
                }
                d.extend(Dict::from_pairs([(&k, &v)])?)?;
                d.clear()?;
                expect_eq(wrong, "len after clear", d.len()?, 0);
                Ok(())
            })
        },
    ),
    op(
        "List reads",
        |s| s.kind == Kind::List,
        |e| {
            steps(|wrong| {
                let l = List::try_from(e.target.clone())?;
                expect_eq(
                    wrong,
                    "to_vec",
                    l.to_vec::<i64>()?,
                    (0..e.n() as i64).collect(),
                );
                for i in 0..e.n() {
                    expect_eq(wrong, "get", l.get_as::<i64>(i as isize)?, i as i64);
                }
                if e.n() > 0 {
                    expect_eq(
                        wrong,
                        "get(-1)",
                        l.get(-1)?.extract::<i64>()?,
                        e.n() as i64 - 1,
                    );
                }
                Ok(())
            })
        },
    ),
    op(
        "List writes",
        |s| s.kind == Kind::List,
        |e| {
            steps(|wrong| {
                let l = List::try_from(e.target.clone())?;
                let x = e.intruder()?;
                l.push(&x)?;
                l.set(0, &x)?;
                l.insert(0, 7)?;
                l.remove(-1)?;
                l.extend(vec![&x])?;
                expect_eq(wrong, "len", l.len()?, e.n() + 2);
                Ok(())
            })
        },
    ),
    op(
        "Set",
        |s| matches!(s.kind, Kind::Set | Kind::FrozenSet),
        |e| {
            steps(|wrong| {
                let s = Set::try_from(e.target.clone())?;
                for i in 0..e.n() {
                    expect_eq(
                        wrong,
                        "contains_value",
                        s.contains_value(e.probe(i)?)?,
                        true,
                    );
                }
                if e.spec.kind == Kind::Set {
                    s.add(e.intruder()?)?;
                    expect_eq(wrong, "len after add", s.len()?, e.n() + 1);
                    if e.n() > 0 {
                        expect_eq(wrong, "remove", s.remove(e.probe(0)?)?, true);
                    }
                }
                Ok(())
            })
        },
    ),
    op("Iter", all, |e| {
        check(
            e.target
                .try_iter()
                .and_then(|it| it.collect::<libpython::Result<Vec<_>>>())
                .map(|v| v.len()),
            Expect::Ok(e.n()),
        )
    }),
    // ---- Object methods ----
    op("len", all, |e| {
        check(
            e.target.len(),
            if e.spec.kind == Kind::Gen {
                Expect::Err
            } else {
                Expect::Ok(e.n())
            },
        )
    }),
    op(
        "contains",
        |s| s.len() > 0 && s.kind != Kind::Gen,
        |e| {
            check(
                e.probe(0).and_then(|p| e.target.contains(p)),
                Expect::Ok(true),
            )
        },
    ),
    op(
        "get_item",
        |s| s.len() > 0 && !matches!(s.kind, Kind::Set | Kind::FrozenSet | Kind::Gen),
        |e| {
            let got = e.probe(0).and_then(|p| {
                let key = if e.spec.kind.is_map() {
                    p
                } else {
                    libpython::to_python(&0)?
                };
                let v = e.target.get_item(key)?;
                if e.spec.kind.is_map() && e.spec.hostile_keys {
                    Ok(v.extract::<String>()? == "s0")
                } else {
                    Ok(v.extract::<i64>()? == 0)
                }
            });
            check(got, Expect::Ok(true))
        },
    ),
    op(
        "hash_py",
        |s| matches!(s.kind, Kind::Tuple | Kind::FrozenSet),
        |e| check(e.target.hash_py().map(drop), Expect::Ok(())),
    ),
    op("eq_py", all, |e| {
        check(
            e.intruder().and_then(|x| e.target.eq_py(x)),
            Expect::Ok(false),
        )
    }),
    op("items one by one", all, |e| {
        // Every element (both parts of a mapping's entries) through the per-object operations.
        let run = || -> libpython::Result<()> {
            let elements: Vec<Object> = if e.spec.kind.is_map() {
                let items: Vec<(Object, Object)> = e.target.call_method("items", ())?.extract()?;
                items.into_iter().flat_map(|(k, v)| [k, v]).collect()
            } else {
                e.target.try_iter()?.collect::<libpython::Result<_>>()?
            };
            for x in &elements {
                let _ = x.extract::<i64>();
                let _ = x.extract::<f64>();
                let _ = x.extract::<Option<i64>>();
                let _ = x.extract::<bool>();
                let _ = x.extract::<Vec<i64>>();
                let _ = Value::from_object(x);
                let _ = libpython::from_python_serde::<serde_json::Value>(x);
                let _ = x.is_truthy();
                let _ = x.len();
                let _ = x.hash_py();
                let _ = x.eq_py(x);
                let _ = x.str();
                let _ = x.repr();
                let _ = format!("{x:?} {x}");
                let _ = x.try_iter().map(|it| it.count());
            }
            Ok(())
        };
        check(run(), Expect::Any)
    }),
    op("round trip through Rust", all, |e| {
        let got = if e.spec.kind.is_map() {
            e.target
                .extract::<HashMap<Object, Object>>()
                .and_then(|m| libpython::to_python(&m))
                .and_then(|o| o.len())
        } else {
            e.target
                .extract::<HashSet<Object>>()
                .and_then(|s| libpython::to_python(&s))
                .and_then(|o| o.len())
        };
        check(got, Expect::Ok(e.n()))
    }),
    // ---- Calls into Rust ----
    op("call f(*t)", all, |e| {
        let got = e
            .python("out = [f(*t)]", &[("f", &e.w.sink)])
            .map(|o| o[0] as usize);
        check(got, e.spec.ints(|v| v.len()))
    }),
    op(
        "call f(**t)",
        |s| s.kind.is_map() && !(s.kind == Kind::Dict && merge_reads_stale_entries()),
        |e| {
            let want = if !e.spec.hostile_keys || e.n() == 0 {
                Expect::Ok(e.n())
            } else {
                Expect::Err
            };
            check(
                e.python("out = [f(**t)]", &[("f", &e.w.sink_kw)])
                    .map(|o| o[0] as usize),
                want,
            )
        },
    ),
    op(
        "call bridge(**t)",
        |s| s.kind.is_map() && !(s.kind == Kind::Dict && merge_reads_stale_entries()),
        |e| {
            let want = if !e.spec.hostile_keys {
                Expect::Ok(e.n())
            } else if e.n() == 0 {
                Expect::Ok(0)
            } else {
                Expect::Err
            };
            let got = e
                .python("out = [f(**t)]", &[("f", &e.w.bridge_sink)])
                .map(|o| o[0] as usize);
            check(got, want)
        },
    ),
    // ---- Bridges used from Python ----
    op(
        "MapBridge from Python",
        |s| s.kind == Kind::MapB,
        |e| {
            let run = || -> libpython::Result<Vec<i64>> {
                let x = e.intruder()?;
                let p = if e.n() > 0 {
                    e.probe(0)?
                } else {
                    e.intruder()?.get_item(0)?
                };
                e.python(
                "k, v = x\nout = []\nt[k] = v\nout.append(k in t)\nout.append(t.get(k) is v)\nout.append(len(list(t.items())))\n\
                 out.append(len(list(t.values())))\nout.append(len(t))\ndel t[k]\nout.append(len(t))\nout.append(p in t)\nout.append(len(dict(t)))",
                &[("x", &x), ("p", &p)],
            )
            };
            let n = e.n() as i64;
            check(
                run(),
                Expect::Ok(vec![1, 1, n + 1, n + 1, n + 1, n, i64::from(n > 0), n]),
            )
        },
    ),
    op(
        "VecBridge from Python",
        |s| s.kind == Kind::VecB,
        |e| {
            let run = || -> libpython::Result<Vec<i64>> {
                let x = e.intruder()?;
                e.python("out = []\nt.append(x)\nout.append(len(t))\nout.append(x in t)\nt[0] = x\nout.append(len(list(t)))\nout.append(t[-1] is x)", &[("x", &x)])
            };
            let n = e.n() as i64;
            check(run(), Expect::Ok(vec![n + 1, 1, n + 1, 1]))
        },
    ),
    Op {
        name: "MapBridge from Rust",
        applies: |s| s.kind == Kind::MapB,
        run: |e| {
            steps(|wrong| {
                let m = e.map()?;
                let probes: Vec<Object> = (0..e.n())
                    .map(|i| e.probe(i))
                    .collect::<libpython::Result<_>>()?;
                {
                    let guard = m.map().read()?;
                    expect_eq(wrong, "len", guard.len(), e.n());
                    for p in &probes {
                        expect_eq(wrong, "get", guard.get(p).is_some(), true);
                    }
                }
                let (k, v): (Object, Object) = e.intruder()?.extract()?;
                m.map().write()?.insert(k.clone(), v);
                expect_eq(wrong, "len after insert", m.map().read()?.len(), e.n() + 1);
                let removed = m.map().write()?.remove(&k);
                drop(removed);
                Ok(())
            })
        },
        dict_copy: false,
        user_lock: true,
    },
    Op {
        name: "VecBridge from Rust",
        applies: |s| s.kind == Kind::VecB,
        run: |e| {
            steps(|wrong| {
                let v = e.vec()?;
                let x = e.intruder()?;
                if e.n() > 0 {
                    let p = e.probe(0)?;
                    let found = v.vec().read()?.contains(&p);
                    expect_eq(wrong, "contains", found, true);
                }
                v.vec().write()?.push(x);
                expect_eq(wrong, "len", v.vec().read()?.len(), e.n() + 1);
                Ok(())
            })
        },
        dict_copy: false,
        user_lock: true,
    },
];

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// What the prelude's `end()` reports about an operation.
type EndReport = (
    i64,
    i64,
    i64,
    i64,
    Vec<String>,
    Vec<String>,
    i64,
    Vec<String>,
    Vec<String>,
);

/// A Rust panic raised in Python, or a `SystemError` (an exception lost or left pending by
/// the library's use of the C API).
fn suspicious(text: &str) -> bool {
    text.contains("RustPanic") || text.contains("Rust panic") || text.contains("SystemError")
}

/// Counts of what the runs did (operations, outcomes, actions fired), printed at the end.
static STATS: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

fn count(what: impl Into<String>) {
    *STATS.lock().unwrap().entry(what.into()).or_default() += 1;
}

/// Runs one operation on a fresh container; the violations it shows.
fn run_op(w: &World, spec: &Spec, op: &Op) -> Vec<String> {
    let mut out = Vec::new();
    let items: Vec<(bool, EncodedActs)> = spec
        .items
        .iter()
        .map(|i| {
            (
                i.is_some(),
                i.as_ref().map(Acts::encode).unwrap_or_default(),
            )
        })
        .collect();
    let bridge = match spec.kind {
        Kind::MapB => {
            Some(libpython::bridge(MapBridge::new(HashMap::<Object, Object>::new())).unwrap())
        }
        Kind::VecB => Some(libpython::bridge(VecBridge::new(Vec::<Object>::new())).unwrap()),
        _ => None,
    };
    let target = w
        .build
        .call((
            op.name,
            spec.kind.name(),
            spec.hostile_keys,
            items,
            spec.container.encode(),
            bridge,
        ))
        .unwrap_or_else(|e| panic!("building the container: {e}"));
    w.begin.call0().unwrap();
    if std::env::var_os("HOSTILE_TRACE").is_some() {
        eprintln!("hostile: running {} on {spec:?}", op.name);
    }
    let env = Env {
        w,
        spec,
        target,
        copy: std::cell::Cell::new(None),
    };
    let verdict = catch_unwind(AssertUnwindSafe(|| {
        libpython::attach(|_| Ok((op.run)(&env)))
            .unwrap_or_else(|e| Verdict::Failed(format!("{e:?}")))
    }));
    let copy = env.copy.get();
    drop(env);
    let stuck_rust = wait_for_rust_threads();
    let (mutations, raised, backgrounds, before, log, hangs, stuck, violations, thread_errors): EndReport =
        w.end.call0().unwrap().extract().unwrap();
    w.drop_target.call0().unwrap();

    count("operations");
    count(match &verdict {
        Ok(v) if v.is_ok() => "operations giving Ok",
        Ok(_) => "operations giving Err",
        Err(_) => "operations panicking",
    });
    if interfered_any(mutations, raised, &hangs) {
        count("operations with interference");
    }
    for l in &log {
        count(format!(
            "action {}",
            l.rsplit(':')
                .next()
                .unwrap_or("")
                .split('(')
                .next()
                .unwrap_or("")
        ));
        count(format!(
            "dunder {}",
            l.split('.')
                .nth(1)
                .and_then(|d| d.split(':').next())
                .unwrap_or("")
        ));
    }
    let what = format!(
        "{} on {:?} (actions fired: {})",
        op.name,
        spec.kind,
        if log.is_empty() {
            "none".into()
        } else {
            log.join(", ")
        }
    );
    let interfered = interfered_any(mutations, raised, &hangs);
    match &verdict {
        Err(p) => {
            out.push(format!("{what}: panicked: {}", panic_message(&**p)));
        }
        Ok(v) => {
            if let Some(text) = v.error_text()
                && suspicious(text)
            {
                out.push(format!("{what}: {text}"));
            }
            if !interfered {
                match v {
                    Verdict::Wrong(m) => out.push(format!("{what}: wrong result: {m}")),
                    Verdict::Accepted(m) => {
                        out.push(format!("{what}: accepted what it should refuse: {m}"))
                    }
                    Verdict::Failed(m) => out.push(format!("{what}: failed: {m}")),
                    _ => {}
                }
            }
            // A copy of a dict that changed during the copy: an error (Python's own iteration
            // raises RuntimeError when the size changed, or when it meets more keys than the
            // dict had), or the dict as it was before (free-threaded builds copy a
            // snapshot); never a mix of before and after. (Only when every change happened
            // during the copy: not with threads that went on changing the dict after the
            // operation returned.)
            if op.dict_copy
                && spec.kind == Kind::Dict
                && mutations > 0
                && backgrounds == 0
                && hangs.is_empty()
                && let Some((size, entries)) = copy
            {
                if let Verdict::Wrong(m) = v
                    && size != before
                {
                    out.push(format!(
                        "{what}: the dict changed size during the copy ({before} -> {size} entries) and the copy \
                         succeeded, with neither the dict as it was nor an error ({m}); Python's own iteration raises \
                         RuntimeError"
                    ));
                } else if let Some(n) = entries
                    && n as i64 > before
                {
                    out.push(format!(
                        "{what}: the copy holds {n} entries of a dict that had {before} when the copy began (its keys \
                         changed meanwhile; Python's own iteration raises RuntimeError)"
                    ));
                }
            }
        }
    }
    if !op.user_lock {
        out.extend(hangs.iter().map(|h| format!("{what}: hang: {h}")));
    }
    if stuck > 0 || stuck_rust > 0 {
        out.push(format!(
            "{what}: {stuck} Python and {stuck_rust} Rust threads never finished"
        ));
    }
    out.extend(violations.iter().map(|v| format!("{what}: {v}")));
    out.extend(
        thread_errors
            .iter()
            .filter(|t| suspicious(t))
            .map(|t| format!("{what}: {t} in a thread or destructor")),
    );
    out
}

fn interfered_any(mutations: i64, raised: i64, hangs: &[String]) -> bool {
    mutations > 0 || raised > 0 || !hangs.is_empty()
}

/// Runs every operation of the case; the violations, leaks included.
fn run_case(w: &World, spec: &Spec) -> Vec<String> {
    w.start_case.call0().unwrap();
    let mut out: Vec<String> = OPS
        .iter()
        .filter(|op| (op.applies)(spec))
        .flat_map(|op| run_op(w, spec, op))
        .collect();
    let left: Vec<String> = w.finish_case.call0().unwrap().extract().unwrap();
    out.extend(left.iter().map(|l| format!("leaked: {l}")));
    // The interpreter still works.
    match libpython::eval("sum(x for x in range(10))").and_then(|o| o.extract::<i64>()) {
        Ok(45) => {}
        other => out.push(format!("the interpreter no longer works: {other:?}")),
    }
    if w.ctx
        .getattr("armed")
        .and_then(|a| a.extract::<bool>())
        .ok()
        != Some(false)
    {
        out.push("the bookkeeping was left armed".into());
    }
    out
}

fn property(runner: &mut TestRunner, w: &World, foreign: bool) {
    let result = runner.run(&specs(foreign), |specs| {
        let violations: Vec<String> = specs.iter().flat_map(|s| run_case(w, s)).collect();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "{} violation(s):\n  {}",
                violations.len(),
                violations.join("\n  ")
            )))
        }
    });
    let stats = std::mem::take(&mut *STATS.lock().unwrap());
    eprintln!("hostile: {stats:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn hostile_objects_through_every_conversion_view_and_bridge() {
    in_child!(
        "hostile_objects_through_every_conversion_view_and_bridge",
        env = DEBUG_MALLOC,
        within = deadline(64),
        {
            python();
            let w = world(None);
            let mut runner = runner(64);
            property(&mut runner, &w, false);
        }
    );
}

#[test]
fn hostile_objects_in_a_sub_interpreter() {
    in_child!(
        "hostile_objects_in_a_sub_interpreter",
        env = DEBUG_MALLOC,
        within = deadline(16),
        {
            python();
            let main_list = libpython::eval("[1, 2, 3]").unwrap();
            let main_dict = libpython::eval("{'a': 1}").unwrap();
            let sub = Interpreter::new(SubConfig::shared_gil()).unwrap();
            libpython::with_interpreter(&sub, move || {
                let w = world(Some((main_list, main_dict)));
                let mut runner = runner(16);
                property(&mut runner, &w, true);
            })
            .unwrap();
            sub.end().unwrap();
        }
    );
}

// ---------------------------------------------------------------------------------------------
// What the property found, each in a few lines
// ---------------------------------------------------------------------------------------------

/// Runs `body`, a test of what the property found, as the test `name` in a child process of
/// its own, with the debug allocator (where a use after free crashes visibly), Python started
/// and a minute to finish.
fn in_debug_child(name: &str, body: impl FnOnce()) {
    if is_child() {
        python();
        body();
        return;
    }
    ChildTest::new(test_path(module_path!(), name))
        .env(DEBUG_MALLOC)
        .within(Duration::from_secs(60))
        .assert_passes();
}

/// Globals holding `m`, a bridged map of objects that only Python holds, so the collector
/// traverses it.
fn globals_with_a_bridged_map() -> Dict {
    let g = Dict::new().unwrap();
    g.insert(
        "m",
        libpython::bridge(MapBridge::new(HashMap::<Object, Object>::new())).unwrap(),
    )
    .unwrap();
    g
}

/// Copies of a dict that changes while it is copied, which `code` makes as `d` (run again
/// before each copy, since a copy changes the dict): into a `HashMap<String, i64>`, a `Value`,
/// and through serde into JSON and a `BTreeMap`, each must be an error or the dict as it was,
/// `as_it_was`. Returns the globals `code` ran in and the `HashMap` copy's error, if it gave
/// one.
fn assert_copies_are_errors_or(code: &str, as_it_was: &[(&str, i64)]) -> (Dict, Option<Error>) {
    let g = Dict::new().unwrap();
    let fresh = || {
        libpython::exec(code, &g).unwrap();
        g.get("d").unwrap().unwrap()
    };
    let typed = fresh().extract::<HashMap<String, i64>>();
    let want: HashMap<String, i64> = as_it_was.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert!(
        typed.as_ref().map_or(true, |m| *m == want),
        "HashMap<String, i64> gave {typed:?}"
    );
    let value = Value::from_object(&fresh());
    let want = Value::dict(
        as_it_was
            .iter()
            .map(|(k, v)| (Value::from(*k), Value::Int(*v))),
    );
    assert!(
        value.as_ref().map_or(true, |v| *v == want),
        "Value::from_object gave {value:?}"
    );
    let json = libpython::from_python_serde::<serde_json::Value>(&fresh());
    let want: serde_json::Map<String, serde_json::Value> = as_it_was
        .iter()
        .map(|(k, v)| (k.to_string(), (*v).into()))
        .collect();
    assert!(
        json.as_ref()
            .map_or(true, |v| *v == serde_json::Value::Object(want.clone())),
        "serde gave {json:?}"
    );
    let map = libpython::from_python_serde::<BTreeMap<String, i64>>(&fresh());
    let want: BTreeMap<String, i64> = as_it_was.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert!(
        map.as_ref().map_or(true, |m| *m == want),
        "serde gave {map:?}"
    );
    (g, typed.err())
}

/// The cycle collector traversing a bridged object must not release anything: a reference
/// queued by another thread and released there (the drain at the entry of every call from C
/// into Rust) frees an object in the middle of the collection.
#[test]
fn the_cycle_collector_traversing_a_bridge_releases_no_queued_reference() {
    in_debug_child(
        "the_cycle_collector_traversing_a_bridge_releases_no_queued_reference",
        || {
            let g = globals_with_a_bridged_map();
            for _ in 0..20 {
                // A container only Rust holds, dropped by a thread without the GIL (queued) while
                // Python sleeps; the collection that follows traverses the bridge first thing.
                let garbage = libpython::eval("[[] for _ in range(100)]").unwrap();
                let dropper = std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    drop(garbage);
                });
                libpython::exec("import gc, time\ntime.sleep(0.1)\ngc.collect()", &g).unwrap();
                dropper.join().unwrap();
            }
        },
    );
}

/// The collector's traversal of a bridged map must not run Python code: looking each key's
/// value up hashes the key, and a key's `__hash__` is Python code, which then runs in the
/// middle of a collection (where it changes the reference counts the collector is reading).
#[test]
fn the_cycle_collector_traversing_a_bridged_map_runs_no_python_code() {
    in_debug_child(
        "the_cycle_collector_traversing_a_bridged_map_runs_no_python_code",
        || {
            let g = globals_with_a_bridged_map();
            libpython::exec(
                "import gc\nphase = ['stop']\ngc.callbacks.append(lambda p, info: phase.append(p))\n\
                 calls = []\nclass K:\n    def __hash__(self):\n        calls.append(phase[-1])\n        return 1\n\
                 m[K()] = 1\ncalls.clear()\ngc.collect()\ngc.callbacks.clear()",
                &g,
            )
            .unwrap();
            let calls: Vec<String> = g.get_as("calls").unwrap().unwrap();
            assert!(
                !calls.contains(&"start".to_string()),
                "a key's __hash__ ran during a collection: {calls:?}"
            );
        },
    );
}

/// A dict whose size changes while it is copied gives an error (as for the typed maps, and
/// Python's own iteration), or the dict as it was when the copy began (`Value`'s copy on
/// free-threaded builds reads a snapshot): `Value` and serde copies of `{'a': K(), 'b': 2,
/// 'c': 3}`, where `K.__index__` clears the dict, gave `{'a': 7}`, the dict neither before
/// nor after. serde reads the dict itself on every build (under its critical section on
/// free-threaded ones), so for serde it is the error, as a struct's read is.
#[test]
fn value_and_serde_copies_of_a_dict_that_changes_size_meanwhile_are_errors() {
    in_debug_child(
        "value_and_serde_copies_of_a_dict_that_changes_size_meanwhile_are_errors",
        || {
            let code = "class K:\n    def __index__(self):\n        d.clear()\n        return 7\nd = {'a': K(), 'b': 2, 'c': 3}";
            let (g, typed_error) =
                assert_copies_are_errors_or(code, &[("a", 7), ("b", 2), ("c", 3)]);
            if let Some(e) = typed_error {
                assert!(
                    e.to_string().contains("changed size during iteration"),
                    "{e:?}"
                );
            }
            #[derive(Debug, Deserialize)]
            #[allow(dead_code)]
            struct Abc {
                a: i64,
                b: i64,
                c: i64,
            }
            let fresh = || {
                libpython::exec(code, &g).unwrap();
                g.get("d").unwrap().unwrap()
            };
            let map = libpython::from_python_serde::<BTreeMap<String, i64>>(&fresh());
            let st = libpython::from_python_serde::<Abc>(&fresh());
            for e in [map.map(drop).unwrap_err(), st.map(drop).unwrap_err()] {
                assert!(
                    e.to_string().contains("changed size during iteration"),
                    "{e:?}"
                );
            }
        },
    );
}

/// A bridged map or vector of Python objects runs Python code while it holds its lock: a
/// key's `__hash__` or `__eq__` during a lookup (`m.get(k)`, `k in m`, `m.items()`), the
/// `__del__` of a value `m[k] = v` replaces or of an item `v[i] = x` replaces. When that code
/// waits for another thread that uses the container, the other thread waits for the lock for
/// ever, and so does the first one (`join(2)` bounds the wait here; plain Python code waits
/// for ever). The other thread must get the container or an error, not wait for ever.
#[test]
fn a_bridged_container_does_not_keep_another_thread_waiting_while_python_code_runs_under_its_lock()
{
    in_debug_child(
        "a_bridged_container_does_not_keep_another_thread_waiting_while_python_code_runs_under_its_lock",
        || {
            let m = MapBridge::new(HashMap::<Object, Object>::new());
            let v = VecBridge::new(Vec::<Object>::new());
            let g = Dict::from_pairs([
                ("m", libpython::bridge(m).unwrap()),
                ("v", libpython::bridge(v).unwrap()),
            ])
            .unwrap();
            libpython::exec(
                r#"
import threading
hung = []
def other_thread_uses(container, what):
    def use():
        try:
            if container is m:
                m['x'] = 1
            else:
                v.append(1)
        except RuntimeError:
            pass
    t = threading.Thread(target=use)
    t.start()
    t.join(2)
    if t.is_alive():
        hung.append(what)
class K:
    armed = None
    def __hash__(self):
        if K.armed is not None:
            what, K.armed = K.armed, None
            other_thread_uses(m, what)
        return 1
class V:
    armed = None
    def __del__(self):
        if V.armed is not None:
            c, V.armed = V.armed, None
            other_thread_uses(c, 'map: a value replaced by m[k] = v' if c is m else 'vector: an item replaced by v[i] = x')
k = K()
m[k] = V()
v.append(V())
K.armed = 'map: a key hashed by m.get(k)'
m.get(k)
K.armed = 'map: a key hashed by m.items()'
list(m.items())
V.armed = m
m[k] = 2
V.armed = v
v[0] = 2
"#,
                &g,
            )
            .unwrap();
            let hung: Vec<String> = g.get_as("hung").unwrap().unwrap();
            assert!(
                hung.is_empty(),
                "a thread using a bridged container waited for its lock for good while Python code that ran under the lock waited for it: {hung:?}"
            );
        },
    );
}

/// A dict whose keys change during a copy while its size stays the same: `K.__index__` (the
/// value of `'a'`) deletes `'a'` and adds `'c'`. Python's own iteration raises RuntimeError
/// ("dictionary keys changed during iteration") when it meets more keys than the dict had;
/// the copies went on and gave `{'a': 7, 'b': 2, 'c': 3}`, three entries of a dict that never
/// had more than two, and never had `'a'` and `'c'` at once. An error, or the dict as it was
/// when the copy began (free-threaded builds copy a snapshot), is right.
#[test]
fn a_copy_of_a_dict_whose_keys_change_meanwhile_is_an_error() {
    in_debug_child(
        "a_copy_of_a_dict_whose_keys_change_meanwhile_is_an_error",
        || {
            let (g, _) = assert_copies_are_errors_or(
                "class K:\n    def __index__(self):\n        del d['a']\n        d['c'] = 3\n        return 7\nd = {'a': K(), 'b': 2}\n\
                 try:\n    for k in d:\n        d[k].__index__() if k == 'a' else None\n    python = 'no error'\nexcept RuntimeError as e:\n    python = str(e)\n\
                 d = {'a': K(), 'b': 2}",
                &[("a", 7), ("b", 2)],
            );
            let python: String = g.get_as("python").unwrap().unwrap();
            assert_eq!(python, "dictionary keys changed during iteration");
        },
    );
}

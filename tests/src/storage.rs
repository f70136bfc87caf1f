//! A Rust storage for arrays moved into Python, for tests that watch when (and on which thread)
//! the array's memory is released.

use libpython::array::{Element, Storage};

/// Elements moved into Python with [`to_python_array`](libpython::array::to_python_array),
/// running `on_drop` when the storage is dropped: counting drops, panicking, using Python.
pub struct OnDrop<T, F: FnMut() + Send + 'static> {
    data: Vec<T>,
    on_drop: F,
}

impl<T, F: FnMut() + Send + 'static> OnDrop<T, F> {
    pub fn new(data: Vec<T>, on_drop: F) -> Self {
        OnDrop { data, on_drop }
    }
}

impl<T, F: FnMut() + Send + 'static> std::fmt::Debug for OnDrop<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OnDrop({} elements)", self.data.len())
    }
}

impl<T: Element, F: FnMut() + Send + 'static> Storage for OnDrop<T, F> {
    type Elem = T;
    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
}

impl<T, F: FnMut() + Send + 'static> Drop for OnDrop<T, F> {
    fn drop(&mut self) {
        (self.on_drop)();
    }
}

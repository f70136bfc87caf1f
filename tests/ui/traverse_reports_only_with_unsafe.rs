// Reporting an object to the cycle collector is a promise the collector cannot check (the
// object must be the bridge's alone, reported once): it takes `unsafe`.
use libpython::{Bridge, Object, Visit};

struct Twice(Object);

impl Bridge for Twice {
    fn traverse(&self, visit: &mut Visit<'_>) {
        visit.call(&self.0);
        visit.call(&self.0);
    }
}

fn main() {}

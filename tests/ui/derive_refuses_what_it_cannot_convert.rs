// The conversion derives take structs only, and know one field attribute.
use libpython::{FromPython, ToPython};

#[derive(ToPython)]
enum Shape {
    Circle(f64),
}

#[derive(FromPython)]
union Bits {
    a: u32,
    b: f32,
}

#[derive(ToPython)]
struct Unknown {
    #[libpython(skip)]
    a: u32,
}

#[derive(FromPython)]
struct Renamed(#[libpython(rename = "x")] u32);

#[derive(ToPython)]
#[libpython(rename = "y")]
struct OnTheStruct {
    a: u32,
}

fn main() {}

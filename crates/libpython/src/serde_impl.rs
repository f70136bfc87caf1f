//! serde support. (In progress.)

//! The persistent `Value` model. (In progress.)

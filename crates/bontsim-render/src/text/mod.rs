//! Reports as text for people: the terminal summary of one simulation (`summary`) and the
//! side-by-side comparison of two (`compare`). Pure formatting of core reports, so that a web
//! server can show the same words as the command line.

pub mod compare;
pub mod summary;

//! Reports as text: the terminal summary of one simulation (`summary`) and the side-by-side
//! comparison of two (`compare`) for people, the long CSV table (`csv`) for spreadsheets and
//! data frames. Pure formatting of core reports, so that a web server can offer the same
//! words and tables as the command line.

pub mod compare;
pub mod csv;
pub mod summary;

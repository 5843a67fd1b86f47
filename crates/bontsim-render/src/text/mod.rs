//! Reports as text: the terminal summary of one simulation (`summary`) and the side-by-side
//! comparison of two (`compare`) for people, the long CSV table (`csv`) for spreadsheets and
//! data frames, a trial's summary and tables (`trial`), a sensitivity analysis (`sensitivity`),
//! the symmetry planner's proposal as a plan (`symmetry`) and a patient's fit and the
//! optimiser's proposal (`fit`) for every front end. Pure formatting of core reports, so that a web server can offer the same
//! words and tables as the command line.

pub mod compare;
pub mod csv;
pub mod fit;
pub mod sensitivity;
pub mod summary;
pub mod symmetry;
pub mod trial;

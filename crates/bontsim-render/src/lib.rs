//! bontsim-render: reports and face scenes of the core (bontsim-core) turned into bytes and
//! strings: the figures as SVG or PNG ([`figures`]), the face picture ([`face`]), the
//! terminal summary and the comparison table ([`text`]), and the words they share
//! ([`labels`]). No file I/O and no command line, so that the command-line tool, a web server
//! or a language binding draw exactly the same pictures; writing the bytes is the caller's
//! business.

pub mod face;
pub mod figures;
pub mod labels;
pub mod text;

/// The image formats every figure and the face picture can be drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    /// The format named by a file extension (`"svg"` or `"png"`, as given, without the dot).
    ///
    /// ```
    /// use bontsim_render::Format;
    /// assert_eq!(Format::from_extension("svg").unwrap(), Format::Svg);
    /// assert!(Format::from_extension("jpg").is_err());
    /// ```
    pub fn from_extension(extension: &str) -> Result<Format, RenderError> {
        match extension {
            "svg" => Ok(Format::Svg),
            "png" => Ok(Format::Png),
            other => Err(RenderError::UnsupportedFormat(other.to_string())),
        }
    }

    /// The file extension of the format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// Why a rendering failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    /// A file extension that names no supported format.
    #[error("unsupported extension \"{0}\"; use .svg or .png")]
    UnsupportedFormat(String),
    /// The strength figure was asked for no muscle and the plan injects none.
    #[error("the plan injects no muscle: nothing to plot")]
    NothingInjected,
    /// The strength figure was asked for muscles none of which receives toxin.
    #[error("none of {} receives toxin in this plan", .0.join(", "))]
    NoneInjected(Vec<String>),
    /// The drawing library or the PNG encoder failed.
    #[error("{0}")]
    Drawing(String),
}

//! The pure incident model: events folded into state. No I/O.

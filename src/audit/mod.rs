//! The append-only, hash-chained audit log (see issue: foundation).

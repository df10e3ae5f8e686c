//! Runbooks: checklists as data.

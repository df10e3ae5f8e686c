//! Git operations on the operator's repository (git2).

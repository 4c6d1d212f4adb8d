//! Canonical strings and canonical JSON (PROTOCOL.md §5). Placeholder: being written.

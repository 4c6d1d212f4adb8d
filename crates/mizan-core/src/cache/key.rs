//! Cache key derivation. Placeholder: being written.

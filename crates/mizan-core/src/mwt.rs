//! Mizan Web Token. Placeholder: being written.

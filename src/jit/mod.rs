//! The Cranelift translator. TODO(helper): implement.

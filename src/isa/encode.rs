//! Encoder derived from the instruction table (for tests and fuzzing). TODO(helper): implement.

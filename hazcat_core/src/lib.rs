//! hazcat_core

//! The administration commands, one file per group.

pub(crate) mod bankid;
pub(crate) mod keys;
pub(crate) mod notify;
pub(crate) mod users;

//! maud views: plain functions of what they show; no queries, every string from the catalogue.

pub mod demo;
pub mod error_page;
pub mod flow;
pub mod layout;
pub mod login;
pub mod logout;
pub mod outbox;

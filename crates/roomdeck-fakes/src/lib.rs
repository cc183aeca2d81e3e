//! Faithful fake chat servers: Rocket.Chat, SwapChat/Web3MQ (legacy REST) and Virola.
//!
//! The real servers are not reachable from our CI, so each family has a fake that follows the
//! contract notes in `shared/contracts/` to the letter, quirks included, with deterministic data
//! from a seed (names in many scripts, emoji, right-to-left text, long topics, DMs, discussions,
//! livechat, huge member lists) and switchable faults per request pattern ([`faults`]). They run
//! in-process for tests and benchmarks ([`rocketchat::RocketChatFake::start`] and friends), as
//! the app's demo ([`demo`]), or standalone as `roomdeck-fake-server`.
//!
//! This crate deliberately does not depend on `roomdeck-core`: a fake written from the contract,
//! not from our client, cannot share the client's misunderstandings.

pub mod data;
pub mod demo;
pub mod faults;
pub mod images;
pub mod rng;
pub mod rocketchat;
pub mod server;
pub mod swapchat;
pub mod virola;

pub use faults::{Fault, FaultRule};
pub use server::{FakeServer, Tls, TlsIdentity};

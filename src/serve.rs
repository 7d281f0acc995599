//! `medkb serve`: a local web page and JSON API over the same library as the
//! command line, with the same ranking, passages and highlights.
//!
//! ```text
//! socket ──http──▶ Request ──routes──▶ search | show | related ──page (HTML) | render::json──▶ Response
//! ```
//!
//! [`http`] reads requests within fixed limits, [`routes`] answers them from
//! the index (reopened when the corpus or index changes, so a rebuilt index
//! is picked up without a restart), and [`page`] writes the HTML.

mod http;
mod page;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::index::Opened;
use crate::kb::KnowledgeBase;

pub use routes::{CONTENT_SECURITY_POLICY, MAX_QUESTION_CHARS};

/// A server bound to its address, ready to run.
pub struct Serve {
    server: http::Server,
    app: Arc<routes::App>,
}

impl Serve {
    /// Listens on `addr` (port 0: any free port) to serve `kb`, starting
    /// from the index `opened`.
    pub fn bind(kb: KnowledgeBase, opened: Opened, addr: SocketAddr) -> Result<Serve> {
        let server = http::Server::bind(addr).map_err(|source| Error::Listen { addr, source })?;
        Ok(Serve {
            server,
            app: Arc::new(routes::App::new(kb, opened)),
        })
    }

    /// The page's address, e.g. `http://127.0.0.1:7878/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.server.addr())
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests being
    /// answered and returns.
    pub fn run(self) {
        let stopper = self.server.stopper();
        if let Err(err) = ctrlc::set_handler(move || stopper.stop()) {
            eprintln!("medkb: cannot catch Ctrl-C ({err}); it will stop the server abruptly");
        }
        self.server.run(self.app);
    }
}

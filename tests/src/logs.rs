//! Everything the servers of one test binary log, at debug level, kept in memory so a
//! test can search it for secrets (a personnummer, a PIN, a code, a password).

use std::sync::{Arc, Mutex, OnceLock};

/// The captured log so far. The first call installs the capturing subscriber: call it
/// before any server starts in the binary, so the kit's own subscriber stays out.
pub fn captured() -> String {
    String::from_utf8_lossy(&buffer().lock().expect("logs")).into_owned()
}

/// Installs the capture (idempotent).
pub fn capture() {
    buffer();
}

fn buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .try_init();
        buf
    })
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

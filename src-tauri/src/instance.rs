//! One Backstop per user: a second launch (a `.backstop` file double-clicked
//! in the file manager while Backstop runs) hands its file to the running
//! instance and exits, instead of starting a second window that would fight
//! over the project's lock.
//!
//! The first instance listens on a local endpoint in the per-user config
//! directory: a Unix-domain socket where there is one; elsewhere a loopback
//! TCP port whose number and a random token are in a file only this user can
//! read (the token is required, so no other local user can hand it files).
//! A second instance connects, sends the absolute path of its file (or an
//! empty line: just show the window) and waits for "ok". An endpoint left
//! behind by a crashed instance refuses connections and is replaced.

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a launch went.
pub enum Claim {
    /// This is the first instance: it serves hand-overs from now on.
    First(Listener),
    /// A running instance took the file; this process should exit.
    Handed,
}

/// The first instance's end, accepting hand-overs.
pub struct Listener {
    #[cfg(unix)]
    inner: std::os::unix::net::UnixListener,
    #[cfg(not(unix))]
    inner: std::net::TcpListener,
    #[cfg(not(unix))]
    token: String,
    endpoint: PathBuf,
}

const NAME: &str = "instance";
const TIMEOUT: Duration = Duration::from_secs(5);

/// [`claim`] for the app's options: its config directory and its project
/// file, made absolute (the running instance has another working directory).
pub fn claim_for(options: &crate::Options) -> io::Result<Claim> {
    let file = options.project.as_deref().map(std::path::absolute).transpose()?;
    claim(&crate::state::config_dir(options), file.as_deref())
}

/// Becomes the first instance, or hands `file` (absolute) to the running one.
pub fn claim(config_dir: &Path, file: Option<&Path>) -> io::Result<Claim> {
    std::fs::create_dir_all(config_dir)?;
    let endpoint = config_dir.join(NAME);
    // Two launches at the same moment: one binds, the other retries and connects.
    for _ in 0..3 {
        match hand_over(&endpoint, file) {
            Ok(()) => return Ok(Claim::Handed),
            Err(e) if stale(&e) => {}
            Err(e) => return Err(e),
        }
        match bind(&endpoint) {
            Ok(listener) => return Ok(Claim::First(listener)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!("could not become or reach the running Backstop through {}", endpoint.display())))
}

/// No instance answers at the endpoint (none ever did, or it crashed).
fn stale(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused | io::ErrorKind::InvalidData)
}

fn send(mut stream: impl io::Read + Write, token: &str, file: Option<&Path>) -> io::Result<()> {
    let path = file.map(|p| p.display().to_string()).unwrap_or_default();
    if path.contains('\n') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "a file name with a line break cannot be handed over"));
    }
    stream.write_all(format!("{token}\n{path}\n").as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    if answer.trim() == "ok" { Ok(()) } else { Err(io::Error::new(io::ErrorKind::InvalidData, "the running Backstop did not confirm")) }
}

#[cfg(unix)]
fn hand_over(endpoint: &Path, file: Option<&Path>) -> io::Result<()> {
    let stream = std::os::unix::net::UnixStream::connect(endpoint)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    send(stream, "", file)
}

#[cfg(unix)]
fn bind(endpoint: &Path) -> io::Result<Listener> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    let inner = match UnixListener::bind(endpoint) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            // A socket file is there. If someone serves it now (another
            // launch won the race), leave it; if it refuses, it is a
            // crashed instance's and is replaced.
            match UnixStream::connect(endpoint) {
                Ok(_) => return Err(e),
                Err(c) if c.kind() == io::ErrorKind::ConnectionRefused => {
                    std::fs::remove_file(endpoint)?;
                    UnixListener::bind(endpoint)?
                }
                Err(c) => return Err(c),
            }
        }
        Err(e) => return Err(e),
    };
    std::fs::set_permissions(endpoint, std::fs::Permissions::from_mode(0o600))?;
    Ok(Listener { inner, endpoint: endpoint.to_owned() })
}

#[cfg(not(unix))]
fn hand_over(endpoint: &Path, file: Option<&Path>) -> io::Result<()> {
    let text = std::fs::read_to_string(endpoint)?;
    let (port, token) =
        text.trim().split_once(' ').ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unreadable instance file"))?;
    let port: u16 = port.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unreadable instance file"))?;
    let stream = std::net::TcpStream::connect_timeout(&std::net::SocketAddr::from(([127, 0, 0, 1], port)), TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    send(stream, token, file)
}

#[cfg(not(unix))]
fn bind(endpoint: &Path) -> io::Result<Listener> {
    use std::hash::{BuildHasher, Hasher};
    let inner = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    let port = inner.local_addr()?.port();
    // 128 bits from the standard library's randomly seeded hasher.
    let token: String = (0..2)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i ^ u64::from(std::process::id()));
            format!("{:016x}", h.finish())
        })
        .collect();
    crate::session::write_file_atomically(endpoint, format!("{port} {token}\n").as_bytes()).map_err(|e| io::Error::other(e.message))?;
    Ok(Listener { inner, token, endpoint: endpoint.to_owned() })
}

impl Listener {
    /// Where the listener is (the socket, or the file naming the port).
    pub fn endpoint(&self) -> &Path {
        &self.endpoint
    }

    /// Serves hand-overs on a thread of its own until the process ends:
    /// `on_file(Some(path))` for a file, `on_file(None)` for "show the window".
    pub fn serve(self, on_file: impl Fn(Option<PathBuf>) + Send + 'static) {
        let spawned = std::thread::Builder::new().name("instance".into()).spawn(move || {
            for stream in self.inner.incoming() {
                let Ok(stream) = stream else { continue };
                #[cfg(not(unix))]
                let token = self.token.as_str();
                #[cfg(unix)]
                let token = "";
                match self.receive(stream, token) {
                    Ok(file) => on_file(file),
                    Err(e) => eprintln!("backstop-app: a hand-over from another launch failed: {e}"),
                }
            }
        });
        if let Err(e) = spawned {
            eprintln!("backstop-app: files double-clicked while Backstop runs cannot be handed over: {e}");
        }
    }

    fn receive<S: io::Read + Write>(&self, mut stream: S, token: &str) -> io::Result<Option<PathBuf>> {
        let (given, path) = {
            let mut reader = BufReader::new(io::Read::take(&mut stream, 64 * 1024));
            let (mut given, mut path) = (String::new(), String::new());
            reader.read_line(&mut given)?;
            reader.read_line(&mut path)?;
            (given, path)
        };
        if given.trim_end_matches('\n') != token {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "wrong token"));
        }
        stream.write_all(b"ok\n")?;
        let path = path.trim_end_matches('\n');
        Ok((!path.is_empty()).then(|| PathBuf::from(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_launch_hands_its_file_to_the_first_and_a_crashed_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(listener) = claim(dir.path(), None).unwrap() else { panic!("the first launch must become the instance") };
        let (tx, rx) = std::sync::mpsc::channel();
        listener.serve(move |f| tx.send(f).unwrap());
        let file = dir.path().join("Site B.backstop");
        assert!(matches!(claim(dir.path(), Some(&file)).unwrap(), Claim::Handed));
        assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), Some(file));
        assert!(matches!(claim(dir.path(), None).unwrap(), Claim::Handed));
        assert_eq!(rx.recv_timeout(TIMEOUT).unwrap(), None, "a launch without a file only shows the window");

        // An endpoint nobody serves (a crashed instance): the next launch takes over.
        let other = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            let dead = std::os::unix::net::UnixListener::bind(other.path().join(NAME)).unwrap();
            drop(dead);
        }
        assert!(matches!(claim(other.path(), None).unwrap(), Claim::First(_)));
    }
}

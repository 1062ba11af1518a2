//! The server on a real socket (127.0.0.1, a free port): it answers over
//! HTTP/1.1, and a client that never finishes its request headers (a
//! slow-loris) is cut off rather than holding a connection for ever.

mod common;

use std::time::Duration;

use camaudit_server::{AppState, Limits};
use common::Fixture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start(
    f: &Fixture,
    limits: Limits,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let engine = camaudit_identify::Engine::builtin().unwrap();
    let app = AppState::open(f.location.clone(), engine, &limits).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        camaudit_server::serve(listener, app, &limits, shutdown)
            .await
            .unwrap();
    });
    (addr, stop)
}

/// Everything the server sends until it closes the connection (bounded by
/// a generous deadline, so a hung server fails the test instead of hanging it).
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut all)).await;
    assert!(
        read.is_ok(),
        "the server kept the connection open; got {:?}",
        String::from_utf8_lossy(&all)
    );
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_on_a_socket_and_cuts_off_a_slow_loris() {
    let f = Fixture::sqlite("listener");
    let limits = Limits {
        header_timeout: Duration::from_millis(300),
        ..Fixture::limits()
    };
    let (addr, stop) = start(&f, limits).await;

    let mut ok = TcpStream::connect(addr).await.unwrap();
    ok.write_all(
        b"GET /api/v1/sites HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer ",
    )
    .await
    .unwrap();
    ok.write_all(f.tokens.viewer_a.as_bytes()).await.unwrap();
    ok.write_all(b"\r\n\r\n").await.unwrap();
    let answer = String::from_utf8(read_to_close(&mut ok).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("civic-centre"), "{answer}");

    // Headers begun and never finished.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    let cut = read_to_close(&mut slow).await;
    let text = String::from_utf8_lossy(&cut);
    assert!(
        !text.contains("200 OK"),
        "a request without its headers' end was answered: {text}"
    );

    // The server still serves after it.
    let mut again = TcpStream::connect(addr).await.unwrap();
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = String::from_utf8(read_to_close(&mut again).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = stop.send(());
}

//! The client testee for the Autobahn testsuite's fuzzingserver, on `wsframe-tokio`.
//!
//! ```text
//! autobahn_client [URL] [AGENT]
//! ```
//!
//! As `examples/autobahn-client` (the blocking one): URL and AGENT default to
//! `$AUTOBAHN_URL` (else `ws://127.0.0.1:9001`) and `$AUTOBAHN_AGENT` (else
//! `wsframe-tokio`); read the case count from `/getCaseCount`, run every case on
//! `/runCase?case=N&agent=AGENT` echoing each message, then ask for
//! `/updateReports?agent=AGENT`. Every connection offers permessage-deflate, so cases
//! 12.* and 13.* run with compression. A failing case is logged, never fatal.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use wsframe_tokio::wsframe::Config;
use wsframe_tokio::{ClientOptions, DeflateConfig, Error, Message};

/// Autobahn 9.* sends messages of up to 16 MiB; allow more.
const MAX_MESSAGE: u64 = 64 << 20;
/// A generous bound on one case.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one connection to `url` to its end, echoing; returns the first text message.
async fn run(url: &str) -> Result<Option<String>, Error> {
    let options = ClientOptions {
        config: Config {
            max_frame_len: MAX_MESSAGE,
            max_message_len: MAX_MESSAGE,
            ..Config::default()
        },
        permessage_deflate: Some(DeflateConfig::default()),
        ..ClientOptions::default()
    };
    let mut ws = wsframe_tokio::connect_with(url, &options).await?;
    let mut first_text = None;
    while let Some(message) = ws.next().await {
        match message? {
            Message::Text(text) => {
                first_text.get_or_insert_with(|| text.to_string());
                ws.send(Message::Text(text)).await?;
            }
            Message::Binary(data) => ws.send(Message::Binary(data)).await?,
            _ => {}
        }
    }
    Ok(first_text)
}

async fn run_bounded(url: &str) -> Result<Option<String>, Error> {
    tokio::time::timeout(CASE_TIMEOUT, run(url))
        .await
        .unwrap_or(Err(Error::Closed))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_URL").ok())
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let url = url.trim_end_matches('/').to_owned();
    let agent = args
        .next()
        .or_else(|| std::env::var("AUTOBAHN_AGENT").ok())
        .unwrap_or_else(|| "wsframe-tokio".to_owned());

    let count = match run_bounded(&format!("{url}/getCaseCount")).await {
        Ok(Some(text)) => text.trim().parse::<u32>().ok(),
        Ok(None) => None,
        Err(e) => {
            eprintln!("autobahn_client: getCaseCount failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Some(count) = count else {
        eprintln!("autobahn_client: getCaseCount sent no number");
        return ExitCode::FAILURE;
    };
    println!("autobahn_client: {count} cases, agent {agent}");

    let started = Instant::now();
    for case in 1..=count {
        let case_started = Instant::now();
        let result = run_bounded(&format!("{url}/runCase?case={case}&agent={agent}")).await;
        let ms = case_started.elapsed().as_millis();
        match result {
            Ok(_) => println!("case {case}: closed ({ms} ms)"),
            Err(e) => println!("case {case}: ended: {e} ({ms} ms)"),
        }
    }
    println!(
        "autobahn_client: {count} cases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    match run_bounded(&format!("{url}/updateReports?agent={agent}")).await {
        Ok(_) => {
            println!("autobahn_client: reports updated");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("autobahn_client: updateReports failed: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `handoff simulate`: the built-in simulator as a server, to try the console or a script against
//! by hand.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Args;

use super::EXIT_BAD_INPUT;
use crate::demo;
use crate::simulator::Simulator;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to listen on; loopback only
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
}

pub async fn run(args: SimulateArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "error: --listen {}: the simulator serves loopback only (127.0.0.1 or [::1])",
            args.listen
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let simulator = match Simulator::start(demo::simulator_config(), args.listen).await {
        Ok(simulator) => simulator,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    println!("{}", instructions(&simulator));
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-c: {error}");
    }
    simulator.shutdown().await;
    ExitCode::SUCCESS
}

/// A config that works against this simulator, ready to paste.
fn instructions(simulator: &Simulator) -> String {
    format!(
        "handoff simulator listening on {base}; Ctrl-c stops it.\n\
         It knows the demo roster (`handoff --demo` shows it) and signs with the demo app.\n\
         A config for it (the demo secret is in src/demo.rs; set it in HANDOFF_DEMO_SECRET):\n\n\
         [platform]\nhost = \"{base}\"\nstream_id = \"{stream}\"\norg_id = \"{org}\"\naccount_id = \"{account}\"\n\n\
         [auth]\nclient_id = \"{client}\"\nclient_secret_env = \"HANDOFF_DEMO_SECRET\"\n\n\
         [callback]\nurl = \"{sink}\"\n",
        base = simulator.base_url(),
        stream = demo::STREAM_ID,
        org = demo::ORG_ID,
        account = demo::ACCOUNT_ID,
        client = demo::CLIENT_ID,
        sink = simulator.callback_sink_url(),
    )
}

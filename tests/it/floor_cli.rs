//! `handoff floor` against the simulator over real HTTP: every queue's figures, most urgent
//! first, as a table or JSON; without queue-performance's scope, counted in the list and said
//! so; bad input refused before anything is read.

use handoff_simulator::SimulatorConfig;

use crate::support::{simulator_config, workspace_with};

#[tokio::test]
async fn the_worst_queue_comes_first_with_the_numbers_of_queue_performance() {
    let (simulator, ws) = workspace_with(simulator_config()).await;
    let run = ws.run(&["floor", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    let reading = run.json();
    let queues = reading["queues"].as_array().expect("queues");
    assert!(!queues.is_empty(), "{reading}");
    // Most urgent first: every queue past a threshold before any that is not.
    let over: Vec<bool> = queues
        .iter()
        .map(|q| q["sla_low"] == true || q["wait_long"] == true)
        .collect();
    assert!(over.windows(2).all(|w| w[0] >= w[1]), "{over:?}");
    // The waiting agree with the list, read beside them.
    let waiting: u64 = queues.iter().map(|q| q["waiting"].as_u64().unwrap()).sum();
    let list = ws
        .run(&["conversations", "--status", "OPEN,OVERDUE", "--json"])
        .await;
    assert_eq!(waiting, list.stdout.lines().count() as u64, "{reading}");
    assert!(queues[0]["agents"]["available"].is_u64(), "{reading}");
    assert!(reading["numbers_since"].is_string(), "{reading}");
    let table = ws.run(&["floor"]).await;
    assert_eq!(table.code, 0, "{}", table.all());
    let first = table.stdout.lines().nth(1).expect("a line per queue");
    assert!(
        first.contains(queues[0]["name"].as_str().unwrap()),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("SLA and abandoned since"),
        "{}",
        table.stdout
    );
    // One queue-performance read served every queue.
    assert!(simulator.calls().queue_performance >= 1);
    assert_eq!(simulator.calls().queue_stats, 0);
    simulator.shutdown().await;
}

#[tokio::test]
async fn without_the_scope_the_list_is_counted_and_it_says_why() {
    let (simulator, ws) = workspace_with(SimulatorConfig {
        queue_performance_scope: false,
        ..simulator_config()
    })
    .await;
    let run = ws.run(&["floor", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("\"Configuration\" API scope"),
        "{}",
        run.stderr
    );
    let reading = run.json();
    let queues = reading["queues"].as_array().unwrap();
    assert!(
        queues.iter().all(|q| q["sla_percent"].is_null()),
        "{reading}"
    );
    assert!(
        queues.iter().any(|q| q["waiting"].as_u64() > Some(0)),
        "{reading}"
    );
    simulator.shutdown().await;
}

#[tokio::test]
async fn a_watch_out_of_range_is_refused_before_anything_is_read() {
    let (simulator, ws) = workspace_with(simulator_config()).await;
    for secs in ["0", "4", "3601"] {
        let run = ws.run(&["floor", "--watch", secs]).await;
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr
                .contains("--watch: expected seconds from 5 to 3600"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(simulator.calls().total(), 0);
    simulator.shutdown().await;
}

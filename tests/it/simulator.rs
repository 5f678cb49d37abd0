//! The simulator over real HTTP on loopback, as the product's client will see it.

use std::net::SocketAddr;
use std::time::Duration;

use std::collections::{BTreeMap, HashSet};
use std::time::SystemTime;

use handoff_simulator::{
    CallbackPlan, ConversationsConfig, Replies, SimAgent, SimQueue, Simulator, SimulatorConfig,
    agent_presence, callback_plan, generated_agents,
};
use jsonwebtoken::{EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

const STREAM: &str = "st-3f1c2b9e-5d6a-4c8b-9e7f-0a1b2c3d4e5f";
const ORG: &str = "o-fbfa482a-bf65-5386-963e-f00a8cc71234";
const ACCOUNT: &str = "6538f8a3c9cf425ee5cf0a1b";
const CLIENT_ID: &str = "cs-7d4e8a2b-1c3f-4e5d-9a8b-7c6d5e4f3a2b";
const SECRET: &str = "test-client-secret-do-not-use";
const AGENT: &str = "a-59bb17e-0cae-46b0-8d80-a8a8ac34e55c";
const QUEUE: &str = "qu-b5d3bb4-a1ac-4caa-9be6-55a5abc3e0f1";
const SESSION: &str = "653a06c9aae89c5fbb4e1234";
const RATE_MESSAGE: &str =
    "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";
const WAIT: Duration = Duration::from_secs(5);
/// A state period so long that the live state's time bucket cannot change during a test.
const FROZEN: Duration = Duration::from_secs(1_000_000_000_000);

fn config(rate_limit_per_minute: u32) -> SimulatorConfig {
    SimulatorConfig {
        stream_id: STREAM.into(),
        org_id: ORG.into(),
        account_id: ACCOUNT.into(),
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        agents: vec![SimAgent {
            id: AGENT.into(),
            first_name: "Amara".into(),
            last_name: "Okafor".into(),
            email: "amara.okafor@example.com".into(),
            groups: vec!["Tier 1".into()],
            queue_ids: vec![QUEUE.into()],
        }],
        queues: vec![sim_queue(QUEUE, "Billing", true)],
        agent_page_size: 10,
        state_period: FROZEN,
        rate_limit_per_minute,
        callback_delay: Duration::from_millis(10),
        callback_failure_percent: 0,
        callback_silence_percent: 0,
        random_faults_after: 0,
        late_callback_delay: Duration::from_millis(50),
        replies: Replies::Live,
        rate_window: Duration::from_secs(60),
        conversations: ConversationsConfig::default(),
        queue_performance_scope: true,
        frozen_at: None,
        clock_skew_secs: 0,
        callback_trusted_roots: Vec::new(),
    }
}

fn sim_queue(id: &str, name: &str, active: bool) -> SimQueue {
    SimQueue {
        id: id.into(),
        name: name.into(),
        description: format!("{name} conversations"),
        active,
    }
}

async fn start_with(config: SimulatorConfig) -> Simulator {
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    Simulator::start(config, loopback)
        .await
        .expect("simulator starts")
}

async fn start() -> Simulator {
    start_with(config(60)).await
}

fn now_secs() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// A token as the product signs one: fresh `jti`, `iat`, short `exp`.
fn token_with(app_id: &str, secret: &str, exp: u64) -> String {
    handoff_simulator::install_jwt_crypto();
    let claims = json!({
        "appId": app_id,
        "sub": "handoff-test",
        "iat": now_secs(),
        "exp": exp,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token signs")
}

fn token() -> String {
    token_with(CLIENT_ID, SECRET, now_secs() + 300)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

fn assign_url(sim: &Simulator, stream: &str) -> String {
    format!(
        "{}/agentassist/api/v1/public/{stream}/assign-conversation",
        sim.base_url()
    )
}

fn agent_body(sim: &Simulator, session: &str) -> Value {
    json!({
        "callbackUrl": sim.callback_sink_url(),
        "orgId": ORG,
        "aId": AGENT,
        "botSessionId": session,
    })
}

fn queue_body(sim: &Simulator, session: &str) -> Value {
    json!({
        "callbackUrl": sim.callback_sink_url(),
        "orgId": ORG,
        "transferredType": "QUEUE",
        "queueId": QUEUE,
        "botSessionId": session,
    })
}

/// A correct request (right headers and stream) that tests then spoil one way each.
fn request(sim: &Simulator) -> reqwest::RequestBuilder {
    request_with_token(sim, &token())
}

fn request_with_token(sim: &Simulator, token: &str) -> reqwest::RequestBuilder {
    http()
        .post(assign_url(sim, STREAM))
        .header("auth", token)
        .header("accountid", ACCOUNT)
}

struct Answer {
    status: StatusCode,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("body is JSON")
    }

    /// `errors[0].msg`, after checking the platform's error shape and code.
    fn error_msg(&self) -> String {
        let json = self.json();
        assert_eq!(json["errors"][0]["code"], self.status.as_u16(), "{json}");
        json["errors"][0]["msg"]
            .as_str()
            .expect("errors[0].msg is a string")
            .to_owned()
    }
}

async fn send(builder: reqwest::RequestBuilder) -> Answer {
    let response = builder.send().await.expect("simulator answers");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|value: &reqwest::header::HeaderValue| value.to_str().expect("ASCII").to_owned())
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let retry_after = header(reqwest::header::RETRY_AFTER);
    Answer {
        status: response.status(),
        content_type,
        retry_after,
        body: response.text().await.expect("body reads"),
    }
}

async fn send_json(sim: &Simulator, body: &Value) -> Answer {
    send(request(sim).json(body)).await
}

/// Sends a spoiled request and checks the refusal's status and message.
async fn assert_refused(builder: reqwest::RequestBuilder, status: StatusCode, msg_part: &str) {
    let answer = send(builder).await;
    assert_eq!(answer.status, status, "body: {}", answer.body);
    let msg = answer.error_msg();
    assert!(msg.contains(msg_part), "message {msg:?} lacks {msg_part:?}");
    assert!(!msg.contains(SECRET), "message leaks the secret");
}

#[tokio::test]
async fn agent_transfer_replies_exactly_as_documented() {
    let sim = start().await;
    let before = chrono::Utc::now().timestamp_millis();
    let answer = send_json(&sim, &agent_body(&sim, SESSION)).await;
    let after = chrono::Utc::now().timestamp_millis();

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let reply = answer.json();
    let completed_at = reply["requestCompletedAt"]
        .as_i64()
        .expect("epoch milliseconds");
    assert!((before..=after).contains(&completed_at));
    assert_eq!(
        reply,
        json!({
            "sessionId": SESSION,
            "agentId": AGENT,
            "status": "transferred",
            "requestCompletedAt": completed_at,
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_transfer_replies_with_the_queue_id() {
    let sim = start().await;
    let answer = send_json(&sim, &queue_body(&sim, SESSION)).await;

    assert_eq!(answer.status, StatusCode::OK);
    let reply = answer.json();
    assert_eq!(
        reply,
        json!({
            "sessionId": SESSION,
            "queueId": QUEUE,
            "status": "transferred",
            "requestCompletedAt": reply["requestCompletedAt"].as_i64().expect("epoch milliseconds"),
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_successful_transfer_is_confirmed_by_callback() {
    let sim = start().await;
    assert_eq!(
        send_json(&sim, &agent_body(&sim, SESSION)).await.status,
        StatusCode::OK
    );

    assert!(sim.wait_for_callbacks(1, WAIT).await, "no callback arrived");
    let callbacks = sim.received_callbacks();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0]["status"], "success");
    assert_eq!(callbacks[0]["botSessionId"], SESSION);
    assert_eq!(callbacks[0]["sessionId"], SESSION);
    assert_eq!(callbacks[0]["agentId"], AGENT);
    assert!(callbacks[0]["timestamp"].is_i64());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_queue_transfer_callback_names_the_queue() {
    let sim = start().await;
    send_json(&sim, &queue_body(&sim, SESSION)).await;

    assert!(sim.wait_for_callbacks(1, WAIT).await, "no callback arrived");
    let callback = &sim.received_callbacks()[0];
    assert_eq!(callback["status"], "success");
    assert_eq!(callback["queueId"], QUEUE);
    assert!(callback.get("agentId").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn fa11_sessions_succeed_now_but_the_callback_reports_failure() {
    let sim = start().await;
    let session = "fa11c9aae89c5fbb4e123456";
    assert_eq!(
        send_json(&sim, &agent_body(&sim, session)).await.status,
        StatusCode::OK
    );

    assert!(sim.wait_for_callbacks(1, WAIT).await, "no callback arrived");
    let callback = &sim.received_callbacks()[0];
    assert_eq!(callback["status"], "failure");
    assert_eq!(callback["botSessionId"], session);
    assert_eq!(callback["message"], "Agent rejected the conversation");
    sim.shutdown().await;
}

#[tokio::test]
async fn waiting_for_callbacks_gives_up_after_the_timeout() {
    let sim = start().await;
    assert!(!sim.wait_for_callbacks(1, Duration::from_millis(50)).await);
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_missing_auth_header() {
    let sim = start().await;
    let builder = http()
        .post(assign_url(&sim, STREAM))
        .header("accountid", ACCOUNT)
        .json(&agent_body(&sim, SESSION));
    assert_refused(
        builder,
        StatusCode::UNAUTHORIZED,
        "Missing required header: auth",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_bearer_prefix() {
    let sim = start().await;
    let builder = http()
        .post(assign_url(&sim, STREAM))
        .header("auth", format!("Bearer {}", token()))
        .header("accountid", ACCOUNT)
        .json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::UNAUTHORIZED, "Bearer").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_token_signed_with_another_secret() {
    let sim = start().await;
    let forged = token_with(CLIENT_ID, "some-other-secret", now_secs() + 300);
    let builder = request_with_token(&sim, &forged).json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::UNAUTHORIZED, "signature").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_token_for_another_app() {
    let sim = start().await;
    let other_app = token_with(
        "cs-00000000-0000-4000-8000-000000000000",
        SECRET,
        now_secs() + 300,
    );
    let builder = request_with_token(&sim, &other_app).json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::UNAUTHORIZED, "appId").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_an_expired_token() {
    let sim = start().await;
    let expired = token_with(CLIENT_ID, SECRET, now_secs() - 120);
    let builder = request_with_token(&sim, &expired).json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::UNAUTHORIZED, "expired").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn accepts_a_static_token_without_exp_iat_or_jti() {
    let sim = start().await;
    handoff_simulator::install_jwt_crypto();
    let static_token = encode(
        &Header::default(),
        &json!({ "appId": CLIENT_ID, "sub": "admin" }),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token signs");
    let builder = request_with_token(&sim, &static_token).json(&agent_body(&sim, SESSION));
    assert_eq!(send(builder).await.status, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_another_account() {
    let sim = start().await;
    let builder = http()
        .post(assign_url(&sim, STREAM))
        .header("auth", token())
        .header("accountid", "000000000000000000000000")
        .json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::FORBIDDEN, "accountid").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_missing_account_header() {
    let sim = start().await;
    let builder = http()
        .post(assign_url(&sim, STREAM))
        .header("auth", token())
        .json(&agent_body(&sim, SESSION));
    assert_refused(builder, StatusCode::UNAUTHORIZED, "accountid").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_an_unknown_stream() {
    let sim = start().await;
    let builder = http()
        .post(assign_url(&sim, "st-unknown"))
        .header("auth", token())
        .header("accountid", ACCOUNT)
        .json(&agent_body(&sim, SESSION));
    assert_refused(
        builder,
        StatusCode::NOT_FOUND,
        "Stream st-unknown not found",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_body_that_is_not_declared_json() {
    let sim = start().await;
    let builder = request(&sim)
        .header("content-type", "text/plain")
        .body(agent_body(&sim, SESSION).to_string());
    assert_refused(
        builder,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "application/json",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_body_that_is_not_json() {
    let sim = start().await;
    let builder = request(&sim)
        .header("content-type", "application/json; charset=utf-8")
        .body("callbackUrl=http://127.0.0.1/cb");
    assert_refused(builder, StatusCode::BAD_REQUEST, "not valid JSON").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_json_body_that_is_not_an_object() {
    let sim = start().await;
    assert_refused(
        request(&sim).json(&json!([1, 2])),
        StatusCode::BAD_REQUEST,
        "JSON object",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_an_oversized_body() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["padding"] = json!("x".repeat(70 * 1024));
    assert_refused(
        request(&sim).json(&body),
        StatusCode::PAYLOAD_TOO_LARGE,
        "larger",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_both_targets() {
    let sim = start().await;
    let mut body = queue_body(&sim, SESSION);
    body["aId"] = json!(AGENT);
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "not both",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_no_target() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body.as_object_mut().expect("object").remove("aId");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "Missing transfer target",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_queue_id_without_transferred_type() {
    let sim = start().await;
    let mut body = queue_body(&sim, SESSION);
    body.as_object_mut()
        .expect("object")
        .remove("transferredType");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "queueId requires transferredType",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_transferred_type_with_an_agent() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["transferredType"] = json!("QUEUE");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "only for queue transfers",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_unknown_fields_by_name() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["agentId"] = json!(AGENT);
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "agentId",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_an_unknown_agent() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["aId"] = json!("a-0000000-0000-4000-8000-000000000000");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::NOT_FOUND,
        "Agent a-0000000-0000-4000-8000-000000000000 not found",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_an_unknown_queue() {
    let sim = start().await;
    let mut body = queue_body(&sim, SESSION);
    body["queueId"] = json!("qu-nope");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::NOT_FOUND,
        "Queue qu-nope not found",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_malformed_session_id() {
    let sim = start().await;
    let body = agent_body(&sim, "653A06C9AAE89C5FBB4E1234");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "botSessionId",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_another_org() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["orgId"] = json!("o-00000000-0000-4000-8000-000000000000");
    assert_refused(request(&sim).json(&body), StatusCode::FORBIDDEN, "orgId").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn refuses_a_relative_callback_url() {
    let sim = start().await;
    let mut body = agent_body(&sim, SESSION);
    body["callbackUrl"] = json!("/callbacks");
    assert_refused(
        request(&sim).json(&body),
        StatusCode::BAD_REQUEST,
        "callbackUrl",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn dead_sessions_are_not_found() {
    let sim = start().await;
    let answer = send_json(&sim, &agent_body(&sim, "dead06c9aae89c5fbb4e1234")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(
        answer.json(),
        json!({"errors":[{"msg":"Conversation not found or already closed","code":404}]})
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn session_5000_gets_a_proxy_html_page() {
    let sim = start().await;
    let answer = send_json(&sim, &agent_body(&sim, "500006c9aae89c5fbb4e1234")).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(answer.content_type.as_deref(), Some("text/html"));
    assert!(answer.body.starts_with("<html>"), "{}", answer.body);
    assert!(serde_json::from_str::<Value>(&answer.body).is_err());
    sim.shutdown().await;
}

#[tokio::test]
async fn session_5020_gets_an_empty_bad_gateway() {
    let sim = start().await;
    let answer = send_json(&sim, &agent_body(&sim, "502006c9aae89c5fbb4e1234")).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.body, "");
    sim.shutdown().await;
}

#[tokio::test]
async fn session_5030_gets_json_without_errors() {
    let sim = start().await;
    let answer = send_json(&sim, &agent_body(&sim, "503006c9aae89c5fbb4e1234")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let json = answer.json();
    assert_eq!(json["message"], "Service temporarily unavailable");
    assert!(json.get("errors").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn failed_transfers_send_no_callback() {
    let sim = start().await;
    send_json(&sim, &agent_body(&sim, "dead06c9aae89c5fbb4e1234")).await;
    // Then a good one: its callback must be the only one the sink gets.
    send_json(&sim, &agent_body(&sim, SESSION)).await;
    assert!(sim.wait_for_callbacks(1, WAIT).await);
    let callbacks = sim.received_callbacks();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0]["botSessionId"], SESSION);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_fourth_request_in_a_minute_is_rate_limited() {
    let sim = start_with(config(3)).await;
    // A request refused for another reason still counts: the limit is on arrivals.
    send(http().post(assign_url(&sim, STREAM))).await;
    for _ in 0..2 {
        assert_eq!(
            send_json(&sim, &agent_body(&sim, SESSION)).await.status,
            StatusCode::OK
        );
    }
    let answer = send_json(&sim, &agent_body(&sim, SESSION)).await;

    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error_msg(), RATE_MESSAGE);
    let retry_after: u64 = answer
        .retry_after
        .as_deref()
        .expect("Retry-After header")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");

    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 200, 200, 429]);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_platform_paths_count_against_the_rate_limit() {
    let sim = start_with(config(1)).await;
    let unknown = send(http().get(format!("{}/agentassist/api/v1/nope", sim.base_url()))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.error_msg().contains("/agentassist/api/v1/nope"));

    let answer = send_json(&sim, &agent_body(&sim, SESSION)).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    sim.shutdown().await;
}

#[tokio::test]
async fn requests_are_recorded_with_their_answers() {
    let sim = start().await;
    let good = agent_body(&sim, SESSION);
    send_json(&sim, &good).await;
    send(
        http()
            .post(assign_url(&sim, STREAM))
            .header("AccountId", ACCOUNT)
            .body("not json"),
    )
    .await;
    // The sink is not part of the platform API and is not recorded.
    send(http().post(sim.callback_sink_url()).json(&json!({"x": 1}))).await;

    let recorded = sim.requests();
    assert_eq!(recorded.len(), 2);
    let path = format!("/agentassist/api/v1/public/{STREAM}/assign-conversation");

    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].path, path);
    assert_eq!(recorded[0].status, 200);
    assert_eq!(recorded[0].headers["accountid"], ACCOUNT);
    assert_eq!(recorded[0].headers["content-type"], "application/json");
    assert!(!recorded[0].headers["auth"].starts_with("Bearer"));
    assert_eq!(
        serde_json::from_str::<Value>(&recorded[0].body).expect("recorded JSON"),
        good
    );

    assert_eq!(recorded[1].status, 401);
    assert_eq!(recorded[1].headers["accountid"], ACCOUNT);
    assert_eq!(recorded[1].body, "not json");
    sim.shutdown().await;
}

/// Each call counts as it arrives, by the route it addressed, refused ones too; the sink and
/// unknown paths are no platform call and do not count.
#[tokio::test]
async fn calls_are_counted_by_kind() {
    let sim = start_with(roster_config(60)).await;
    for builder in roster_calls(&sim) {
        send(builder).await;
    }
    send_json(&sim, &agent_body(&sim, SESSION)).await;
    let without_token = http()
        .post(assign_url(&sim, STREAM))
        .header("accountid", ACCOUNT);
    assert_eq!(send(without_token).await.status, StatusCode::UNAUTHORIZED);
    send(call(&sim, reqwest::Method::GET, "/conversations?limit=5")).await;
    let day = performance_body(SystemTime::now(), json!({}));
    send(queue_performance_call(&sim, &day)).await;
    send(http().post(sim.callback_sink_url()).json(&json!({"x": 1}))).await;
    send(call(&sim, reqwest::Method::GET, "/no-such-call")).await;

    let calls = sim.calls();
    assert_eq!(
        calls,
        handoff_simulator::CallCounts {
            conversation_list: 1,
            agent_list: 1,
            availability: 1,
            queue_stats: 1,
            queue_list: 1,
            queue_performance: 1,
            assign: 2,
            // `GET /queues/{queueId}`
            other: 1,
        }
    );
    assert_eq!(calls.total(), sim.arrived());
    sim.shutdown().await;
}

#[tokio::test]
async fn the_sink_records_json_and_refuses_anything_else() {
    let sim = start().await;
    let ok = send(
        http()
            .post(sim.callback_sink_url())
            .json(&json!({"status": "success"})),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), json!({"ok": true}));

    let bad = send(http().post(sim.callback_sink_url()).body("<xml/>")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.error_msg().contains("JSON"));

    assert_eq!(sim.received_callbacks(), [json!({"status": "success"})]);
    sim.shutdown().await;
}

#[tokio::test]
async fn urls_point_at_the_bound_loopback_port() {
    let sim = start().await;
    let port = sim.addr().port();
    assert_ne!(port, 0);
    assert_eq!(sim.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        sim.callback_sink_url(),
        format!("http://127.0.0.1:{port}/_sim/callbacks")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sim = start().await;
    let url = assign_url(&sim, STREAM);
    sim.shutdown().await;
    assert!(http().post(url).send().await.is_err());
}

// ---- Roster and presence calls ----

const SUPPORT: &str = "qu-7c1e2d3-4b5a-4968-8776-a5b4c3d2e1f0";
const IDLE: &str = "qu-0a9b8c7-d6e5-4f43-a210-fedcba987654";
const TEAMS: [&str; 3] = ["Tier 1", "Tier 2", "Escalations"];

/// 23 generated agents over three queues (the last inactive), 10 agents a page.
fn roster_config(rate_limit_per_minute: u32) -> SimulatorConfig {
    let queues = vec![
        sim_queue(QUEUE, "Billing", true),
        sim_queue(SUPPORT, "Tech support", true),
        sim_queue(IDLE, "Night shift", false),
    ];
    SimulatorConfig {
        agents: generated_agents(23, &TEAMS, &queues),
        queues,
        ..config(rate_limit_per_minute)
    }
}

fn platform_url(sim: &Simulator, path: &str) -> String {
    format!(
        "{}/agentassist/api/v1/public/{STREAM}{path}",
        sim.base_url()
    )
}

/// An authorized call to `path` below the stream.
fn call(sim: &Simulator, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    http()
        .request(method, platform_url(sim, path))
        .header("auth", token())
        .header("accountid", ACCOUNT)
}

async fn get_json(sim: &Simulator, path: &str) -> Value {
    let answer = send(call(sim, reqwest::Method::GET, path)).await;
    assert_eq!(answer.status, StatusCode::OK, "GET {path}: {}", answer.body);
    answer.json()
}

async fn availability(sim: &Simulator, filter: &Value) -> Value {
    let answer = send(call(sim, reqwest::Method::POST, "/agents/availability").json(filter)).await;
    assert_eq!(answer.status, StatusCode::OK, "{filter}: {}", answer.body);
    answer.json()
}

fn agents_path() -> String {
    format!("/organizations/{ORG}/agents")
}

fn ids_of(results: &Value) -> Vec<String> {
    results
        .as_array()
        .expect("an array")
        .iter()
        .map(|entry| entry["id"].as_str().expect("id is a string").to_owned())
        .collect()
}

/// `_id` → bucket name for every agent in an availability reply, checking each entry's shape.
fn buckets_of(reply: &Value) -> BTreeMap<String, String> {
    let object = reply.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["AVAILABLE", "AWAY", "BUSY", "OFFLINE"]);
    let mut buckets = BTreeMap::new();
    for (bucket, entries) in object {
        for entry in entries.as_array().expect("bucket is an array") {
            let id = entry["_id"].as_str().expect("_id").to_owned();
            assert!(entry["firstName"].is_string() && entry["lastName"].is_string());
            for channel in ["liveChat", "messaging", "email", "voice"] {
                let capacity = &entry["channelCapacity"][channel];
                let total = capacity["totalCapacity"].as_u64().expect("total");
                let used = capacity["usedCapacity"].as_u64().expect("used");
                assert_eq!(capacity["availableCapacity"].as_u64(), Some(total - used));
            }
            assert!(buckets.insert(id, bucket.clone()).is_none(), "{reply}");
        }
    }
    buckets
}

/// What `agent_presence` predicts for `agents`, keyed like [`buckets_of`].
fn predicted_buckets<'a>(
    config: &SimulatorConfig,
    agents: impl Iterator<Item = &'a SimAgent>,
) -> BTreeMap<String, String> {
    let now = SystemTime::now();
    agents
        .map(|agent| {
            let (presence, _, _) = agent_presence(config, &agent.id, now).expect("on the roster");
            (agent.id.clone(), presence.bucket().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_agent_list_pages_through_the_roster() {
    let config = roster_config(60);
    let sim = start_with(config.clone()).await;

    let first = get_json(&sim, &agents_path()).await;
    assert_eq!(first["page"], 1);
    assert_eq!(first["limit"], 10);
    assert_eq!(first["hasMore"], true);
    assert_eq!(first["totalPages"], 3);
    assert_eq!(first["totalResults"], 23);
    let second = get_json(&sim, &format!("{}?page=2", agents_path())).await;
    assert_eq!(
        (second["page"].clone(), second["hasMore"].clone()),
        (json!(2), json!(true))
    );
    let third = get_json(&sim, &format!("{}?page=3", agents_path())).await;
    assert_eq!(third["hasMore"], false);
    assert_eq!(third["results"].as_array().map(Vec::len), Some(3));

    let listed: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|page| ids_of(&page["results"]))
        .collect();
    let roster: Vec<String> = config.agents.iter().map(|agent| agent.id.clone()).collect();
    assert_eq!(listed, roster);

    let past_end = get_json(&sim, &format!("{}?page=4", agents_path())).await;
    assert_eq!(past_end["results"], json!([]));
    assert_eq!(past_end["hasMore"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn agent_entries_carry_identity_queues_teams_and_current_presence() {
    let config = roster_config(60);
    let sim = start_with(config.clone()).await;
    let page = get_json(&sim, &agents_path()).await;
    let agent = &config.agents[0];
    let entry = &page["results"][0];

    let (presence, _, _) =
        agent_presence(&config, &agent.id, SystemTime::now()).expect("on the roster");
    let queues: Vec<Value> = agent
        .queue_ids
        .iter()
        .map(|id| {
            let queue = config.queues.iter().find(|q| q.id == *id).expect("known");
            json!({"id": queue.id, "name": queue.name})
        })
        .collect();
    let user_id = entry["userId"].as_str().expect("userId");
    assert!(
        user_id.starts_with("u-") && user_id.len() == 38,
        "{user_id}"
    );
    assert_eq!(
        *entry,
        json!({
            "id": agent.id,
            "userId": user_id,
            "firstName": agent.first_name,
            "lastName": agent.last_name,
            "emailId": agent.email,
            "status": "ACTIVE",
            "onlineStatus": presence.as_str(),
            "queues": queues,
            "skills": [],
            "agentGroups": [{"name": TEAMS[0]}],
        })
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_agent_list_refuses_bad_pages_and_other_orgs() {
    let sim = start_with(roster_config(60)).await;
    for bad in ["abc", "0", "-1", "1.5"] {
        let path = format!("{}?page={bad}", agents_path());
        assert_refused(
            call(&sim, reqwest::Method::GET, &path),
            StatusCode::BAD_REQUEST,
            "page",
        )
        .await;
    }
    assert_refused(
        call(
            &sim,
            reqwest::Method::GET,
            "/organizations/o-00000000-0000-4000-8000-000000000000/agents",
        ),
        StatusCode::FORBIDDEN,
        "orgId",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn availability_buckets_everyone_by_their_presence() {
    let config = roster_config(60);
    let sim = start_with(config.clone()).await;
    let reply = availability(&sim, &json!({})).await;

    assert_eq!(
        buckets_of(&reply),
        predicted_buckets(&config, config.agents.iter())
    );
    let now = SystemTime::now();
    for (bucket, entries) in reply.as_object().expect("object") {
        for entry in entries.as_array().expect("array") {
            let id = entry["_id"].as_str().expect("_id");
            let chat = &entry["channelCapacity"]["liveChat"];
            let (_, used, total) = agent_presence(&config, id, now).expect("on the roster");
            assert_eq!(chat["usedCapacity"], used);
            assert_eq!(chat["totalCapacity"], total);
            match bucket.as_str() {
                "BUSY" => assert!(used >= 1, "busy {id} has no chats"),
                "OFFLINE" => assert_eq!(used, 0, "offline {id} has chats"),
                _ => {}
            }
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn availability_filters_by_agent_and_by_queue() {
    let config = roster_config(60);
    let sim = start_with(config.clone()).await;

    let chosen = &config.agents[2..5];
    let mut ids: Vec<&str> = chosen.iter().map(|agent| agent.id.as_str()).collect();
    ids.push("a-0000000-0000-4000-8000-000000000000");
    let by_agent = availability(&sim, &json!({ "agentIds": ids })).await;
    assert_eq!(
        buckets_of(&by_agent),
        predicted_buckets(&config, chosen.iter())
    );

    let in_support = config
        .agents
        .iter()
        .filter(|agent| agent.queue_ids.iter().any(|id| id == SUPPORT));
    let expected = predicted_buckets(&config, in_support);
    assert!(!expected.is_empty() && expected.len() < config.agents.len());
    let by_queue = availability(&sim, &json!({ "queueIds": [SUPPORT] })).await;
    assert_eq!(buckets_of(&by_queue), expected);

    let nobody = availability(&sim, &json!({ "queueIds": ["qu-nope"] })).await;
    assert!(buckets_of(&nobody).is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn availability_refuses_bodies_that_are_not_filter_objects() {
    let sim = start_with(roster_config(60)).await;
    let path = "/agents/availability";
    let cases = [
        (json!([AGENT]), "JSON object"),
        (json!({ "agentIds": AGENT }), "agentIds"),
        (json!({ "agentIds": [1] }), "agentIds"),
        (json!({ "agentIDs": [AGENT] }), "agentIDs"),
    ];
    for (body, msg_part) in cases {
        let builder = call(&sim, reqwest::Method::POST, path).json(&body);
        assert_refused(builder, StatusCode::BAD_REQUEST, msg_part).await;
    }
    let not_json = call(&sim, reqwest::Method::POST, path).body("agentIds=1");
    assert_refused(not_json, StatusCode::BAD_REQUEST, "not valid JSON").await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_queue_list_pages_with_a_limit() {
    let sim = start_with(roster_config(60)).await;

    let first = get_json(&sim, "/queues?limit=2").await;
    assert_eq!(ids_of(&first["results"]), [QUEUE, SUPPORT]);
    assert_eq!(first["page"], 1);
    assert_eq!(first["limit"], 2);
    assert_eq!(first["hasMore"], true);
    assert_eq!(first["totalPages"], 2);
    assert_eq!(first["totalResults"], 3);
    let second = get_json(&sim, "/queues?page=2&limit=2").await;
    assert_eq!(
        second["results"],
        json!([{
            "id": IDLE,
            "name": "Night shift",
            "isActive": false,
            "isDefault": false,
            "description": "Night shift conversations",
        }])
    );
    assert_eq!(second["hasMore"], false);

    let all = get_json(&sim, "/queues").await;
    assert_eq!(all["limit"], 25);
    assert_eq!(ids_of(&all["results"]), [QUEUE, SUPPORT, IDLE]);
    assert_eq!(all["results"][0]["isDefault"], true);
    assert_eq!(get_json(&sim, "/queues?limit=1000").await["limit"], 100);
    assert_refused(
        call(&sim, reqwest::Method::GET, "/queues?limit=0"),
        StatusCode::BAD_REQUEST,
        "limit",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn one_queue_is_found_by_id() {
    let sim = start_with(roster_config(60)).await;
    assert_eq!(
        get_json(&sim, &format!("/queues/{SUPPORT}")).await,
        json!({
            "id": SUPPORT,
            "name": "Tech support",
            "isActive": true,
            "isDefault": false,
            "description": "Tech support conversations",
        })
    );
    assert_refused(
        call(&sim, reqwest::Method::GET, "/queues/qu-nope"),
        StatusCode::NOT_FOUND,
        "Queue qu-nope not found",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_stats_agree_with_the_agents_presence() {
    let config = roster_config(60);
    let sim = start_with(config.clone()).await;
    for queue in &config.queues {
        let path = format!("/monitor/queueStatsById/{}", queue.id);
        let answer = send(call(&sim, reqwest::Method::POST, &path).json(&json!({}))).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let reply = answer.json();
        let stats = &reply[0];
        assert_eq!(reply.as_array().map(Vec::len), Some(1));
        assert_eq!(stats["queueId"], queue.id);
        assert_eq!(stats["queueName"], queue.name);

        let members = config
            .agents
            .iter()
            .filter(|agent| agent.queue_ids.contains(&queue.id));
        let predicted = predicted_buckets(&config, members);
        let count = |bucket: &str| predicted.values().filter(|b| *b == bucket).count();
        assert_eq!(
            stats["agentStatus"],
            json!({
                "available": count("AVAILABLE"),
                "busy": count("BUSY"),
                "away": count("AWAY"),
                "offline": count("OFFLINE"),
            })
        );
        assert_eq!(stats["noOfAgents"], predicted.len());
        assert!(stats["engaged"].is_u64() && stats["dropOff"].is_u64());
        let summary = &stats["queueSummary"];
        let avg = summary["avgWait"].as_u64().expect("avgWait in ms");
        assert!(summary["maxWait"].as_u64().expect("maxWait in ms") >= avg);
        assert!(summary["ASA"].is_u64());
        if !queue.active {
            assert_eq!(stats["waiting"], 0, "inactive {} has waiting", queue.name);
        }
    }
    assert_refused(
        call(
            &sim,
            reqwest::Method::POST,
            "/monitor/queueStatsById/qu-nope",
        )
        .json(&json!({})),
        StatusCode::NOT_FOUND,
        "Queue qu-nope not found",
    )
    .await;
    sim.shutdown().await;
}

/// Method, path and JSON body (if any) of one valid call to each roster endpoint.
fn roster_endpoints() -> Vec<(reqwest::Method, String, Option<Value>)> {
    use reqwest::Method;
    vec![
        (Method::GET, agents_path(), None),
        (Method::POST, "/agents/availability".into(), Some(json!({}))),
        (Method::GET, "/queues".into(), None),
        (Method::GET, format!("/queues/{QUEUE}"), None),
        (
            Method::POST,
            format!("/monitor/queueStatsById/{QUEUE}"),
            Some(json!({})),
        ),
    ]
}

/// One authorized call to each roster endpoint, valid in every other respect.
fn roster_calls(sim: &Simulator) -> Vec<reqwest::RequestBuilder> {
    roster_endpoints()
        .into_iter()
        .map(|(method, path, body)| {
            let builder = call(sim, method, &path);
            match body {
                Some(body) => builder.json(&body),
                None => builder,
            }
        })
        .collect()
}

#[tokio::test]
async fn roster_calls_count_against_the_rate_limit_with_transfers() {
    let sim = start_with(roster_config(5)).await;
    for builder in roster_calls(&sim) {
        assert_eq!(send(builder).await.status, StatusCode::OK);
    }
    let transfer = send_json(&sim, &agent_body(&sim, SESSION)).await;
    assert_eq!(transfer.status, StatusCode::TOO_MANY_REQUESTS);
    for builder in roster_calls(&sim) {
        let answer = send(builder).await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.error_msg(), RATE_MESSAGE);
        assert!(answer.retry_after.is_some());
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn roster_calls_require_auth_and_are_recorded() {
    let sim = start_with(roster_config(60)).await;
    for (method, path, body) in roster_endpoints() {
        let mut builder = http()
            .request(method, platform_url(&sim, &path))
            .header("accountid", ACCOUNT);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        assert_refused(
            builder,
            StatusCode::UNAUTHORIZED,
            "Missing required header: auth",
        )
        .await;
    }
    let recorded: Vec<(String, String, u16)> = sim
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect();
    let expected: Vec<(String, String, u16)> = roster_endpoints()
        .into_iter()
        .map(|(method, path, _)| {
            let full = format!("/agentassist/api/v1/public/{STREAM}{path}");
            (method.to_string(), full, 401)
        })
        .collect();
    assert_eq!(recorded, expected);
    sim.shutdown().await;
}

#[tokio::test]
async fn roster_calls_check_method_and_stream() {
    let sim = start_with(roster_config(60)).await;
    assert_refused(
        call(&sim, reqwest::Method::POST, "/queues").json(&json!({})),
        StatusCode::METHOD_NOT_ALLOWED,
        "use GET",
    )
    .await;
    assert_refused(
        call(&sim, reqwest::Method::GET, "/agents/availability"),
        StatusCode::METHOD_NOT_ALLOWED,
        "use POST",
    )
    .await;
    let other_stream = format!(
        "{}/agentassist/api/v1/public/st-unknown/queues",
        sim.base_url()
    );
    let builder = http()
        .get(other_stream)
        .header("auth", token())
        .header("accountid", ACCOUNT);
    assert_refused(
        builder,
        StatusCode::NOT_FOUND,
        "Stream st-unknown not found",
    )
    .await;
    sim.shutdown().await;
}

fn has_documented_agent_shape(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("a-") else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    lengths == [7, 4, 4, 4, 12]
        && groups.iter().all(|group| {
            group
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

#[test]
fn generated_agents_are_unique_well_formed_and_deterministic() {
    let queues = [
        sim_queue(QUEUE, "Billing", true),
        sim_queue(SUPPORT, "Tech support", true),
        sim_queue(IDLE, "Night shift", false),
    ];
    let agents = generated_agents(120, &TEAMS, &queues);
    assert_eq!(agents.len(), 120);

    let ids: HashSet<&str> = agents.iter().map(|agent| agent.id.as_str()).collect();
    let emails: HashSet<&str> = agents.iter().map(|agent| agent.email.as_str()).collect();
    assert_eq!((ids.len(), emails.len()), (120, 120));
    let first_names: HashSet<&str> = agents.iter().map(|a| a.first_name.as_str()).collect();
    let last_names: HashSet<&str> = agents.iter().map(|a| a.last_name.as_str()).collect();
    assert!(first_names.len() >= 30 && last_names.len() >= 30);

    let queue_ids: Vec<&str> = queues.iter().map(|queue| queue.id.as_str()).collect();
    for agent in &agents {
        assert!(has_documented_agent_shape(&agent.id), "{}", agent.id);
        let email = format!(
            "{}.{}@example.com",
            agent.first_name.to_lowercase(),
            agent.last_name.to_lowercase()
        );
        assert_eq!(agent.email, email);
        assert!(agent.groups.len() <= 1);
        assert!(agent.groups.iter().all(|g| TEAMS.contains(&g.as_str())));
        assert!((1..=2).contains(&agent.queue_ids.len()), "{agent:?}");
        assert!(
            agent
                .queue_ids
                .iter()
                .all(|id| queue_ids.contains(&id.as_str()))
        );
        assert!(agent.queue_ids.first() != agent.queue_ids.get(1));
    }
    assert!(agents.iter().any(|agent| agent.queue_ids.len() == 2));
    assert!(agents.iter().any(|agent| agent.queue_ids.len() == 1));
    let ungrouped = agents
        .iter()
        .filter(|agent| agent.groups.is_empty())
        .count();
    assert_eq!(ungrouped, 24, "every fifth agent is in no group");

    let again = generated_agents(120, &TEAMS, &queues);
    assert_eq!(format!("{agents:?}"), format!("{again:?}"));
}

/// The configured shares of failed and missing callbacks, picked per session, and `b1ac`.
#[tokio::test]
async fn callbacks_fail_or_go_missing_in_the_configured_shares() {
    let config = SimulatorConfig {
        callback_delay: Duration::from_millis(2),
        callback_failure_percent: 30,
        callback_silence_percent: 20,
        ..config(1000)
    };
    let simulator = start_with(config.clone()).await;
    let mut sessions: Vec<String> = (1..=60).map(|n| format!("{n:024x}")).collect();
    sessions.push("b1ac06c9aae89c5fbb4e1234".into());
    let planned: Vec<CallbackPlan> = sessions
        .iter()
        .map(|s| callback_plan(&config, s, AGENT))
        .collect();
    let count = |plan| planned.iter().filter(|p| **p == plan).count();
    assert!(
        (10..=26).contains(&count(CallbackPlan::Failure)),
        "{planned:?}"
    );
    assert!((5..=20).contains(&count(CallbackPlan::None)), "{planned:?}");
    assert_eq!(
        planned.last(),
        Some(&CallbackPlan::None),
        "b1ac never calls back"
    );

    for session in &sessions {
        let answer = send_json(&simulator, &agent_body(&simulator, session)).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let expected = sessions.len() - count(CallbackPlan::None);
    assert!(simulator.wait_for_callbacks(expected, WAIT).await);
    for (session, plan) in sessions.iter().zip(&planned) {
        let got: Vec<Value> = simulator
            .received_callbacks()
            .into_iter()
            .filter(|c| c["botSessionId"] == session.as_str())
            .collect();
        match plan {
            CallbackPlan::None => assert!(got.is_empty(), "{session}: {got:?}"),
            CallbackPlan::Success => assert_eq!(got[0]["status"], "success", "{session}"),
            CallbackPlan::Failure => {
                assert_eq!(got[0]["status"], "failure", "{session}");
                // A failure at random is the platform's, not the agent's: the words say so.
                let message = got[0]["message"].as_str().unwrap_or_default();
                assert!(!message.contains("rejected"), "{session}: {message}");
                assert!(message.contains("not the target's doing"), "{message}");
            }
            CallbackPlan::Contradicting | CallbackPlan::Late => {
                unreachable!("only trigger prefixes plan these")
            }
        }
    }
}

/// The random shares pick a session and a target together, so a session unlucky with one
/// target is not unlucky with another; and they spare the first `random_faults_after`
/// transfers.
#[tokio::test]
async fn random_failures_depend_on_the_target_and_spare_the_first_transfers() {
    let config = SimulatorConfig {
        callback_failure_percent: 50,
        random_faults_after: 2,
        ..config(1000)
    };
    let fails_with = |session: &str, target: &str| {
        callback_plan(&config, session, target) == CallbackPlan::Failure
    };
    let unlucky = (1..=200)
        .map(|n| format!("{n:024x}"))
        .find(|s| fails_with(s, AGENT) && !fails_with(s, QUEUE))
        .expect("among 200 sessions one fails with the agent and not with the queue");

    let simulator = start_with(config.clone()).await;
    for _ in 0..3 {
        let answer = send_json(&simulator, &agent_body(&simulator, &unlucky)).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    let answer = send_json(&simulator, &queue_body(&simulator, &unlucky)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(simulator.wait_for_callbacks(4, WAIT).await);
    let statuses: Vec<(String, String)> = simulator
        .received_callbacks()
        .iter()
        .map(|c| {
            let target = c["agentId"].as_str().or(c["queueId"].as_str());
            (
                target.unwrap_or_default().to_owned(),
                c["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let count = |target: &str, status: &str| {
        statuses
            .iter()
            .filter(|(t, s)| t == target && s == status)
            .count()
    };
    // The first two are spared; the third goes as the plan says; another target is fine.
    assert_eq!(count(AGENT, "success"), 2, "{statuses:?}");
    assert_eq!(count(AGENT, "failure"), 1, "{statuses:?}");
    assert_eq!(count(QUEUE, "success"), 1, "{statuses:?}");
}

/// The roster config with a floor of `open` conversations, `ended` over ones and three gone
/// quiet (IDLE).
fn floor_config(open: usize, ended: usize) -> SimulatorConfig {
    SimulatorConfig {
        conversations: ConversationsConfig {
            open,
            ended,
            idle: 3,
            ..ConversationsConfig::default()
        },
        ..roster_config(1000)
    }
}

fn sessions_of(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["botSessionId"].as_str().expect("a session id").to_owned())
        .collect()
}

/// `skip`/`limit` paging with the platform's paging fields, newest first, every id once.
#[tokio::test]
async fn conversations_page_by_skip_and_limit() {
    let simulator = start_with(floor_config(23, 2)).await;
    let first = get_json(&simulator, "/conversations?skip=0&limit=10").await;
    assert_eq!(
        (
            &first["skip"],
            &first["limit"],
            &first["hasMore"],
            &first["totalPages"],
            &first["totalResults"]
        ),
        (&json!(0), &json!(10), &json!(true), &json!(3), &json!(28))
    );
    let last = get_json(&simulator, "/conversations?skip=20&limit=10").await;
    assert_eq!(last["hasMore"], json!(false));
    let mut all = sessions_of(&first);
    all.extend(sessions_of(
        &get_json(&simulator, "/conversations?skip=10&limit=10").await,
    ));
    all.extend(sessions_of(&last));
    assert_eq!(all.len(), 28, "23 open, 2 over, 3 gone quiet");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 28);
    assert!(
        all.iter()
            .all(|id| id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert!(
        all.windows(2).all(|w| w[0][..8] >= w[1][..8]),
        "newest first: {all:?}"
    );
    assert!(
        all.windows(2).any(|w| w[0][..8] == w[1][..8]),
        "some were created in the same second: {all:?}"
    );
    assert_eq!(
        get_json(&simulator, "/conversations").await["limit"],
        json!(10),
        "the docs' page size by default"
    );
    for bad in ["skip=-1", "limit=0", "skip=ten"] {
        let answer = send(call(
            &simulator,
            reqwest::Method::GET,
            &format!("/conversations?{bad}"),
        ))
        .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn conversations_filter_by_status_in_either_form() {
    let simulator = start_with(floor_config(20, 5)).await;
    let statuses = |page: &Value| -> HashSet<String> {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    let ended = get_json(
        &simulator,
        "/conversations?limit=100&status=CLOSED,TERMINATED",
    )
    .await;
    assert_eq!(ended["totalResults"], json!(5));
    assert!(statuses(&ended).is_subset(&["CLOSED", "TERMINATED"].map(String::from).into()));
    let repeated = get_json(
        &simulator,
        "/conversations?limit=100&status=closed&status=TERMINATED",
    )
    .await;
    assert_eq!(sessions_of(&repeated), sessions_of(&ended));
    let open = get_json(
        &simulator,
        "/conversations?limit=100&status=OPEN,OVERDUE,ACTIVE",
    )
    .await;
    assert_eq!(open["totalResults"], json!(20));
    // Every status the docs name is on the floor: some with an agent have gone quiet.
    let idle = get_json(&simulator, "/conversations?limit=100&status=IDLE").await;
    assert_eq!(idle["totalResults"], json!(3), "{idle}");
    assert_eq!(statuses(&idle), HashSet::from(["IDLE".to_owned()]));

    let unknown = send(call(
        &simulator,
        reqwest::Method::GET,
        "/conversations?status=WAITING",
    ))
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.error_msg().contains("Invalid status \"WAITING\""),
        "{}",
        unknown.body
    );

    let strict = start_with(SimulatorConfig {
        conversations: ConversationsConfig {
            comma_separated_statuses: false,
            ..floor_config(20, 5).conversations
        },
        ..floor_config(20, 5)
    })
    .await;
    let commas = send(call(
        &strict,
        reqwest::Method::GET,
        "/conversations?status=OPEN,ACTIVE",
    ))
    .await;
    assert_eq!(commas.status, StatusCode::BAD_REQUEST, "{}", commas.body);
    let repeated = get_json(&strict, "/conversations?status=OPEN&status=ACTIVE").await;
    assert!(repeated["totalResults"].as_u64().unwrap() > 0);
}

/// Waits grow at each request; a transfer moves a conversation and records the move; an ended
/// conversation is refused.
#[tokio::test]
async fn transfers_move_conversations_and_waits_grow() {
    let config = floor_config(30, 4);
    let agent = config.agents[0].clone();
    let simulator = start_with(config).await;
    let waiting = get_json(&simulator, "/conversations?limit=100&status=OPEN,OVERDUE").await;
    let record = waiting["results"][0].clone();
    let session = record["botSessionId"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = get_json(&simulator, "/conversations?limit=100&status=OPEN,OVERDUE").await;
    let same = again["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["botSessionId"] == session)
        .unwrap();
    assert!(
        same["waitTime"].as_u64().unwrap() >= record["waitTime"].as_u64().unwrap() + 1000,
        "{record} then {same}"
    );

    let mut body = agent_body(&simulator, session);
    body["aId"] = json!(agent.id);
    let answer = send_json(&simulator, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let all = get_json(&simulator, "/conversations?limit=100").await;
    let moved = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["botSessionId"] == session)
        .unwrap();
    assert_eq!(moved["status"], "ACTIVE");
    let participant = moved["participants"].as_array().unwrap().last().unwrap();
    assert_eq!(participant["status"], "ACTIVE");
    assert_eq!(
        participant["name"],
        format!("{} {}", agent.first_name, agent.last_name)
    );
    assert!(participant["agentId"].as_str().unwrap().starts_with("u-"));
    let transfers = moved["transferDetails"].as_array().unwrap();
    assert_eq!(
        transfers.len(),
        record["transferDetails"].as_array().unwrap().len() + 1
    );
    assert_eq!(
        transfers.last().unwrap()["transferredTo"][0]["type"],
        "AGENT"
    );

    let over = get_json(
        &simulator,
        "/conversations?limit=100&status=CLOSED,TERMINATED",
    )
    .await;
    let ended = over["results"][0]["botSessionId"].as_str().unwrap();
    let refused = send_json(&simulator, &queue_body(&simulator, ended)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.error_msg().contains("cannot be transferred"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn conversations_answer_401_without_the_analytics_scope() {
    let simulator = start_with(SimulatorConfig {
        conversations: ConversationsConfig {
            analytics_scope: false,
            ..ConversationsConfig::default()
        },
        ..config(100)
    })
    .await;
    let answer = send(call(&simulator, reqwest::Method::GET, "/conversations")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let transfer = send_json(&simulator, &queue_body(&simulator, SESSION)).await;
    assert_eq!(
        transfer.status,
        StatusCode::OK,
        "transfers are another scope"
    );
}

// ---- Queue performance: every queue's numbers in one call ----

fn queue_performance_url(sim: &Simulator, account: &str) -> String {
    format!(
        "{}/agentassist/api/public/analytics/account/{account}/queue-performance?sortBy=queueName:asc",
        sim.base_url()
    )
}

/// An authorized queue-performance call with `body`, headers as the docs' sample request sends
/// them.
fn queue_performance_call(sim: &Simulator, body: &Value) -> reqwest::RequestBuilder {
    http()
        .post(queue_performance_url(sim, ACCOUNT))
        .header("auth", token())
        .header("accountId", ACCOUNT)
        .header("iId", STREAM)
        .json(body)
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The docs' sample body for the 24 hours up to `now`, with the fields of `changes` put over it.
fn performance_body(now: SystemTime, changes: Value) -> Value {
    let end = chrono::DateTime::<chrono::Utc>::from(now);
    let mut body = json!({
        "startDate": iso(end - chrono::TimeDelta::hours(24)),
        "endDate": iso(end),
        "queues": [],
        "channels": [],
        "direction": [],
        "limit": 100,
        "offset": 0,
        "projection": [],
    });
    for (name, value) in changes.as_object().expect("changes are an object") {
        body[name] = value.clone();
    }
    body
}

async fn performance(sim: &Simulator, body: &Value) -> Value {
    let answer = send(queue_performance_call(sim, body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{body}: {}", answer.body);
    answer.json()
}

fn rows_of(reply: &Value) -> Vec<Value> {
    reply["finalResult"]
        .as_array()
        .expect("finalResult is an array")
        .clone()
}

/// `[waiting, overdue, ongoing]` by queue id, added up over `rows`; queues with none left out.
fn live_sums(rows: &[Value]) -> BTreeMap<String, [u64; 3]> {
    let mut sums: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for row in rows {
        let queue = row["queueId"].as_str().expect("queueId").to_owned();
        let sum = sums.entry(queue).or_default();
        for (slot, field) in ["waiting", "overdue", "ongoing"].iter().enumerate() {
            sum[slot] += row[field]
                .as_u64()
                .unwrap_or_else(|| panic!("{field} in {row}"));
        }
    }
    sums.retain(|_, sum| *sum != [0; 3]);
    sums
}

/// The same, counted from a page of the conversation list: waiting (`OPEN` or `OVERDUE`),
/// overdue, and with an agent (`ACTIVE`), each in its latest queue.
fn floor_sums(list: &Value) -> BTreeMap<String, [u64; 3]> {
    let mut sums: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for record in list["results"].as_array().expect("results") {
        let counts = match record["status"].as_str() {
            Some("OPEN") => [1, 0, 0],
            Some("OVERDUE") => [1, 1, 0],
            // With an agent, the customer quiet or not: ongoing.
            Some("ACTIVE" | "IDLE") => [0, 0, 1],
            _ => continue,
        };
        let queue = record["queues"]
            .as_array()
            .and_then(|queues| queues.last())
            .and_then(|queue| queue["id"].as_str())
            .expect("an open conversation has a queue");
        let sum = sums.entry(queue.to_owned()).or_default();
        for (total, count) in sum.iter_mut().zip(counts) {
            *total += count;
        }
    }
    sums
}

/// Counts by presence, keyed like `agentStatusCount`, from an availability reply.
fn presence_counts(availability: &Value) -> Value {
    let count = |bucket: &str| availability[bucket].as_array().map_or(0, Vec::len);
    json!({
        "available": count("AVAILABLE"),
        "away": count("AWAY"),
        "busy": count("BUSY"),
        "offline": count("OFFLINE"),
    })
}

/// The roster's floor with its clock stopped, so that a conversation cannot turn overdue
/// between two reads.
fn performance_config(rate_limit_per_minute: u32) -> (SimulatorConfig, SystemTime) {
    let now = SystemTime::now();
    let config = SimulatorConfig {
        frozen_at: Some(now),
        rate_limit_per_minute,
        ..floor_config(40, 8)
    };
    (config, now)
}

#[tokio::test]
async fn queue_performance_rows_add_up_to_the_floor_and_repeat_the_agent_counts() {
    let (config, now) = performance_config(1000);
    let sim = start_with(config).await;
    let reply = performance(&sim, &performance_body(now, json!({}))).await;
    let rows = rows_of(&reply);
    assert_eq!(
        (&reply["hasMore"], &reply["offset"], &reply["limit"]),
        (&json!(false), &json!(0), &json!(100))
    );
    assert_eq!(reply["totalResults"], rows.len());

    // The two active queues, by name, each in one row per channel and direction.
    let dimensions = |queue: &str| -> Vec<(String, String)> {
        rows.iter()
            .filter(|row| row["queueId"] == queue)
            .map(|row| {
                let text = |field: &str| row[field].as_str().expect(field).to_owned();
                (text("channel"), text("direction"))
            })
            .collect()
    };
    let expected: Vec<(String, String)> = [
        ("Voice", "Inbound"),
        ("rtm", "Inbound"),
        ("msteams", "Inbound"),
        ("Voice", "Outbound"),
        ("emailInst-support", "Inbound"),
    ]
    .iter()
    .map(|(channel, direction)| ((*channel).to_owned(), (*direction).to_owned()))
    .collect();
    assert_eq!(dimensions(QUEUE), expected);
    assert_eq!(dimensions(SUPPORT), expected);
    assert!(
        dimensions(IDLE).is_empty(),
        "an inactive queue is not asked for"
    );
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["queueName"], "Billing");
    assert_eq!(rows[9]["queueName"], "Tech support");

    // SLA is a percentage where the docs say, "N/A" on outbound and email rows.
    for row in &rows {
        let inbound_chat_or_voice =
            row["direction"] == "Inbound" && row["channel"] != "emailInst-support";
        if inbound_chat_or_voice {
            let sla = row["SLA"].as_u64().expect("a number");
            assert!(sla <= 100, "{row}");
        } else {
            assert_eq!(row["SLA"], "N/A", "{row}");
        }
        for field in ["abandonedInQueue", "ASA", "AHT", "completed", "queueLoad"] {
            assert!(row[field].is_u64(), "{field} in {row}");
        }
    }

    // The live numbers, added up per queue, are the floor's.
    let floor = get_json(&sim, "/conversations?limit=100").await;
    assert_eq!(
        floor["hasMore"],
        json!(false),
        "the whole floor in one page"
    );
    let sums = live_sums(&rows);
    assert_eq!(sums, floor_sums(&floor));
    let totals = sums.values().fold([0; 3], |mut all, sum| {
        for (total, count) in all.iter_mut().zip(sum) {
            *total += count;
        }
        all
    });
    assert!(totals.iter().all(|total| *total > 0), "{totals:?}");
    assert!(
        sums.values().filter(|sum| sum[0] > 0).count() == 2,
        "both queues have conversations waiting: {sums:?}"
    );

    // Each queue's agent counts, once per queue and repeated on each of its rows, are what the
    // availability call says of the queue's agents.
    for queue in [QUEUE, SUPPORT] {
        let counts = presence_counts(&availability(&sim, &json!({"queueIds": [queue]})).await);
        for row in rows.iter().filter(|row| row["queueId"] == queue) {
            assert_eq!(row["agentStatusCount"], counts, "{row}");
        }
    }

    // A transfer moves a waiting conversation to Billing: the rows follow the floor.
    let waiting = floor["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| {
            record["status"] == "OPEN"
                && record["queues"].as_array().unwrap().last().unwrap()["id"] == SUPPORT
        })
        .expect("someone waits in Tech support");
    let session = waiting["botSessionId"].as_str().unwrap();
    let moved = send_json(&sim, &queue_body(&sim, session)).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let after = live_sums(&rows_of(
        &performance(&sim, &performance_body(now, json!({}))).await,
    ));
    assert_eq!(after[QUEUE][0], sums[QUEUE][0] + 1);
    assert_eq!(after[SUPPORT][0], sums[SUPPORT][0] - 1);
    assert_eq!(
        after,
        floor_sums(&get_json(&sim, "/conversations?limit=100").await)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_performance_pages_filters_and_projects() {
    let (config, now) = performance_config(1000);
    let sim = start_with(config).await;
    let all = rows_of(&performance(&sim, &performance_body(now, json!({}))).await);

    // Pages of three, by offset, make up the whole.
    let mut paged = Vec::new();
    for offset in [0, 3, 6, 9] {
        let body = performance_body(now, json!({"limit": 3, "offset": offset}));
        let page = performance(&sim, &body).await;
        assert_eq!(page["totalResults"], 10);
        assert_eq!(
            (&page["offset"], &page["limit"]),
            (&json!(offset), &json!(3))
        );
        assert_eq!(page["hasMore"], json!(offset + 3 < 10), "offset {offset}");
        paged.extend(rows_of(&page));
    }
    assert_eq!(paged, all);
    let past = performance(&sim, &performance_body(now, json!({"offset": 10}))).await;
    assert_eq!((rows_of(&past).len(), &past["hasMore"]), (0, &json!(false)));

    // Named queues only, an inactive one too; an unknown one matches nothing.
    let named = performance(
        &sim,
        &performance_body(now, json!({"queues": [IDLE, SUPPORT, "qu-nope"]})),
    )
    .await;
    let queues: HashSet<String> = rows_of(&named)
        .iter()
        .map(|row| row["queueId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(queues, HashSet::from([IDLE.to_owned(), SUPPORT.to_owned()]));

    // Direction and channel filters, the docs' aliases included.
    let outbound = rows_of(
        &performance(
            &sim,
            &performance_body(now, json!({"direction": ["Outbound"]})),
        )
        .await,
    );
    assert_eq!(outbound.len(), 2);
    assert!(outbound.iter().all(|row| row["direction"] == "Outbound"));
    let both = performance(&sim, &performance_body(now, json!({"direction": ["Both"]}))).await;
    assert_eq!(both["totalResults"], 10);
    let email =
        rows_of(&performance(&sim, &performance_body(now, json!({"channels": ["Email"]}))).await);
    assert_eq!(email.len(), 2);
    assert!(
        email
            .iter()
            .all(|row| row["channel"] == "emailInst-support")
    );

    // A projection leaves the dimensions and the named metrics, with the same numbers.
    let projected = rows_of(
        &performance(
            &sim,
            &performance_body(
                now,
                json!({"projection": ["waiting", "agentStatusCount", "SLA"]}),
            ),
        )
        .await,
    );
    assert_eq!(projected.len(), all.len());
    for (row, full) in projected.iter().zip(&all) {
        let mut fields: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "SLA",
                "agentStatusCount",
                "channel",
                "direction",
                "queueId",
                "queueName",
                "waiting"
            ]
        );
        for field in ["waiting", "agentStatusCount", "SLA"] {
            assert_eq!(row[field], full[field]);
        }
    }

    // Queue names backwards when asked.
    let url = queue_performance_url(&sim, ACCOUNT).replace(":asc", ":desc");
    let backwards = send(
        http()
            .post(url)
            .header("auth", token())
            .header("accountId", ACCOUNT)
            .header("iId", STREAM)
            .json(&performance_body(now, json!({}))),
    )
    .await;
    assert_eq!(backwards.status, StatusCode::OK, "{}", backwards.body);
    assert_eq!(rows_of(&backwards.json())[0]["queueName"], "Tech support");
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_performance_refuses_bad_ranges_and_bodies() {
    let (config, now) = performance_config(1000);
    let sim = start_with(config).await;
    let end = chrono::DateTime::<chrono::Utc>::from(now);
    let day = chrono::TimeDelta::hours(24);
    let one_ms = chrono::TimeDelta::milliseconds(1);
    let refusals = [
        (json!({"startDate": null}), "startDate is required"),
        (
            json!({"endDate": "yesterday"}),
            "endDate must be an ISO 8601 date",
        ),
        (
            json!({"startDate": 1_700_000_000}),
            "startDate must be an ISO 8601 date",
        ),
        (
            json!({"startDate": iso(end + one_ms)}),
            "endDate must be greater than or equal to startDate",
        ),
        (
            json!({"startDate": iso(end - day - one_ms)}),
            "must not exceed 24 hours",
        ),
        (
            json!({"direction": ["Sideways"]}),
            "Invalid direction \"Sideways\"",
        ),
        (
            json!({"projection": ["waitng"]}),
            "Invalid projection \"waitng\"",
        ),
        (
            json!({"queues": "all"}),
            "queues must be an array of strings",
        ),
        (json!({"limit": 0}), "limit must be a whole number from 1"),
        (
            json!({"offset": -1}),
            "offset must be a whole number from 0",
        ),
        (
            json!({"queueIds": []}),
            "Unknown field(s) in request body: queueIds",
        ),
    ];
    for (changes, words) in refusals {
        let body = performance_body(now, changes.clone());
        assert_refused(
            queue_performance_call(&sim, &body),
            StatusCode::BAD_REQUEST,
            words,
        )
        .await;
    }
    assert_refused(
        queue_performance_call(&sim, &json!([])),
        StatusCode::BAD_REQUEST,
        "must be a JSON object",
    )
    .await;
    // Exactly a day, the docs' own range, and the reversed word case pass.
    let day_long = performance_body(
        now,
        json!({"startDate": iso(end - day), "direction": ["inbound"], "projection": ["sla"]}),
    );
    assert_eq!(rows_of(&performance(&sim, &day_long).await).len(), 8);
    let missing_start = {
        let mut body = performance_body(now, json!({}));
        body.as_object_mut().unwrap().remove("startDate");
        body
    };
    assert_refused(
        queue_performance_call(&sim, &missing_start),
        StatusCode::BAD_REQUEST,
        "startDate is required",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_performance_is_guarded_and_counted_like_every_call() {
    let (config, now) = performance_config(4);
    let sim = start_with(config).await;
    let body = performance_body(now, json!({}));
    let bad = performance_body(now, json!({"direction": ["Sideways"]}));
    assert_eq!(
        send(queue_performance_call(&sim, &body)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(queue_performance_call(&sim, &bad)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send(queue_performance_call(&sim, &body)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(queue_performance_call(&sim, &body)).await.status,
        StatusCode::OK
    );
    let limited = send(queue_performance_call(&sim, &body)).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a refused call counted too"
    );
    assert_eq!(limited.error_msg(), RATE_MESSAGE);
    let transfer = send_json(&sim, &agent_body(&sim, SESSION)).await;
    assert_eq!(
        transfer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "one budget for all calls"
    );
    let recorded: Vec<(String, u16)> = sim
        .requests()
        .into_iter()
        .map(|r| (r.path, r.status))
        .collect();
    let path = format!("/agentassist/api/public/analytics/account/{ACCOUNT}/queue-performance");
    assert_eq!(
        recorded[..5],
        [200, 400, 200, 200, 429].map(|status| (path.clone(), status))
    );
    sim.shutdown().await;

    let (config, now) = performance_config(1000);
    let sim = start_with(config).await;
    let body = performance_body(now, json!({}));
    let url = queue_performance_url(&sim, ACCOUNT);
    let signed = |builder: reqwest::RequestBuilder| {
        builder.header("auth", token()).header("accountId", ACCOUNT)
    };
    assert_refused(
        signed(http().post(&url)).json(&body),
        StatusCode::BAD_REQUEST,
        "Missing required header: iId",
    )
    .await;
    assert_refused(
        signed(http().post(&url))
            .header("iId", "st-unknown")
            .json(&body),
        StatusCode::NOT_FOUND,
        "Stream st-unknown not found",
    )
    .await;
    assert_refused(
        signed(http().post(queue_performance_url(&sim, "6538f8a3c9cf425ee5cf0000")))
            .header("iId", STREAM)
            .json(&body),
        StatusCode::FORBIDDEN,
        "The account in the path does not match",
    )
    .await;
    assert_refused(
        http()
            .post(&url)
            .header("accountId", ACCOUNT)
            .header("iId", STREAM)
            .json(&body),
        StatusCode::UNAUTHORIZED,
        "Missing required header: auth",
    )
    .await;
    assert_refused(
        signed(http().get(&url)).header("iId", STREAM),
        StatusCode::METHOD_NOT_ALLOWED,
        "use POST",
    )
    .await;
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_performance_answers_403_without_the_configuration_scope() {
    let (config, now) = performance_config(1000);
    let sim = start_with(SimulatorConfig {
        queue_performance_scope: false,
        ..config
    })
    .await;
    assert_refused(
        queue_performance_call(&sim, &performance_body(now, json!({}))),
        StatusCode::FORBIDDEN,
        "not authorized",
    )
    .await;
    let stats = send(
        call(
            &sim,
            reqwest::Method::POST,
            &format!("/monitor/queueStatsById/{QUEUE}"),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(
        stats.status,
        StatusCode::OK,
        "the per-queue stats still answer"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn queue_performance_serves_the_docs_sample_verbatim() {
    let (config, now) = performance_config(1000);
    let sim = start_with(SimulatorConfig {
        replies: Replies::DocumentedSamples,
        ..config
    })
    .await;
    let answer = send(queue_performance_call(
        &sim,
        &performance_body(now, json!({})),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body,
        include_str!("../../crates/simulator/src/samples/queue-performance.json")
    );
    let rows = rows_of(&answer.json());
    assert_eq!(
        (rows[0]["SLA"].clone(), rows[1]["SLA"].clone()),
        (json!(92), json!("N/A"))
    );
    assert_eq!(rows[0]["agentStatusCount"], rows[1]["agentStatusCount"]);
    // The body is still checked.
    assert_refused(
        queue_performance_call(&sim, &performance_body(now, json!({"limit": "many"}))),
        StatusCode::BAD_REQUEST,
        "limit must be a whole number",
    )
    .await;
    sim.shutdown().await;
}

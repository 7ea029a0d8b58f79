//! The cryptographic cost of each request kind: access-token verification and issuing (RS256),
//! the server's two SRP steps (3072-bit exponentiations), a TOTP check and one argon2id hash.

use std::hint::black_box;

use base64::Engine as _;
use cognate_crypto::{jwt, password, srp, totp};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn claims() -> serde_json::Value {
    json!({
        "sub": "4f1c6f5e-0a8e-4a4b-9d2c-6f1e2b3c4d5e",
        "iss": "http://127.0.0.1:9229/us-east-1_bench",
        "client_id": "6ttb0ekv3cbbh6kqsglffnbtfh",
        "origin_jti": "0b9c8c9e-55a0-4c5e-9f84-1f0cf5c8a0d1",
        "event_id": "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": 1_764_590_000,
        "exp": 1_764_593_600,
        "iat": 1_764_590_000,
        "jti": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "username": "alice",
    })
}

fn tokens(c: &mut Criterion) {
    let key = jwt::SigningKey::generate().expect("key");
    let claims = claims();
    c.bench_function("jwt/sign access token (RS256)", |b| b.iter(|| key.sign(black_box(&claims)).expect("signed")));
    let token = key.sign(&claims).expect("signed");
    let public = key.public_key().clone();
    c.bench_function("jwt/verify access token (RS256)", |b| {
        b.iter(|| jwt::verify(black_box(&token), |kid| (kid == public.kid()).then_some(&public)).expect("valid"))
    });
}

fn srp_steps(c: &mut Criterion) {
    let pool = "bench";
    let verifier = srp::make_verifier(pool, "alice", "Correct-horse-9");
    let (client_secret, srp_a) = srp::client::start();
    c.bench_function("srp/server_challenge", |b| {
        b.iter(|| srp::server_challenge(black_box(&verifier.verifier_hex), black_box(&srp_a)).expect("challenge"))
    });
    let step = srp::server_challenge(&verifier.verifier_hex, &srp_a).expect("challenge");
    let secret_block = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let timestamp = srp::format_timestamp(chrono::Utc::now());
    let signature = srp::client::respond(
        &client_secret,
        &srp::client::Challenge {
            pool_name: pool,
            user_id_for_srp: "alice",
            password: "Correct-horse-9",
            salt_hex: &verifier.salt_hex,
            srp_b_hex: &step.big_b_hex,
            secret_block_b64: &secret_block,
            timestamp: &timestamp,
        },
    )
    .expect("client signature");
    let claim = srp::Claim {
        pool_name: pool,
        user_id_for_srp: "alice",
        verifier_hex: &verifier.verifier_hex,
        srp_a_hex: &srp_a,
        b_hex: &step.b_hex,
        big_b_hex: Some(&step.big_b_hex),
        secret_block_b64: &secret_block,
        timestamp: &timestamp,
        signature_b64: &signature,
    };
    // As the server runs it: B kept from the challenge.
    c.bench_function("srp/verify_claim", |b| b.iter(|| srp::verify_claim(black_box(&claim)).expect("valid claim")));
    let recomputing = srp::Claim { big_b_hex: None, ..claim };
    c.bench_function("srp/verify_claim recomputing B", |b| b.iter(|| srp::verify_claim(black_box(&recomputing)).expect("valid claim")));
}

fn totp_check(c: &mut Criterion) {
    let secret = totp::generate_secret();
    let now = 1_764_590_000;
    let code = totp::code_at(&secret, now).expect("code");
    c.bench_function("totp/check", |b| b.iter(|| totp::check(black_box(&secret), black_box(&code), now, None)));
}

fn password_hash(c: &mut Criterion) {
    // argon2id is tens of milliseconds by design: few samples.
    let mut group = c.benchmark_group("password");
    group.sample_size(10);
    group.bench_function("argon2id hash (m=19456 KiB, t=2, p=1)", |b| {
        b.iter(|| password::hash(black_box("Correct-horse-9")).expect("hash"))
    });
    let phc = password::hash("Correct-horse-9").expect("hash");
    group.bench_function("argon2id verify", |b| b.iter(|| password::verify(black_box("Correct-horse-9"), black_box(&phc))));
    group.finish();
}

criterion_group!(benches, tokens, srp_steps, totp_check, password_hash);
criterion_main!(benches);

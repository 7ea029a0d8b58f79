//! A first look at where SRP's server time goes, without a benchmark harness (criterion benches
//! live in `benches/`). Ignored by default: timings depend on the machine and tests never assert them.
//!
//! `cargo test --release -p cognate-crypto srp_timings -- --ignored --nocapture`

use std::time::Instant;

use num_bigint::BigUint;

use super::client;
use super::group::{G, N, parse_hex};
use super::*;

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`). The dev machine's two cores are
/// shared with other builds, so wall-clock time mostly measures the neighbours; CPU time does not.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Runs `f` `rounds` times and prints the mean CPU time (and wall time) in µs; returns the CPU time.
fn time(label: &str, rounds: u32, mut f: impl FnMut()) -> f64 {
    f(); // warm-up: lazies, caches
    let (wall, cpu) = (Instant::now(), thread_cpu_ns());
    for _ in 0..rounds {
        f();
    }
    let wall_us = wall.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
    let cpu_us = match (cpu, thread_cpu_ns()) {
        (Some(start), Some(end)) => (end - start) as f64 / 1e3 / f64::from(rounds),
        _ => wall_us,
    };
    println!("{label:<48} {cpu_us:>9.1} µs CPU {wall_us:>9.1} µs wall");
    cpu_us
}

#[test]
#[ignore = "prints timings; run with --ignored --nocapture"]
fn srp_timings() {
    let rounds = 200;
    let pool = "Pool42";
    let user = "0e3a9d52-5f17-4d8e-b1c4-2b2c7a0d9f11";
    let stored = make_verifier(pool, user, "pw");
    let (secret, srp_a) = client::start();
    let step = server_challenge(&stored.verifier_hex, &srp_a).expect("challenge");
    let block = STANDARD.encode(b"block");
    let timestamp = format_timestamp(chrono::Utc::now());
    let challenge = client::Challenge {
        pool_name: pool,
        user_id_for_srp: user,
        password: "pw",
        salt_hex: &stored.salt_hex,
        srp_b_hex: &step.big_b_hex,
        secret_block_b64: &block,
        timestamp: &timestamp,
    };
    let signature = client::respond(&secret, &challenge).expect("respond");
    let claim = Claim {
        pool_name: pool,
        user_id_for_srp: user,
        verifier_hex: &stored.verifier_hex,
        srp_a_hex: &srp_a,
        b_hex: &step.b_hex,
        big_b_hex: Some(&step.big_b_hex),
        secret_block_b64: &block,
        timestamp: &timestamp,
        signature_b64: &signature,
    };
    assert_eq!(verify_claim(&claim), Ok(()));

    let challenge_us = time("server_challenge (g^b)", rounds, || {
        server_challenge(&stored.verifier_hex, &srp_a).expect("challenge");
    });
    let verify_us = time("verify_claim, B kept (v^u, (A·v^u)^b)", rounds, || {
        assert_eq!(verify_claim(&claim), Ok(()));
    });
    time("verify_claim, B recomputed", rounds, || {
        assert_eq!(verify_claim(&Claim { big_b_hex: None, ..claim }), Ok(()));
    });
    time("make_verifier (g^x)", rounds, || {
        make_verifier(pool, user, "pw");
    });
    time("client::respond", rounds / 4, || {
        client::respond(&secret, &challenge).expect("respond");
    });

    // The raw primitive, for reference: num-bigint's modpow with a 256-bit exponent.
    let base = parse_hex(&srp_a, "A").expect("A");
    let exp = BigUint::from_bytes_be(&[0xa5; 32]);
    time("num-bigint modpow, 3072-bit base, 256-bit exp", rounds, || {
        std::hint::black_box(base.modpow(&exp, &N));
    });
    time("num-bigint modpow, g = 2, 256-bit exp", rounds, || {
        std::hint::black_box(G.modpow(&exp, &N));
    });
    time("aws-lc BN_mod_exp_mont_consttime, 3072-bit base, 256-bit exp", rounds, || {
        std::hint::black_box(super::bignum::pow_mod_n(&base, &[0xa5; 32]));
    });
    time("client::start (g^a, 256-bit a)", rounds, || {
        std::hint::black_box(client::start());
    });
    let total = challenge_us + verify_us;
    println!("server CPU µs per USER_SRP_AUTH sign-in: {total:.1} → {:.0} sign-ins/s per core (SRP maths only)", 1e6 / total);
}

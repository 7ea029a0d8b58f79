//! SRP tests: known answers from pycognito, client↔server round trips, and the attacks
//! the server must refuse.

use chrono::TimeZone;

use super::client::{self, Challenge, ClientSecret};
use super::group::{G, N, compute_u, compute_x, derive_key, parse_hex, to_hex};
use super::*;

// ---------------------------------------------------------------------------------------
// Known-answer vectors.
//
// Produced with pycognito 2024.5.1 (PyPI) in a throwaway venv by testdata/srp_kat.py:
//   python3 -m venv /tmp/srp-venv && /tmp/srp-venv/bin/pip install pycognito==2024.5.1
// by a script that fixes every random input and uses pycognito.aws_srp's own helpers
// (hex_to_long, hash_sha256, hex_hash, pad_hex, calculate_u, compute_hkdf):
//   x = hex_to_long(hex_hash(pad_hex(SALT) + hash_sha256(f"{POOL}{USER}:{PASSWORD}")))
//   v = pow(g, x, N);  A = pow(g, a, N);  B = (k*v + pow(g, b, N)) % N
//   u = calculate_u(A, B);  S = pow(A * pow(v, u, N), b, N)
//   hkdf = compute_hkdf(fromhex(pad_hex(S)), fromhex(pad_hex(long_to_hex(u))))
// and then ran the real client path, AWSSRP.process_challenge(), with `a` forced and
// datetime.utcnow() frozen at 2025-11-03 09:05:07, asserting its HKDF key equals the
// server-side one and printing its TIMESTAMP and PASSWORD_CLAIM_SIGNATURE.
// Fixed inputs: a = SHA-256("cognate-kat-a-0".."-3") concatenated (128 bytes) mod N,
// b = SHA-256("cognate-kat-b"), SECRET_BLOCK = base64(b"cognate-kat-secret-block\0\1\2\xff" * 3).
// The salt starts with 9 and u with b, so both exercise PAD's "00" prefix.
// ---------------------------------------------------------------------------------------

const KAT_POOL_ID: &str = "us-east-1_AbCdEf123";
const KAT_USER: &str = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const KAT_PASSWORD: &str = "Correct-Horse-9!";
const KAT_SALT: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const KAT_SECRET_BLOCK: &str =
    "Y29nbmF0ZS1rYXQtc2VjcmV0LWJsb2NrAAEC/2NvZ25hdGUta2F0LXNlY3JldC1ibG9jawABAv9jb2duYXRlLWthdC1zZWNyZXQtYmxvY2sAAQL/";
const KAT_TIMESTAMP: &str = "Mon Nov 3 09:05:07 UTC 2025";
const KAT_HKDF: &str = "cc12cda4c6de973b30a2fdeb0a75bbe0";
const KAT_SIGNATURE: &str = "uO3TxOpqA5Gd1a/g7EsX1rGTnMzKQE4oad9/dIKj0vA=";

const KAT_SMALL_A: &str = concat!(
    "1f1cfd545afde2ef5cd82edcd5822fcbd893b1330e97e41289b9ed003d36a17fb4361384bd715bc0",
    "3a55fbe07da2526eb40e683f47c33776427768b971ddc3755887ffcdfff3b7b3b523e15c85fd3088",
    "a1a3cb9aca97ded1070125cc4e7c32fdb3e5f06e85e7050ac02ca891740ff4964398bc00a531ee94",
    "60242a528e6ac9b9",
);

const KAT_SMALL_B: &str = "4ef70a84e95f9a6e22d67c75cd65c1e9dbc3706afb3c886eb1eb18719fd36576";

const KAT_X: &str = "6f2ab7b533a90221342dea5dbe306a2730d420eaadd140d3ed99bb34c0a64f70";

const KAT_V: &str = concat!(
    "f22198f401783faf71e930e13c2a56107c8d3c99a7c8c102455343f69c09e89079d9d3c778c4b2b6",
    "13fcd9f5dd851d9b13faa74361f39918ad8222be09a9081cca618803dd78353cddf060bec6ce3fe8",
    "484ff1551c2987042f7b960038ead9f22e10faf2f902b232ecadc945c78da41fb3dec9a5b172389b",
    "45208d6b3faf5164409c424759fff8c81be8b257e127cb1fb4a8b4ae6c63f22a6dd7a71b68085c81",
    "7401a017c51275a4996910df09ef0063bdcaa87ccac1b8489182fb12cdefbc818cdb6e23e4d29784",
    "89fa9085345dcf1293d1248f1f158f8dd0792e15a3325a8cbfc6c84470adf9ffb39ed552935e37da",
    "82c166a701e65c96a70562a19eb2338076198838f624b476a4458f956d6d9422dd3052dfb065009c",
    "59da425dfe3a0971fdc9c11aab9f32b3bc5728afe247def78f9c8f1a5c57035bd53e065f1d6dad1a",
    "4e57a16251270cfcbff58784808c4a3aef8494f7c6ce249dfba895762d41c8ef507a746d82b05d3d",
    "11fa93e84a13e1c1f7de33ada68c2f33b7f5ba26990264b8",
);

const KAT_BIG_A: &str = concat!(
    "9d8bede0b1034fc7765fe3ee33699e825c00753692ce4cb386f0c6d0d8d8cb42365d86e1dfef50b8",
    "2a0cc43b6cc8ba54e9c45a38f34bd07a3d9e7106776c709c14e08e8cb6b448331165d3bc5500ea72",
    "6d49238a85d9405f130b89a6511412fe87657f23cc2ba5b2f6063297f38035bade86cc537fdabd9d",
    "505b9967daecc6a0a812ba9f527e63714ef7ccefbbc038734436062bae7c5367f9f50ee8f90d1a9a",
    "faa07c5292108e867ac0479a5edeb10f9166ee3c5d8a7268c6507e25d8499a75fb25901264c2a960",
    "17646f7824bae1091e3ed1e659f8bfb1b31ba8b394ef67486970a890c2de69149595389202a9d55c",
    "33ba95334f2c1f2778d4dad3045e22d870e7fa3f5c5f9f16b7240c56c09d98398011aa446c33c6dd",
    "ffabde5061d94c1af3af138517fad6463bb7cf0de453a21d254eab64bbaa0a55995fe4157d2acb34",
    "5a72180d8ba524d35df71d3fe752525b87568ff79c57eb32f3029e1cce2c79f6c6f5e0b59ecddf0a",
    "8c7d55c2998974a097e0ee71b78fd90f30aca0859b6c7ff8",
);

const KAT_BIG_B: &str = concat!(
    "a0a5f00041244b8be6dd12b2f6a50f3d0c60f95df9463586be8f4738aa3bced2734b8469b0a01f90",
    "48b6d957582ccd1620c57cfce56a3d0bc1310363e6935ff282943fc9f1d3ecf0fd671ae6850a3437",
    "ecfb7e059c885be1bec7342a2a723da5bbd2c27ae4d2706a771b30745bd77849860dc2153e48cd95",
    "d6054b8abfd42cc176f39cbe37ef1d1bded59d9c542d8feab3cbc64b38d8d30c1eb44131dfe1e11a",
    "0c653cffe1d5c0c4576b198e0fc74e1eb33bcd3fe2de99c5adab84ed72a403af14343bf26eb9be47",
    "aa3105fd924d32e40b2c5491120ae54cfc932bb13a88e2bfd72ece1710c0f5f56bd234cf86e88d78",
    "7e8c7fe94b58b25477cfd3208903ba911622b5311884fad7cdac7a9081992d0991b32fd17210ff7f",
    "c07c5ad435da9a382cb578e05070cfd5ef37128ef3ac442158f54e57a750d40355b082ba21e53f18",
    "6d3beccf52ff155f2a782a8525268b161ad3e044d5215bd6badc45d4afd87c69bf53d281050d7fa1",
    "9f534d1cb780b8e1c167de3880e6437e4ec621fc7edd91f9",
);

const KAT_U: &str = "bb08aaaa34694d60a447bd2b9fc27939201ef00362606fe008911ec0d98e1145";

const KAT_S: &str = concat!(
    "4f17eb09253fda67d86bc5350eb49024edddbf15eb941ed439484dc9d4fd2faaf7917bd14d7b8307",
    "2d5009b2b2c63bbe061b177afb4e716db0321484125f14b14b88fe8c3cffa6d1f53fa37dfc9be6bf",
    "b7daec9135f905929e1691df12df22f5f9f8fd4c53ade4b28e250f36b2fc7c2208c6ade3b9da1c5b",
    "b30d85738f0135e528e040e912ad81a87df0cf362df41ee7e6649ca1740fe045662fed0327c9974d",
    "4cb86c10007f9fb1a72e34a48f23d6a04f4d0e2ae5125599042be59aa79100a0751abc4cbdd946ff",
    "ff354244dc399c69bd9dc215b016b6e39f61da93f977abb422b5e231a0adf523c1d9f24ff456db18",
    "ef54365f510504bba92b7880f0e5a8d885eae8e74d55d8b38bb1eb1287df153b598727db8d5516a6",
    "d3d9eb496460dd40f5312c1d65cd729284a4a1fc82f99c49a1027d96660c7231b9535c585992d937",
    "8991e170fbff637c825c3ea0b32fb135b54e9e0b2e991c018f10432c59c19835307cff49f66d3288",
    "6e99fae4999f1c77f47d5e1f3edbe2f8d5202dde6abd89c3",
);

fn kat_claim<'a>(signature_b64: &'a str) -> Claim<'a> {
    Claim {
        pool_name: pool_name(KAT_POOL_ID),
        user_id_for_srp: KAT_USER,
        verifier_hex: KAT_V,
        srp_a_hex: KAT_BIG_A,
        b_hex: KAT_SMALL_B,
        big_b_hex: None,
        secret_block_b64: KAT_SECRET_BLOCK,
        timestamp: KAT_TIMESTAMP,
        signature_b64,
    }
}

#[test]
fn pool_name_is_the_part_after_the_underscore() {
    assert_eq!(pool_name("us-east-1_AbCdEf123"), "AbCdEf123");
    assert_eq!(pool_name("local_a_b"), "a_b");
    assert_eq!(pool_name("nounderscore"), "nounderscore");
}

#[test]
fn kat_intermediate_values_match_pycognito() {
    let pool = pool_name(KAT_POOL_ID);
    let salt = parse_hex(KAT_SALT, "SALT").unwrap();
    let x = compute_x(&salt, pool, KAT_USER, KAT_PASSWORD);
    assert_eq!(to_hex(&x), KAT_X);

    let verifier = make_verifier_with_salt(pool, KAT_USER, KAT_PASSWORD, KAT_SALT).unwrap();
    assert_eq!(verifier.salt_hex, KAT_SALT);
    assert_eq!(verifier.verifier_hex, KAT_V);

    let client = ClientSecret::from_hex(KAT_SMALL_A).unwrap();
    assert_eq!(client.srp_a_hex(), KAT_BIG_A);

    let v = parse_hex(KAT_V, "v").unwrap();
    let b = parse_hex(KAT_SMALL_B, "b").unwrap();
    let big_b = compute_big_b(&v, modexp::Exponent::new(&b).unwrap());
    assert_eq!(to_hex(&big_b), KAT_BIG_B);

    let big_a = parse_hex(KAT_BIG_A, "A").unwrap();
    let u = compute_u(&big_a, &big_b);
    assert_eq!(to_hex(&u), KAT_U);

    let shared_s = ((&big_a * v.modpow(&u, &N)) % &*N).modpow(&b, &N);
    assert_eq!(to_hex(&shared_s), KAT_S);
    assert_eq!(hex::encode(derive_key(&shared_s, &u)), KAT_HKDF);
    assert_eq!(G.modpow(&x, &N), v);
}

#[test]
fn kat_pycognito_signature_is_accepted() {
    assert_eq!(verify_claim(&kat_claim(KAT_SIGNATURE)), Ok(()));
}

#[test]
fn kat_our_client_produces_pycognito_signature() {
    let client = ClientSecret::from_hex(KAT_SMALL_A).unwrap();
    let signature = client::respond(
        &client,
        &Challenge {
            pool_name: pool_name(KAT_POOL_ID),
            user_id_for_srp: KAT_USER,
            password: KAT_PASSWORD,
            salt_hex: KAT_SALT,
            srp_b_hex: KAT_BIG_B,
            secret_block_b64: KAT_SECRET_BLOCK,
            timestamp: KAT_TIMESTAMP,
        },
    )
    .unwrap();
    assert_eq!(signature, KAT_SIGNATURE);
}

#[test]
fn kat_timestamp_matches_pycognito_format() {
    let at = chrono::Utc.with_ymd_and_hms(2025, 11, 3, 9, 5, 7).unwrap();
    assert_eq!(format_timestamp(at), KAT_TIMESTAMP);
    assert_eq!(parse_timestamp(KAT_TIMESTAMP), Some(at));
}

#[test]
fn kat_tampering_is_detected() {
    // Different timestamp, same signature.
    let mut claim = kat_claim(KAT_SIGNATURE);
    claim.timestamp = "Mon Nov 3 09:05:08 UTC 2025";
    assert_eq!(verify_claim(&claim), Err(SrpError::SignatureMismatch));
    // Different user.
    let mut claim = kat_claim(KAT_SIGNATURE);
    claim.user_id_for_srp = "someone-else";
    assert_eq!(verify_claim(&claim), Err(SrpError::SignatureMismatch));
    // Garbage or truncated signature.
    assert_eq!(verify_claim(&kat_claim("not base64!")), Err(SrpError::SignatureMismatch));
    assert_eq!(verify_claim(&kat_claim("uO3TxOpqA5Gd1a/g7EsX1rGTnMzKQE4o")), Err(SrpError::SignatureMismatch));
    assert_eq!(verify_claim(&kat_claim("")), Err(SrpError::SignatureMismatch));
}

/// One full sign-in through the public API only; returns the server's verdict.
fn sign_in(registered_password: &str, typed_password: &str) -> Result<(), SrpError> {
    let pool = pool_name("eu-west-1_Pool42");
    let user = "0e3a9d52-5f17-4d8e-b1c4-2b2c7a0d9f11";
    let stored = make_verifier(pool, user, registered_password);

    let (secret, srp_a) = client::start();
    let step = server_challenge(&stored.verifier_hex, &srp_a)?;

    let secret_block = STANDARD.encode(b"opaque sealed server state");
    let timestamp = format_timestamp(chrono::Utc::now());
    let signature = client::respond(
        &secret,
        &Challenge {
            pool_name: pool,
            user_id_for_srp: user,
            password: typed_password,
            salt_hex: &stored.salt_hex,
            srp_b_hex: &step.big_b_hex,
            secret_block_b64: &secret_block,
            timestamp: &timestamp,
        },
    )?;
    verify_claim(&Claim {
        pool_name: pool,
        user_id_for_srp: user,
        verifier_hex: &stored.verifier_hex,
        srp_a_hex: &srp_a,
        b_hex: &step.b_hex,
        big_b_hex: None,
        secret_block_b64: &secret_block,
        timestamp: &timestamp,
        signature_b64: &signature,
    })?;
    // The same claim checked with the B the server kept instead of recomputing it.
    verify_claim(&Claim {
        pool_name: pool,
        user_id_for_srp: user,
        verifier_hex: &stored.verifier_hex,
        srp_a_hex: &srp_a,
        b_hex: &step.b_hex,
        big_b_hex: Some(&step.big_b_hex),
        secret_block_b64: &secret_block,
        timestamp: &timestamp,
        signature_b64: &signature,
    })
}

#[test]
fn round_trip_with_the_right_password() {
    assert_eq!(sign_in("p@ssw0rd-ü", "p@ssw0rd-ü"), Ok(()));
}

#[test]
fn wrong_password_fails() {
    assert_eq!(sign_in("p@ssw0rd-ü", "p@ssw0rd-u"), Err(SrpError::SignatureMismatch));
}

#[test]
fn salts_are_16_bytes_with_a_nonzero_first_digit() {
    for _ in 0..64 {
        let v = make_verifier("Pool", "user", "pw");
        assert_eq!(v.salt_hex.len(), 32, "{}", v.salt_hex);
        assert_ne!(v.salt_hex.as_bytes()[0], b'0');
        assert!(v.salt_hex.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

#[test]
fn degenerate_a_is_rejected() {
    let v = make_verifier("Pool", "user", "pw");
    let n = to_hex(&N);
    let two_n = to_hex(&(&*N * 2u32));
    for a in ["0", "00", n.as_str(), two_n.as_str()] {
        assert_eq!(server_challenge(&v.verifier_hex, a), Err(SrpError::DegeneratePublicValue), "A = {a}");
    }
    // The same check guards verify_claim, in case a caller skips server_challenge.
    let mut claim = kat_claim(KAT_SIGNATURE);
    claim.srp_a_hex = &n;
    assert_eq!(verify_claim(&claim), Err(SrpError::DegeneratePublicValue));
}

#[test]
fn invalid_hex_is_rejected_without_panicking() {
    let v = make_verifier("Pool", "user", "pw");
    assert_eq!(server_challenge(&v.verifier_hex, "zz"), Err(SrpError::InvalidHex { field: "SRP_A" }));
    assert_eq!(server_challenge(&v.verifier_hex, ""), Err(SrpError::InvalidHex { field: "SRP_A" }));
    assert_eq!(server_challenge("not-hex", KAT_BIG_A), Err(SrpError::InvalidHex { field: "verifier" }));
    let mut claim = kat_claim(KAT_SIGNATURE);
    claim.b_hex = "-1";
    assert_eq!(verify_claim(&claim), Err(SrpError::InvalidHex { field: "b" }));
    let mut claim = kat_claim(KAT_SIGNATURE);
    claim.secret_block_b64 = "%%%";
    assert_eq!(verify_claim(&claim), Err(SrpError::InvalidSecretBlock));
}

#[test]
fn client_rejects_degenerate_b() {
    let (secret, _) = client::start();
    let n = to_hex(&N);
    let result = client::respond(
        &secret,
        &Challenge {
            pool_name: "Pool",
            user_id_for_srp: "user",
            password: "pw",
            salt_hex: KAT_SALT,
            srp_b_hex: &n,
            secret_block_b64: "",
            timestamp: KAT_TIMESTAMP,
        },
    );
    assert_eq!(result, Err(SrpError::DegeneratePublicValue));
}

#[test]
fn server_step_values_are_well_formed() {
    let v = make_verifier("Pool", "user", "pw");
    let (_, srp_a) = client::start();
    let step = server_challenge(&v.verifier_hex, &srp_a).unwrap();
    let b = parse_hex(&step.b_hex, "b").unwrap();
    assert!(b.bits() <= 256);
    let big_b = parse_hex(&step.big_b_hex, "B").unwrap();
    assert!(big_b < *N);
    assert_eq!(to_hex(&big_b), step.big_b_hex);
}

/// A device's salt and verifier arrive as base64 of PAD()ed integers (a 0x00 sign byte when the
/// top bit is set); they are kept as plain hex integers, and a verifier that is 0 mod N, or not
/// below N, is refused.
#[test]
fn device_verifier_encoding_and_checks() {
    assert_eq!(integer_hex(&[0x00, 0x8f, 0x01]), "8f01");
    assert_eq!(integer_hex(&[0x0a, 0xbc]), "abc");
    assert!(is_usable_verifier("2"));
    assert!(!is_usable_verifier("0"));
    assert!(!is_usable_verifier(&to_hex(&N)));
    assert!(!is_usable_verifier("not hex"));
}

//! What the wire layer costs per request: target lookup, JSON parse + schema validation, typed
//! input, and response encoding, for GetUser and InitiateAuth.

use std::collections::BTreeMap;
use std::hint::black_box;

use cognate_wire::codec::{decode_body, encode_output, into_input, operation_from_target};
use cognate_wire::shapes::{
    AttributeType, AuthenticationResultType, GetUserRequest, GetUserResponse, InitiateAuthRequest, InitiateAuthResponse,
};
use criterion::{Criterion, criterion_group, criterion_main};

/// A real access token is about 1 KB of base64url; the codec only checks its length and pattern.
fn access_token() -> String {
    format!("eyJraWQiOiJrIiwiYWxnIjoiUlMyNTYifQ.{}.{}", "a".repeat(600), "b".repeat(342))
}

fn get_user(c: &mut Criterion) {
    let body = format!(r#"{{"AccessToken":"{}"}}"#, access_token());
    let target = "AWSCognitoIdentityProviderService.GetUser";
    c.bench_function("wire/decode GetUser", |b| {
        b.iter(|| {
            let op = operation_from_target(Some(black_box(target))).expect("known op");
            let value = decode_body(op, black_box(body.as_bytes())).expect("valid body");
            into_input::<GetUserRequest>(value).expect("typed")
        })
    });
    let response = GetUserResponse {
        username: "alice".into(),
        user_attributes: [("sub", "4f1c6f5e-0a8e-4a4b-9d2c-6f1e2b3c4d5e"), ("email", "alice@example.com"), ("email_verified", "true")]
            .iter()
            .map(|(n, v)| AttributeType { name: n.to_string(), value: Some(v.to_string()) })
            .collect(),
        ..GetUserResponse::default()
    };
    c.bench_function("wire/encode GetUser response", |b| b.iter(|| encode_output(black_box(&response))));
}

fn initiate_auth(c: &mut Criterion) {
    let body = r#"{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"6ttb0ekv3cbbh6kqsglffnbtfh","AuthParameters":{"USERNAME":"alice","PASSWORD":"Correct-horse-9"}}"#;
    let target = "AWSCognitoIdentityProviderService.InitiateAuth";
    c.bench_function("wire/decode InitiateAuth", |b| {
        b.iter(|| {
            let op = operation_from_target(Some(black_box(target))).expect("known op");
            let value = decode_body(op, black_box(body.as_bytes())).expect("valid body");
            into_input::<InitiateAuthRequest>(value).expect("typed")
        })
    });
    let token = access_token();
    let response = InitiateAuthResponse {
        authentication_result: Some(AuthenticationResultType {
            access_token: Some(token.clone()),
            id_token: Some(token.clone()),
            refresh_token: Some(token),
            expires_in: Some(3600),
            token_type: Some("Bearer".into()),
            new_device_metadata: None,
        }),
        challenge_parameters: Some(BTreeMap::new()),
        ..InitiateAuthResponse::default()
    };
    c.bench_function("wire/encode InitiateAuth response", |b| b.iter(|| encode_output(black_box(&response))));
}

criterion_group!(benches, get_user, initiate_auth);
criterion_main!(benches);

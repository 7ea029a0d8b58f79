//! Malformed, oversized and out-of-place requests: each gets a 4xx with a typed error, never a 500
//! or a dropped connection, and stored data is unchanged afterwards.

use crate::common;
use crate::common::{TestServer, call, raw};

struct Case {
    name: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    status: u16,
    error: &'static str,
    signed: bool,
}

fn target(op: &str) -> (&'static str, String) {
    ("x-amz-target", format!("AWSCognitoIdentityProviderService.{op}"))
}

fn json() -> (&'static str, String) {
    ("content-type", "application/x-amz-json-1.1".to_string())
}

fn case(name: &'static str, op: &str, body: &str, status: u16, error: &'static str) -> Case {
    Case { name, headers: vec![json(), target(op)], body: body.as_bytes().to_vec(), status, error, signed: true }
}

#[tokio::test]
async fn malformed_requests_get_typed_errors_and_change_nothing() {
    let server = TestServer::start().await;
    let c = server.client();
    let pool_id = c
        .create_user_pool()
        .pool_name("stable")
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_string))
        .expect("id");
    c.admin_create_user().user_pool_id(&pool_id).username("alice").send().await.expect("user");
    // A USER_AUTH client and a live SELECT_CHALLENGE session, for the choice-based sign-in rows.
    let user_auth_client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("choice")
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserAuth)
        .send()
        .await
        .expect("client")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_string))
        .expect("client id");
    let u = user_auth_client.as_str();
    let select = call(
        server.addr,
        "InitiateAuth",
        &format!(r#"{{"AuthFlow":"USER_AUTH","ClientId":"{u}","AuthParameters":{{"USERNAME":"alice"}}}}"#),
    )
    .await
    .json();
    assert_eq!(select["ChallengeName"], "SELECT_CHALLENGE", "{select}");
    let session = select["Session"].as_str().unwrap_or_default().to_string();
    let before_pool = c.describe_user_pool().user_pool_id(&pool_id).send().await.expect("describe");
    let before_user = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect("get");

    let p = pool_id.as_str();
    let long = "x".repeat(200);
    let huge = format!(r#"{{"UserPoolId":"{p}","Username":"{}"}}"#, "y".repeat(300 * 1024));
    let mut cases = vec![
        Case {
            name: "no target",
            headers: vec![json()],
            body: b"{}".to_vec(),
            status: 400,
            error: "UnknownOperationException",
            signed: false,
        },
        Case {
            name: "target without prefix",
            headers: vec![json(), ("x-amz-target", "ListUserPools".into())],
            body: b"{}".to_vec(),
            status: 400,
            error: "UnknownOperationException",
            signed: false,
        },
        case("unknown operation", "DoTheThing", "{}", 400, "UnknownOperationException"),
        case("model operation not implemented", "CreateManagedLoginBranding", "{}", 400, "UnknownOperationException"),
        Case {
            name: "wrong content type",
            headers: vec![("content-type", "text/plain".into()), target("ListUserPools")],
            body: br#"{"MaxResults":1}"#.to_vec(),
            status: 400,
            error: "UnknownOperationException",
            signed: false,
        },
        case("unreadable json", "AdminGetUser", "{\"UserPoolId\":", 400, "SerializationException"),
        case("not json at all", "AdminGetUser", "hello", 400, "SerializationException"),
        case("json array body", "AdminGetUser", "[1,2]", 400, "SerializationException"),
        case("json string body", "AdminGetUser", "\"x\"", 400, "SerializationException"),
        case("number for string", "AdminGetUser", &format!(r#"{{"UserPoolId":"{p}","Username":5}}"#), 400, "SerializationException"),
        case("string for integer", "ListUserPools", r#"{"MaxResults":"ten"}"#, 400, "SerializationException"),
        case(
            "string for boolean",
            "AdminSetUserPassword",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","Password":"Abcdefg1!","Permanent":"yes"}}"#),
            400,
            "SerializationException",
        ),
        case(
            "object for list",
            "AdminDeleteUserAttributes",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","UserAttributeNames":{{}}}}"#),
            400,
            "SerializationException",
        ),
        case("list for structure", "CreateUserPool", r#"{"PoolName":"x","Policies":[]}"#, 400, "SerializationException"),
        case("float for integer", "ListUserPools", r#"{"MaxResults":1.5}"#, 400, "SerializationException"),
        case("missing required member", "AdminGetUser", &format!(r#"{{"UserPoolId":"{p}"}}"#), 400, "InvalidParameterException"),
        case("empty body for required members", "AdminGetUser", "", 400, "InvalidParameterException"),
        case(
            "null required member",
            "AdminGetUser",
            &format!(r#"{{"UserPoolId":"{p}","Username":null}}"#),
            400,
            "InvalidParameterException",
        ),
        case("bad pool id pattern", "DescribeUserPool", r#"{"UserPoolId":"no-underscore"}"#, 400, "InvalidParameterException"),
        case("pool id too long", "DescribeUserPool", &format!(r#"{{"UserPoolId":"us-east-1_{long}"}}"#), 400, "InvalidParameterException"),
        case("empty username", "AdminGetUser", &format!(r#"{{"UserPoolId":"{p}","Username":""}}"#), 400, "InvalidParameterException"),
        case("max results out of range", "ListUserPools", r#"{"MaxResults":0}"#, 400, "InvalidParameterException"),
        case("max results too large", "ListUserPools", r#"{"MaxResults":61}"#, 400, "InvalidParameterException"),
        case(
            "bad enum value",
            "AdminCreateUser",
            &format!(r#"{{"UserPoolId":"{p}","Username":"zed","MessageAction":"SHOUT"}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "bad enum in list",
            "AdminCreateUser",
            &format!(r#"{{"UserPoolId":"{p}","Username":"zed","DesiredDeliveryMediums":["PIGEON"]}}"#),
            400,
            "InvalidParameterException",
        ),
        case("pool name too long", "CreateUserPool", &format!(r#"{{"PoolName":"{long}"}}"#), 400, "InvalidParameterException"),
        case(
            "client name bad chars",
            "CreateUserPoolClient",
            &format!(r#"{{"UserPoolId":"{p}","ClientName":"bad#name"}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "auth session validity out of range",
            "CreateUserPoolClient",
            &format!(r#"{{"UserPoolId":"{p}","ClientName":"c","AuthSessionValidity":99}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "nested attribute missing name",
            "AdminUpdateUserAttributes",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","UserAttributes":[{{"Value":"x"}}]}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "unknown attribute",
            "AdminUpdateUserAttributes",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","UserAttributes":[{{"Name":"custom:nope","Value":"x"}}]}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "immutable sub",
            "AdminUpdateUserAttributes",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","UserAttributes":[{{"Name":"sub","Value":"x"}}]}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "bad email",
            "AdminUpdateUserAttributes",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","UserAttributes":[{{"Name":"email","Value":"nope"}}]}}"#),
            400,
            "InvalidParameterException",
        ),
        case("bad filter", "ListUsers", &format!(r#"{{"UserPoolId":"{p}","Filter":"email is bob"}}"#), 400, "InvalidParameterException"),
        case(
            "forged pagination token",
            "ListUsers",
            &format!(r#"{{"UserPoolId":"{p}","PaginationToken":"!!!"}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "weak password",
            "AdminSetUserPassword",
            &format!(r#"{{"UserPoolId":"{p}","Username":"alice","Password":"weakweak"}}"#),
            400,
            "InvalidPasswordException",
        ),
        case("unknown pool", "DescribeUserPool", r#"{"UserPoolId":"us-east-1_nothere"}"#, 400, "ResourceNotFoundException"),
        case("unknown user", "AdminGetUser", &format!(r#"{{"UserPoolId":"{p}","Username":"ghost"}}"#), 400, "UserNotFoundException"),
        case("duplicate user", "AdminCreateUser", &format!(r#"{{"UserPoolId":"{p}","Username":"alice"}}"#), 400, "UsernameExistsException"),
        case(
            "USER_AUTH preferred challenge not a challenge name",
            "InitiateAuth",
            &format!(r#"{{"AuthFlow":"USER_AUTH","ClientId":"{u}","AuthParameters":{{"USERNAME":"alice","PREFERRED_CHALLENGE":"FAX"}}}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "USER_AUTH preferred challenge not a string",
            "InitiateAuth",
            &format!(r#"{{"AuthFlow":"USER_AUTH","ClientId":"{u}","AuthParameters":{{"USERNAME":"alice","PREFERRED_CHALLENGE":7}}}}"#),
            400,
            "SerializationException",
        ),
        case(
            "USER_AUTH without USERNAME",
            "InitiateAuth",
            &format!(r#"{{"AuthFlow":"USER_AUTH","ClientId":"{u}","AuthParameters":{{"PREFERRED_CHALLENGE":"PASSWORD"}}}}"#),
            400,
            "InvalidParameterException",
        ),
        case(
            "SELECT_CHALLENGE answer not offered",
            "RespondToAuthChallenge",
            &format!(
                r#"{{"ChallengeName":"SELECT_CHALLENGE","ClientId":"{u}","Session":"{session}","ChallengeResponses":{{"USERNAME":"alice","ANSWER":"EMAIL_OTP"}}}}"#
            ),
            400,
            "InvalidParameterException",
        ),
        case(
            "SELECT_CHALLENGE without ANSWER",
            "RespondToAuthChallenge",
            &format!(
                r#"{{"ChallengeName":"SELECT_CHALLENGE","ClientId":"{u}","Session":"{session}","ChallengeResponses":{{"USERNAME":"alice"}}}}"#
            ),
            400,
            "InvalidParameterException",
        ),
        case(
            "SELECT_CHALLENGE forged session",
            "RespondToAuthChallenge",
            &format!(
                r#"{{"ChallengeName":"SELECT_CHALLENGE","ClientId":"{u}","Session":"{}","ChallengeResponses":{{"USERNAME":"alice","ANSWER":"PASSWORD"}}}}"#,
                "A".repeat(40)
            ),
            400,
            "NotAuthorizedException",
        ),
        case("oversized body", "AdminGetUser", &huge, 413, "RequestEntityTooLargeException"),
    ];
    cases.push(Case {
        name: "unsigned admin call",
        headers: vec![json(), target("ListUserPools")],
        body: br#"{"MaxResults":1}"#.to_vec(),
        status: 400,
        error: "MissingAuthenticationTokenException",
        signed: false,
    });
    assert!(cases.len() >= 30);

    for case in &cases {
        let headers: Vec<(&str, &str)> = case.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = if case.signed {
            // Admin operations carry a signature (any well-formed one is accepted in local mode).
            let op = case
                .headers
                .iter()
                .find(|(k, _)| *k == "x-amz-target")
                .map(|(_, v)| v.trim_start_matches("AWSCognitoIdentityProviderService."))
                .unwrap_or("");
            common::signed_call(server.addr, op, &String::from_utf8_lossy(&case.body), "test", "test", std::time::SystemTime::now(), None)
                .await
        } else {
            raw(server.addr, "POST", &headers, &case.body).await
        };
        assert_eq!(resp.status, case.status, "{}: status (body {})", case.name, resp.body);
        assert_eq!(resp.error_type(), case.error, "{}: __type (body {})", case.name, resp.body);
        assert!(resp.json()["message"].is_string(), "{}: message", case.name);
        assert_eq!(resp.header("x-amzn-errortype"), Some(format!("{}:", case.error).as_str()), "{}: header", case.name);
        assert!(resp.header("x-amzn-requestid").is_some(), "{}: request id", case.name);
    }

    let after_pool = c.describe_user_pool().user_pool_id(&pool_id).send().await.expect("describe");
    let after_user = c.admin_get_user().user_pool_id(&pool_id).username("alice").send().await.expect("get");
    assert!(before_pool.user_pool() == after_pool.user_pool(), "pool changed by bad input");
    let view = |u: &aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput| {
        (
            u.username().to_string(),
            u.user_attributes().to_vec(),
            u.user_last_modified_date().cloned(),
            u.enabled(),
            u.user_status().cloned(),
        )
    };
    assert!(view(&before_user) == view(&after_user), "user changed by bad input");
    assert_eq!(c.list_users().user_pool_id(&pool_id).send().await.expect("list").users().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn validation_messages_use_the_aws_format() {
    let server = TestServer::start().await;
    let resp =
        common::signed_call(server.addr, "AdminGetUser", r#"{"UserPoolId":"bad"}"#, "t", "t", std::time::SystemTime::now(), None).await;
    assert_eq!(
        resp.json()["message"],
        "2 validation errors detected: Value 'bad' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+; \
         Value null at 'username' failed to satisfy constraint: Member must not be null"
    );
    server.stop().await;
}

#[tokio::test]
async fn cors_preflight_and_exposed_headers() {
    let server = TestServer::start().await;
    let resp = raw(
        server.addr,
        "OPTIONS",
        &[
            ("origin", "http://localhost:5105"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type,x-amz-target,x-amz-user-agent"),
        ],
        b"",
    )
    .await;
    assert!(resp.status == 204 || resp.status == 200, "{}", resp.status);
    assert_eq!(resp.header("access-control-allow-origin"), Some("http://localhost:5105"));
    assert!(resp.header("access-control-allow-headers").is_some_and(|h| h.contains("x-amz-target")));
    let resp = call(server.addr, "Nope", "{}").await;
    assert!(resp.header("access-control-expose-headers").is_some_and(|h| h.contains("x-amzn-RequestId")));
    server.stop().await;
}

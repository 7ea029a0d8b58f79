"""PyJWT verifying Cognate's tokens with PyJWKClient on the pool's JWKS URL, as a Python API would."""
import base64
import json
import time

import jwt
import pytest
import requests

from conftest import make_user


@pytest.fixture
def signed_in(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "alice", "Correct-horse1!", email="alice@example.com", email_verified="true")
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "alice", "PASSWORD": "Correct-horse1!"})["AuthenticationResult"]
    issuer = f"{endpoint}/{pool_id}"
    return issuer, client_id, result


def jwks_client(issuer):
    return jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json", cache_keys=False)


def test_access_token_verifies(signed_in):
    issuer, client_id, result = signed_in
    token = result["AccessToken"]
    key = jwks_client(issuer).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer,
                        options={"require": ["exp", "iat", "iss", "sub"]})
    # Access tokens have no aud: check client_id and token_use instead.
    assert "aud" not in claims
    assert claims["token_use"] == "access"
    assert claims["client_id"] == client_id
    assert claims["username"] == "alice"
    assert claims["scope"] == "aws.cognito.signin.user.admin"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60
    assert claims["auth_time"] <= claims["iat"]  # equal in Cognito: see test_auth_time_is_iat_at_sign_in
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_id_token_verifies_with_the_client_as_audience(signed_in):
    issuer, client_id, result = signed_in
    token = result["IdToken"]
    key = jwks_client(issuer).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, audience=client_id)
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == "alice"
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    access = jwt.decode(result["AccessToken"], options={"verify_signature": False})
    assert claims["sub"] == access["sub"]
    assert claims["origin_jti"] == access["origin_jti"]
    assert claims["jti"] != access["jti"]
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer, audience="someone-else")


def test_wrong_issuer_and_tampered_tokens_are_rejected(signed_in):
    issuer, client_id, result = signed_in
    token = result["AccessToken"]
    key = jwks_client(issuer).get_signing_key_from_jwt(token)
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, key.key, algorithms=["RS256"], issuer="https://cognito-idp.us-east-1.amazonaws.com/x")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["username"] = "mallory"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), signature])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key.key, algorithms=["RS256"], issuer=issuer)


def test_jwks_and_openid_configuration(endpoint, signed_in):
    issuer, _, _ = signed_in
    jwks = requests.get(f"{issuer}/.well-known/jwks.json", timeout=10)
    assert jwks.status_code == 200
    keys = jwks.json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig" for k in keys)
    conf = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    assert conf["issuer"] == issuer
    assert conf["jwks_uri"] == f"{issuer}/.well-known/jwks.json"
    assert conf["id_token_signing_alg_values_supported"] == ["RS256"]
    missing = requests.get(f"{endpoint}/us-east-1_nosuchpool/.well-known/jwks.json", timeout=10)
    assert missing.status_code == 404


def test_claims_as_cognito_issues_them(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "bea", "Correct-horse1!", email="bea@example.com", phone_number="+15555550100")
    idp.create_group(UserPoolId=pool_id, GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="bea", GroupName="admins")
    result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "bea", "PASSWORD": "Correct-horse1!"})["AuthenticationResult"]
    issuer = f"{endpoint}/{pool_id}"
    keys = jwks_client(issuer)
    access = jwt.decode(result["AccessToken"], keys.get_signing_key_from_jwt(result["AccessToken"]).key,
                        algorithms=["RS256"], issuer=issuer)
    # The access token's claims, in the order Cognito writes them.
    assert list(access) == ["sub", "cognito:groups", "iss", "client_id", "origin_jti", "event_id", "token_use",
                            "scope", "auth_time", "exp", "iat", "jti", "username"]
    assert access["cognito:groups"] == ["admins"]
    id_claims = jwt.decode(result["IdToken"], keys.get_signing_key_from_jwt(result["IdToken"]).key,
                           algorithms=["RS256"], issuer=issuer, audience=client_id)
    assert {"sub", "cognito:groups", "iss", "cognito:username", "origin_jti", "aud", "event_id", "token_use",
            "auth_time", "exp", "iat", "jti", "email", "phone_number"} <= id_claims.keys()
    assert id_claims["cognito:groups"] == ["admins"]
    assert id_claims["phone_number"] == "+15555550100"
    # Each token is signed with its own key, as Cognito does.
    assert jwt.get_unverified_header(result["AccessToken"])["kid"] != jwt.get_unverified_header(result["IdToken"])["kid"]


def test_event_id_is_the_sign_in_request_id(idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "cy", "Correct-horse1!")
    response = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "cy", "PASSWORD": "Correct-horse1!"})
    request_id = response["ResponseMetadata"]["RequestId"]
    for token in ("AccessToken", "IdToken"):
        claims = jwt.decode(response["AuthenticationResult"][token], options={"verify_signature": False})
        assert claims["event_id"] == request_id, token


def test_auth_time_is_iat_at_sign_in(idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "dee", "Correct-horse1!")
    for _ in range(40):
        result = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "dee", "PASSWORD": "Correct-horse1!"})["AuthenticationResult"]
        claims = jwt.decode(result["AccessToken"], options={"verify_signature": False})
        assert claims["auth_time"] == claims["iat"]

"""pycognito against Cognate: SRP sign-in with AWSSRP, and Cognito.authenticate, which checks the
tokens itself (issuer f"{endpoint}/{pool_id}", keys from the pool's JWKS)."""
import jwt
import pytest
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from conftest import make_app, make_user


@pytest.fixture
def email_app(idp, request):
    """An email-as-username pool: (pool_id, client_id)."""
    pool_id, client = make_app(idp, "email-" + request.node.name, {"UsernameAttributes": ["email"]})
    yield pool_id, client["ClientId"]
    idp.delete_user_pool(UserPoolId=pool_id)


def test_awssrp_signs_in_with_the_right_password(idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "alice", "Correct-horse1!", email="alice@example.com")
    tokens = AWSSRP(username="alice", password="Correct-horse1!", pool_id=pool_id, client_id=client_id,
                    client=idp).authenticate_user()
    result = tokens["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    assert {"AccessToken", "IdToken", "RefreshToken"} <= result.keys()
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"


def test_awssrp_wrong_password_raises_not_authorized(idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "bob", "Correct-horse1!")
    srp = AWSSRP(username="bob", password="Wrong-horse1!", pool_id=pool_id, client_id=client_id, client=idp)
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        srp.authenticate_user()
    assert e.value.response["Error"]["Message"] == "Incorrect username or password."
    assert e.value.operation_name == "RespondToAuthChallenge"


def test_awssrp_unknown_user(idp, app):
    pool_id, client_id = app
    srp = AWSSRP(username="nobody", password="Correct-horse1!", pool_id=pool_id, client_id=client_id, client=idp)
    # LEGACY clients say UserNotFoundException; ENABLED ones hide it as a wrong password.
    with pytest.raises((idp.exceptions.UserNotFoundException, idp.exceptions.NotAuthorizedException)):
        srp.authenticate_user()


def test_awssrp_email_as_username_pool(idp, email_app):
    pool_id, client_id = email_app
    make_user(idp, pool_id, "carol@example.com", "Correct-horse1!", email="carol@example.com")
    result = AWSSRP(username="carol@example.com", password="Correct-horse1!", pool_id=pool_id,
                    client_id=client_id, client=idp).authenticate_user()["AuthenticationResult"]
    me = idp.get_user(AccessToken=result["AccessToken"])
    attrs = {a["Name"]: a["Value"] for a in me["UserAttributes"]}
    assert me["Username"] == attrs["sub"]  # the internal username is the sub
    assert attrs["email"] == "carol@example.com"


def test_awssrp_temporary_password_raises_force_change_then_new_password(idp, app):
    pool_id, client_id = app
    idp.admin_create_user(UserPoolId=pool_id, Username="dave", TemporaryPassword="Temp-pass1!", MessageAction="SUPPRESS")
    srp = AWSSRP(username="dave", password="Temp-pass1!", pool_id=pool_id, client_id=client_id, client=idp)
    with pytest.raises(ForceChangePasswordException):
        srp.authenticate_user()
    # pycognito answers NEW_PASSWORD_REQUIRED with the PASSWORD_VERIFIER responses still in the map.
    tokens = srp.set_new_password_challenge("Brand-new-pass1!")
    assert "AccessToken" in tokens["AuthenticationResult"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="dave")["UserStatus"] == "CONFIRMED"
    AWSSRP(username="dave", password="Brand-new-pass1!", pool_id=pool_id, client_id=client_id,
           client=idp).authenticate_user()


def test_cognito_authenticate_verifies_tokens_against_the_jwks(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "erin", "Correct-horse1!", email="erin@example.com", given_name="Erin")
    u = Cognito(pool_id, client_id, username="erin", boto3_client_kwargs={"endpoint_url": endpoint})
    assert u.user_pool_url == f"{endpoint}/{pool_id}"
    u.authenticate(password="Correct-horse1!")  # raises TokenVerificationException on a bad iss, aud or key
    assert u.access_claims["username"] == "erin"
    assert u.access_claims["client_id"] == client_id
    assert u.access_claims["iss"] == f"{endpoint}/{pool_id}"
    assert u.id_claims["aud"] == client_id
    assert u.id_claims["email"] == "erin@example.com"
    assert u.token_type == "Bearer"
    # pycognito fetched the pool's JWKS from the endpoint and found both tokens' keys in it.
    kids = {k["kid"] for k in u.get_keys()["keys"]}
    assert {jwt.get_unverified_header(t)["kid"] for t in (u.access_token, u.id_token)} <= kids

    user = u.get_user()
    assert user.username == "erin"
    assert user.given_name == "Erin"

    old_access = u.access_token
    u.renew_access_token()  # REFRESH_TOKEN_AUTH, then verify_tokens again
    assert u.access_token != old_access
    assert u.access_claims["username"] == "erin"
    assert u.check_token(renew=False) is False  # not expired

    u.update_profile({"given_name": "Erin B."})
    assert u.get_user().given_name == "Erin B."


def test_cognito_authenticate_wrong_password(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "fay", "Correct-horse1!")
    u = Cognito(pool_id, client_id, username="fay", boto3_client_kwargs={"endpoint_url": endpoint})
    with pytest.raises(u.client.exceptions.NotAuthorizedException) as e:
        u.authenticate(password="Wrong-horse1!")
    assert e.value.response["Error"]["Message"] == "Incorrect username or password."


def test_cognito_with_client_secret_in_an_email_pool(endpoint, idp, request):
    # The SECRET_HASH of the PASSWORD_VERIFIER answer is computed over the internal username (the sub).
    pool_id, client = make_app(idp, "secret-" + request.node.name, {"UsernameAttributes": ["email"]},
                               {"GenerateSecret": True})
    try:
        make_user(idp, pool_id, "gil@example.com", "Correct-horse1!", email="gil@example.com")
        u = Cognito(pool_id, client["ClientId"], client_secret=client["ClientSecret"], username="gil@example.com",
                    boto3_client_kwargs={"endpoint_url": endpoint})
        u.authenticate(password="Correct-horse1!")
        assert u.id_claims["email"] == "gil@example.com"
        assert u.access_claims["username"] == u.id_claims["sub"]
    finally:
        idp.delete_user_pool(UserPoolId=pool_id)


def test_cognito_new_password_challenge_and_logout(endpoint, idp, app):
    pool_id, client_id = app
    idp.admin_create_user(UserPoolId=pool_id, Username="hal", TemporaryPassword="Temp-pass1!", MessageAction="SUPPRESS")
    u = Cognito(pool_id, client_id, username="hal", boto3_client_kwargs={"endpoint_url": endpoint})
    with pytest.raises(ForceChangePasswordException):
        u.authenticate(password="Temp-pass1!")
    u.new_password_challenge("Temp-pass1!", "Brand-new-pass1!")
    assert u.access_claims["username"] == "hal"
    token = u.access_token
    u.logout()  # GlobalSignOut
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.get_user(AccessToken=token)
    assert e.value.response["Error"]["Message"] == "Access Token has been revoked"

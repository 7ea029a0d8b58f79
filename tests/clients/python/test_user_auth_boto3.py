"""USER_AUTH (choice-based sign-in) through boto3: passwordless sign-in with an emailed code read
from Cognate's development outbox, as AWS's Authentication flows page describes and docs/user-auth.md
decides.
"""
import pytest

from mfa_helpers import PASSWORD, assert_tokens, error, make_user, outbox, outbox_code, respond, strip


@pytest.fixture
def choice_pool(idp):
    pid = idp.create_user_pool(PoolName="passwordless", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
    yield pid, cid
    idp.delete_user_pool(UserPoolId=pid)


def test_email_otp_passwordless_sign_in_via_the_outbox(idp, endpoint, choice_pool):
    pid, cid = choice_pool
    make_user(idp, pid, "alice", email="alice@example.com", email_verified="true")

    out = strip(idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH",
                                  AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": "EMAIL_OTP"}))
    assert out["ChallengeName"] == "EMAIL_OTP"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "a***@e***"
    assert "AuthenticationResult" not in out
    code = outbox_code(endpoint, pid, "alice", 8)

    with pytest.raises(idp.exceptions.CodeMismatchException) as exc:
        respond(idp, cid, "EMAIL_OTP", out["Session"], "alice", EMAIL_OTP_CODE="00000000" if code != "00000000" else "11111111")
    assert error(exc) == ("CodeMismatchException", "Invalid code or auth state for the user.")

    done = respond(idp, cid, "EMAIL_OTP", out["Session"], "alice", EMAIL_OTP_CODE=code)
    result = assert_tokens(done)
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"

    with pytest.raises(idp.exceptions.NotAuthorizedException) as exc:
        respond(idp, cid, "EMAIL_OTP", out["Session"], "alice", EMAIL_OTP_CODE=code)
    assert error(exc) == ("NotAuthorizedException", "Invalid session for the user, session can only be used once.")


def test_select_challenge_lists_the_user_auth_factors(idp, endpoint, choice_pool):
    pid, cid = choice_pool
    make_user(idp, pid, "alice", email="alice@example.com", email_verified="true")
    factors = idp.admin_get_user_auth_factors(UserPoolId=pid, Username="alice")["ConfiguredUserAuthFactors"]
    assert factors == ["PASSWORD", "EMAIL_OTP"]

    out = strip(idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"}))
    assert out["ChallengeName"] == "SELECT_CHALLENGE"
    assert out["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]
    before = len(outbox(endpoint, pid, "alice"))
    nxt = respond(idp, cid, "SELECT_CHALLENGE", out["Session"], "alice", ANSWER="EMAIL_OTP")
    assert nxt["ChallengeName"] == "EMAIL_OTP"
    assert len(outbox(endpoint, pid, "alice")) == before + 1
    assert_tokens(respond(idp, cid, "EMAIL_OTP", nxt["Session"], "alice", EMAIL_OTP_CODE=outbox_code(endpoint, pid, "alice", 8)))

    out = strip(idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"}))
    assert_tokens(respond(idp, cid, "SELECT_CHALLENGE", out["Session"], "alice", ANSWER="PASSWORD", PASSWORD=PASSWORD))


def test_user_auth_needs_the_client_flow(idp, choice_pool):
    pid, _ = choice_pool
    make_user(idp, pid, "alice", email="alice@example.com", email_verified="true")
    other = idp.create_user_pool_client(UserPoolId=pid, ClientName="pw", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    with pytest.raises(idp.exceptions.InvalidParameterException) as exc:
        idp.initiate_auth(ClientId=other["UserPoolClient"]["ClientId"], AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
    assert error(exc) == ("InvalidParameterException", "USER_AUTH flow not enabled for this client")

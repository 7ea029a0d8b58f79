"""Authentication factors and MFA through boto3: what a boto3 user sees (exception classes, exact
messages, exact response shapes, omitted members). The behaviour is AWS's, as the API reference for
GetUserAuthFactors and SetUserMFAPreference and the developer guide's MFA pages describe it; where
AWS leaves a question open, it is docs/mfa.md's decision.
"""
import json
import os
import random
import re
import time

import pytest

from conftest import make_client
from mfa_helpers import (
    PASSWORD, PHONE, SMS_MESSAGE, Authenticator, access_token, app_client, assert_tokens, configure_pool_mfa,
    enrol_totp, error, make_user, mfa_view, outbox, outbox_code, respond, sign_in, strip,
)

FACTORS = ("SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP")
SETTINGS_KEY = {"SMS_MFA": "SMSMfaSettings", "SOFTWARE_TOKEN_MFA": "SoftwareTokenMfaSettings", "EMAIL_OTP": "EmailMfaSettings"}


# --- GetUserAuthFactors and SetUserMFAPreference as AWS's references show them ------------------


def test_get_user_auth_factors_of_a_plain_user_is_username_and_password(idp, pool):
    """A user without MFA gets Username + ConfiguredUserAuthFactors and no MFA keys: members without a
    value are left out, never empty (docs/protocol.md)."""
    pid = pool["Id"]
    cid = app_client(idp, pid)
    make_user(idp, pid, "testuser", email="testuser@example.com")
    token = access_token(idp, cid, "testuser")
    resp = idp.get_user_auth_factors(AccessToken=token)
    assert strip(resp) == {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert headers["content-type"] == "application/x-amz-json-1.1"
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-amzn-requestid"])
    assert strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="testuser")) == {
        "Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    me = idp.get_user(AccessToken=token)
    assert not {"MFAOptions", "PreferredMfaSetting", "UserMFASettingList"} & set(me)


def test_get_user_auth_factors_lists_the_first_factors_a_user_can_choose(idp):
    """As in the AWS CLI reference's example for get-user-auth-factors: the factors in enum order
    (here PASSWORD, EMAIL_OTP, SMS_OTP) and still no MFA keys.
    https://docs.aws.amazon.com/cli/latest/reference/cognito-idp/get-user-auth-factors.html
    """
    pid = idp.create_user_pool(PoolName="first-factors", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}})["UserPool"]["Id"]
    try:
        cid = app_client(idp, pid)
        make_user(idp, pid, "testuser", email="testuser@example.com", email_verified="true",
                  phone_number=PHONE, phone_number_verified="true")
        token = access_token(idp, cid, "testuser")
        expected = {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP"]}
        assert strip(idp.get_user_auth_factors(AccessToken=token)) == expected
        assert strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="testuser")) == expected
        # Unverified addresses are not sign-in factors (docs/mfa.md).
        make_user(idp, pid, "unverified", email="u@example.com", phone_number=PHONE)
        assert strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="unverified")) == {
            "Username": "unverified", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    finally:
        idp.delete_user_pool(UserPoolId=pid)


def test_set_user_mfa_preference_before_the_authenticator_is_verified(idp, pool):
    """Turning TOTP MFA on before an authenticator is verified is refused with the real service's
    message, in the body and in x-amzn-ErrorType / x-amzn-ErrorMessage (docs/mfa.md, Preferences)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "testuser")
    token = access_token(idp, cid, "testuser")
    settings = {"Enabled": True, "PreferredMfa": True}
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=settings)
    assert error(e) == ("InvalidParameterException", "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    headers = e.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "InvalidParameterException:"
    assert headers["x-amzn-errormessage"] == "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    # An associated but not yet verified authenticator is not a delivery config either.
    idp.associate_software_token(AccessToken=token)
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings=settings)
    assert error(e)[1] == "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="testuser", SoftwareTokenMfaSettings=settings)
    assert error(e)[1] == "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    # Nothing changed, and disabling is always accepted: an empty answer.
    assert strip(idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})) == {}
    assert strip(idp.get_user_auth_factors(AccessToken=token)) == {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}


def test_seed_error_types(idp, pool, endpoint):
    """Every error that GetUserAuthFactors and SetUserMFAPreference list in the API reference and a
    client can provoke."""
    pid = pool["Id"]
    cid = app_client(idp, pid)
    totp = {"SoftwareTokenMfaSettings": {"Enabled": False}}

    # NotAuthorizedException: a token that is not one of ours, or an ID token.
    for bad in ("garbage", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"):
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.get_user_auth_factors(AccessToken=bad)
        assert error(e) == ("NotAuthorizedException", "Invalid Access Token")
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.set_user_mfa_preference(AccessToken=bad, **totp)
        assert error(e) == ("NotAuthorizedException", "Invalid Access Token")
    make_user(idp, pid, "idtoken")
    id_token = sign_in(idp, cid, "idtoken")["AuthenticationResult"]["IdToken"]
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.get_user_auth_factors(AccessToken=id_token)
    assert error(e)[1] == "Invalid Access Token"

    # InvalidParameterException: a malformed token (botocore checks no patterns) and, with
    # client-side validation off, a missing one.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.get_user_auth_factors(AccessToken="not a token!")
    assert error(e) == ("InvalidParameterException",
                        "1 validation error detected: Value at 'accessToken' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: [A-Za-z0-9-_=.]+")
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken="not a token!", **totp)
    assert "'accessToken'" in error(e)[1]
    raw = make_client(endpoint, parameter_validation=False)
    with pytest.raises(raw.exceptions.InvalidParameterException) as e:
        raw.get_user_auth_factors()
    assert "'accessToken'" in error(e)[1] and "Member must not be null" in error(e)[1]
    with pytest.raises(raw.exceptions.InvalidParameterException) as e:
        raw.set_user_mfa_preference(**totp)
    assert "'accessToken'" in error(e)[1]

    # NotAuthorizedException: revoked by GlobalSignOut.
    make_user(idp, pid, "signedout")
    token = access_token(idp, cid, "signedout")
    assert strip(idp.global_sign_out(AccessToken=token)) == {}
    for call in (lambda: idp.get_user_auth_factors(AccessToken=token), lambda: idp.set_user_mfa_preference(AccessToken=token, **totp)):
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            call()
        assert error(e) == ("NotAuthorizedException", "Access Token has been revoked")

    # NotAuthorizedException: the user was disabled (which revokes the tokens).
    make_user(idp, pid, "disabled")
    token = access_token(idp, cid, "disabled")
    idp.admin_disable_user(UserPoolId=pid, Username="disabled")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.get_user_auth_factors(AccessToken=token)
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.set_user_mfa_preference(AccessToken=token, **totp)

    # PasswordResetRequiredException: an admin reset the password; the token is still valid.
    make_user(idp, pid, "reset", email="reset@example.com", email_verified="true")
    token = access_token(idp, cid, "reset")
    idp.admin_reset_user_password(UserPoolId=pid, Username="reset")
    for call in (lambda: idp.get_user_auth_factors(AccessToken=token), lambda: idp.set_user_mfa_preference(AccessToken=token, **totp)):
        with pytest.raises(idp.exceptions.PasswordResetRequiredException) as e:
            call()
        assert error(e) == ("PasswordResetRequiredException", "Password reset required for the user")

    # UserNotFoundException: the user was deleted while the token is still valid.
    make_user(idp, pid, "deleted")
    token = access_token(idp, cid, "deleted")
    idp.admin_delete_user(UserPoolId=pid, Username="deleted")
    for call in (lambda: idp.get_user_auth_factors(AccessToken=token), lambda: idp.set_user_mfa_preference(AccessToken=token, **totp)):
        with pytest.raises(idp.exceptions.UserNotFoundException) as e:
            call()
        assert error(e) == ("UserNotFoundException", "User does not exist.")

    # The admin forms: unknown pool, unknown user.
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.admin_get_user_auth_factors(UserPoolId="us-east-1_missing1", Username="testuser")
    assert error(e) == ("ResourceNotFoundException", "User pool us-east-1_missing1 does not exist.")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.admin_set_user_mfa_preference(UserPoolId="us-east-1_missing1", Username="testuser", **totp)
    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_get_user_auth_factors(UserPoolId=pid, Username="nobody")
    assert error(e) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="nobody", **totp)


# --- Authenticator apps (TOTP) -----------------------------------------------------------------


def test_the_totp_story(idp, pool):
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "alice")
    token = access_token(idp, cid, "alice")

    assoc = strip(idp.associate_software_token(AccessToken=token))
    assert set(assoc) == {"SecretCode"}, "the token form returns no Session"
    secret = assoc["SecretCode"]
    assert re.fullmatch(r"[A-Z2-7]{32,}", secret), secret
    app = Authenticator(secret)
    with pytest.raises(idp.exceptions.EnableSoftwareTokenMFAException) as e:
        idp.verify_software_token(AccessToken=token, UserCode=app.wrong_code())
    assert error(e) == ("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
    assert strip(idp.verify_software_token(AccessToken=token, UserCode=app.code(), FriendlyDeviceName="phone")) == {"Status": "SUCCESS"}
    # Verified but not activated: nothing changes yet, sign-in is still password-only.
    assert strip(idp.get_user_auth_factors(AccessToken=token)) == {"Username": "alice", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    assert_tokens(sign_in(idp, cid, "alice"))

    assert strip(idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})) == {}
    me = strip(idp.get_user(AccessToken=token))
    assert mfa_view(me) == {"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}
    assert "MFAOptions" not in me
    factors = strip(idp.get_user_auth_factors(AccessToken=token))
    assert factors == {"Username": "alice", "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
                       "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "ConfiguredUserAuthFactors": ["PASSWORD"]}
    assert strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="alice")) == factors
    assert mfa_view(idp.admin_get_user(UserPoolId=pid, Username="alice")) == mfa_view(me)

    out = sign_in(idp, cid, "alice")
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert out["ChallengeParameters"] == {"FRIENDLY_DEVICE_NAME": "phone", "USER_ID_FOR_SRP": "alice"}
    assert "AuthenticationResult" not in out and len(out["Session"]) >= 20
    with pytest.raises(idp.exceptions.CodeMismatchException) as e:
        respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "alice", SOFTWARE_TOKEN_MFA_CODE=app.wrong_code())
    assert error(e)[1].rstrip(".") == "Invalid code received for user"
    code = app.code()
    assert_tokens(respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "alice", SOFTWARE_TOKEN_MFA_CODE=code))

    # The same code in a new sign-in: a replay.
    again = sign_in(idp, cid, "alice")
    with pytest.raises(idp.exceptions.ExpiredCodeException) as e:
        respond(idp, cid, "SOFTWARE_TOKEN_MFA", again["Session"], "alice", SOFTWARE_TOKEN_MFA_CODE=code)
    assert error(e) == ("ExpiredCodeException", "Your software token has already been used once.")

    # Disable: no MFA keys any more, password-only sign-in again.
    assert strip(idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": False})) == {}
    assert mfa_view(idp.get_user(AccessToken=token)) == {}
    assert strip(idp.get_user_auth_factors(AccessToken=token)) == {"Username": "alice", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    assert_tokens(sign_in(idp, cid, "alice"))


def test_software_token_errors_and_admin_delete(idp, pool):
    pid = pool["Id"]
    cid = app_client(idp, pid)
    make_user(idp, pid, "erin")
    token = access_token(idp, cid, "erin")
    # The pool has no TOTP: the message AWS's TOTP page quotes (docs/mfa.md, TOTP).
    with pytest.raises(idp.exceptions.SoftwareTokenMFANotFoundException) as e:
        idp.associate_software_token(AccessToken=token)
    assert error(e) == ("SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool")

    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True)
    # Verify before any Associate (docs/mfa.md).
    with pytest.raises(idp.exceptions.SoftwareTokenMFANotFoundException) as e:
        idp.verify_software_token(AccessToken=token, UserCode="123456")
    assert error(e)[1] == "Software Token MFA does not exist for the user."
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    # Seven digits reach the server (botocore checks only the minimum length) and break the model's maximum of 6.
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.verify_software_token(AccessToken=token, UserCode="1234567")
    assert "'userCode'" in error(e)[1] and "Member must have length less than or equal to 6" in error(e)[1]
    # A garbage Session instead of a token.
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.associate_software_token(Session="x" * 40)
    assert error(e) == ("NotAuthorizedException", "Invalid session for the user.")

    app = Authenticator(secret)
    idp.verify_software_token(AccessToken=token, UserCode=app.code(), FriendlyDeviceName="tablet")
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert sign_in(idp, cid, "erin")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"

    assert strip(idp.admin_delete_software_token(UserPoolId=pid, Username="erin")) == {}
    assert mfa_view(idp.admin_get_user(UserPoolId=pid, Username="erin")) == {}
    assert_tokens(sign_in(idp, cid, "erin"))
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    assert error(e)[1] == "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA"
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_delete_software_token(UserPoolId=pid, Username="nobody")


def test_a_new_authenticator_replaces_the_old_one_once_verified(idp, pool):
    """A new secret stays pending; the old authenticator works until the new one is verified (the
    AssociateSoftwareToken API reference; docs/mfa.md, TOTP)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "fay")
    token = access_token(idp, cid, "fay")
    old = enrol_totp(idp, token, device="old-phone")
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    new = Authenticator(idp.associate_software_token(AccessToken=token)["SecretCode"], after=old)
    out = sign_in(idp, cid, "fay")
    assert out["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "old-phone"
    assert_tokens(respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "fay", SOFTWARE_TOKEN_MFA_CODE=old.code()))
    assert idp.verify_software_token(AccessToken=token, UserCode=new.code(), FriendlyDeviceName="new-phone")["Status"] == "SUCCESS"
    me = mfa_view(idp.get_user(AccessToken=token))
    assert me == {"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}
    out = sign_in(idp, cid, "fay")
    assert out["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "new-phone"
    old_code = old.totp.at(time.time())
    if old_code != new.totp.at(time.time()):
        with pytest.raises(idp.exceptions.CodeMismatchException):
            respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "fay", SOFTWARE_TOKEN_MFA_CODE=old_code)
    assert_tokens(respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "fay", SOFTWARE_TOKEN_MFA_CODE=new.code()))


# --- SMS and email codes -----------------------------------------------------------------------


def user_attrs(idp, pid, name):
    return {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pid, Username=name)["UserAttributes"]}


def test_sms_and_email_mfa_with_select_mfa_type(idp, pool, endpoint):
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True, sms=True, email=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "bob", phone_number=PHONE, email="bob@example.com")
    token = access_token(idp, cid, "bob")
    assert strip(idp.admin_set_user_mfa_preference(
        UserPoolId=pid, Username="bob", SMSMfaSettings={"Enabled": True}, EmailMfaSettings={"Enabled": True})) == {}
    factors = strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="bob"))
    assert "PreferredMfaSetting" not in factors
    assert sorted(factors["UserMFASettingList"]) == ["EMAIL_OTP", "SMS_MFA"]
    me = idp.get_user(AccessToken=token)
    assert mfa_view(me) == mfa_view(factors)
    assert "MFAOptions" not in me, "SetUserMFAPreference does not fill the legacy MFAOptions (docs/mfa.md)"

    # Two factors, none preferred: choose.
    out = sign_in(idp, cid, "bob")
    assert out["ChallengeName"] == "SELECT_MFA_TYPE"
    assert set(out["ChallengeParameters"]) == {"MFAS_CAN_CHOOSE", "USER_ID_FOR_SRP"}
    assert sorted(json.loads(out["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == ["EMAIL_OTP", "SMS_MFA"]
    assert out["ChallengeParameters"]["USER_ID_FOR_SRP"] == "bob"
    sms = respond(idp, cid, "SELECT_MFA_TYPE", out["Session"], "bob", ANSWER="SMS_MFA")
    assert sms["ChallengeName"] == "SMS_MFA"
    assert sms["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0100",
                                          "USER_ID_FOR_SRP": "bob"}
    code = outbox_code(endpoint, pid, "bob", 6)
    assert outbox(endpoint, pid, "bob")[0]["Body"] == SMS_MESSAGE.replace("{####}", code)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(idp.exceptions.CodeMismatchException) as e:
        respond(idp, cid, "SMS_MFA", sms["Session"], "bob", SMS_MFA_CODE=wrong)
    assert error(e) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    assert_tokens(respond(idp, cid, "SMS_MFA", sms["Session"], "bob", SMS_MFA_CODE=code))
    assert user_attrs(idp, pid, "bob")["phone_number_verified"] == "true", "an SMS code proves the phone number"

    out = sign_in(idp, cid, "bob")
    email = respond(idp, cid, "SELECT_MFA_TYPE", out["Session"], "bob", ANSWER="EMAIL_OTP")
    assert email["ChallengeName"] == "EMAIL_OTP"
    assert email["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "b***@e***",
                                            "USER_ID_FOR_SRP": "bob"}
    code = outbox_code(endpoint, pid, "bob", 8)
    assert outbox(endpoint, pid, "bob")[0]["Body"] == f"Your authentication code is {code}. "
    assert_tokens(respond(idp, cid, "EMAIL_OTP", email["Session"], "bob", EMAIL_OTP_CODE=code))
    assert user_attrs(idp, pid, "bob")["email_verified"] == "true"

    # A third factor: the authenticator joins the choice.
    app = enrol_totp(idp, token, device="watch")
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True})
    out = sign_in(idp, cid, "bob")
    assert sorted(json.loads(out["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == ["EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    totp = respond(idp, cid, "SELECT_MFA_TYPE", out["Session"], "bob", ANSWER="SOFTWARE_TOKEN_MFA")
    assert totp["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert totp["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "watch"
    assert_tokens(respond(idp, cid, "SOFTWARE_TOKEN_MFA", totp["Session"], "bob", SOFTWARE_TOKEN_MFA_CODE=app.code()))

    # Prefer SMS: ADMIN_USER_PASSWORD_AUTH goes straight to SMS_MFA.
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert idp.get_user(AccessToken=token)["PreferredMfaSetting"] == "SMS_MFA"
    out = strip(idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                        AuthParameters={"USERNAME": "bob", "PASSWORD": PASSWORD}))
    assert out["ChallengeName"] == "SMS_MFA"
    done = strip(idp.admin_respond_to_auth_challenge(
        UserPoolId=pid, ClientId=cid, ChallengeName="SMS_MFA", Session=out["Session"],
        ChallengeResponses={"USERNAME": "bob", "SMS_MFA_CODE": outbox_code(endpoint, pid, "bob", 6)}))
    assert_tokens(done)

    # Prefer email: straight to EMAIL_OTP; a session that produced tokens is spent.
    idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True, "PreferredMfa": True})
    factors = strip(idp.get_user_auth_factors(AccessToken=token))
    assert factors["PreferredMfaSetting"] == "EMAIL_OTP"
    assert sorted(factors["UserMFASettingList"]) == ["EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    out = sign_in(idp, cid, "bob")
    assert out["ChallengeName"] == "EMAIL_OTP"
    code = outbox_code(endpoint, pid, "bob", 8)
    assert_tokens(respond(idp, cid, "EMAIL_OTP", out["Session"], "bob", EMAIL_OTP_CODE=code))
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        respond(idp, cid, "EMAIL_OTP", out["Session"], "bob", EMAIL_OTP_CODE=code)
    assert error(e)[1] == "Invalid session for the user, session can only be used once."


def test_select_mfa_type_accepts_the_documented_email_mfa_answer(idp, pool, endpoint):
    """SELECT_MFA_TYPE: the API reference names the email answer EMAIL_MFA, Amplify sends EMAIL_OTP; both
    are accepted (docs/mfa.md, What follows the first factor)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=False, sms=True, email=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "gus", phone_number=PHONE, email="gus@example.com")
    idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="gus", SMSMfaSettings={"Enabled": True}, EmailMfaSettings={"Enabled": True})
    out = sign_in(idp, cid, "gus")
    assert out["ChallengeName"] == "SELECT_MFA_TYPE"
    email = respond(idp, cid, "SELECT_MFA_TYPE", out["Session"], "gus", ANSWER="EMAIL_MFA")
    assert email["ChallengeName"] == "EMAIL_OTP"
    assert_tokens(respond(idp, cid, "EMAIL_OTP", email["Session"], "gus", EMAIL_OTP_CODE=outbox_code(endpoint, pid, "gus", 8)))


def test_sms_and_email_need_a_delivery_config(idp, pool):
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True, sms=True, email=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "dan")
    token = access_token(idp, cid, "dan")
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": True})
    assert error(e)[1] == "User does not have delivery config set to turn on SMS_MFA"
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_mfa_preference(AccessToken=token, EmailMfaSettings={"Enabled": True})
    assert error(e)[1] == "User does not have delivery config set to turn on EMAIL_OTP"
    assert strip(idp.get_user_auth_factors(AccessToken=token)) == {"Username": "dan", "ConfiguredUserAuthFactors": ["PASSWORD"]}


def test_legacy_user_settings(idp, pool):
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=False, sms=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "lee", phone_number=PHONE, email="lee@example.com")
    token = access_token(idp, cid, "lee")
    sms_option = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    assert strip(idp.set_user_settings(AccessToken=token, MFAOptions=sms_option)) == {}
    assert idp.get_user(AccessToken=token)["MFAOptions"] == sms_option
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.admin_set_user_settings(UserPoolId=pid, Username="lee", MFAOptions=[{"DeliveryMedium": "EMAIL", "AttributeName": "email"}])
    assert error(e)[1] == "Only phone_number attribute is currently supported as a MFA option."
    # Turning SMS MFA off clears the legacy option too (docs/mfa.md).
    idp.set_user_mfa_preference(AccessToken=token, SMSMfaSettings={"Enabled": False})
    me = idp.get_user(AccessToken=token)
    assert not {"MFAOptions", "PreferredMfaSetting", "UserMFASettingList"} & set(me)
    assert strip(idp.admin_set_user_settings(UserPoolId=pid, Username="lee", MFAOptions=sms_option)) == {}
    assert idp.admin_get_user(UserPoolId=pid, Username="lee")["MFAOptions"] == sms_option


def test_wrong_codes_can_be_retried_until_the_session_ends(idp, pool, endpoint):
    """Clients keep the Session after a CodeMismatchException and retry; the third wrong code ends it
    (docs/sign-in.md, Sessions)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=False, sms=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "hal", phone_number=PHONE)
    idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="hal", SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    out = sign_in(idp, cid, "hal")
    assert out["ChallengeName"] == "SMS_MFA"
    code = outbox_code(endpoint, pid, "hal", 6)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(idp.exceptions.CodeMismatchException):
            respond(idp, cid, "SMS_MFA", out["Session"], "hal", SMS_MFA_CODE=wrong)
    assert_tokens(respond(idp, cid, "SMS_MFA", out["Session"], "hal", SMS_MFA_CODE=code))

    out = sign_in(idp, cid, "hal")
    code = outbox_code(endpoint, pid, "hal", 6)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(idp.exceptions.CodeMismatchException):
            respond(idp, cid, "SMS_MFA", out["Session"], "hal", SMS_MFA_CODE=wrong)
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        respond(idp, cid, "SMS_MFA", out["Session"], "hal", SMS_MFA_CODE=code)


# --- MFA_SETUP in a pool that requires MFA -----------------------------------------------------


def test_mfa_setup_when_the_pool_requires_mfa(idp, pool):
    """MFA_SETUP in an ON pool with TOTP only: AssociateSoftwareToken and VerifySoftwareToken with the
    session, then MFA_SETUP answered with Verify's session signs in and activates TOTP (docs/mfa.md)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "ON", totp=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "carol")
    out = sign_in(idp, cid, "carol")
    assert out["ChallengeName"] == "MFA_SETUP"
    assert out["ChallengeParameters"] == {"MFAS_CAN_SETUP": '["SOFTWARE_TOKEN_MFA"]', "USER_ID_FOR_SRP": "carol"}
    assoc = strip(idp.associate_software_token(Session=out["Session"]))
    assert set(assoc) == {"SecretCode", "Session"}
    app = Authenticator(assoc["SecretCode"])
    verify = strip(idp.verify_software_token(Session=assoc["Session"], UserCode=app.code(), FriendlyDeviceName="phone"))
    assert set(verify) == {"Status", "Session"} and verify["Status"] == "SUCCESS"
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="MFA_SETUP", ChallengeResponses={"USERNAME": "carol"})
    assert error(e)[1] == "Missing required parameter Session"
    result = assert_tokens(respond(idp, cid, "MFA_SETUP", verify["Session"], "carol"))
    # Completing MFA_SETUP activates the authenticator (and prefers it: nothing else is).
    me = idp.get_user(AccessToken=result["AccessToken"])
    assert mfa_view(me) == {"PreferredMfaSetting": "SOFTWARE_TOKEN_MFA", "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"]}
    out = sign_in(idp, cid, "carol")
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert out["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"] == "phone"
    assert_tokens(respond(idp, cid, "SOFTWARE_TOKEN_MFA", out["Session"], "carol", SOFTWARE_TOKEN_MFA_CODE=app.code()))


def test_a_pool_that_requires_mfa_uses_the_phone_or_asks_for_setup(idp, pool, endpoint):
    """ON pool with SMS and TOTP: a user with a phone gets SMS_MFA without enabling anything; a user
    without one is asked to set up a factor (docs/mfa.md, What follows the first factor)."""
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "ON", totp=True, sms=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "ivy", phone_number=PHONE)
    make_user(idp, pid, "jon")
    out = sign_in(idp, cid, "ivy")
    assert out["ChallengeName"] == "SMS_MFA"
    assert out["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "+*******0100"
    assert_tokens(respond(idp, cid, "SMS_MFA", out["Session"], "ivy", SMS_MFA_CODE=outbox_code(endpoint, pid, "ivy", 6)))
    out = sign_in(idp, cid, "jon")
    assert out["ChallengeName"] == "MFA_SETUP"
    assert sorted(json.loads(out["ChallengeParameters"]["MFAS_CAN_SETUP"])) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]


# --- Pool configuration ------------------------------------------------------------------------


def test_set_user_pool_mfa_config_contradictions(idp, pool):
    """SetUserPoolMfaConfig refuses OFF with a factor, and ON or OPTIONAL without one, with the real
    service's messages; Get answers what Set configured (docs/mfa.md, Pool configuration)."""
    pid = pool["Id"]
    assert strip(idp.get_user_pool_mfa_config(UserPoolId=pid)) == {"MfaConfiguration": "OFF"}
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OFF", SoftwareTokenMfaConfiguration={"Enabled": True})
    assert error(e) == ("InvalidParameterException", "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
    for mode in ("ON", "OPTIONAL"):
        with pytest.raises(idp.exceptions.InvalidParameterException) as e:
            idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration=mode)
        assert error(e)[1] == "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
    expected = {"SoftwareTokenMfaConfiguration": {"Enabled": True}, "MfaConfiguration": "OPTIONAL"}
    assert configure_pool_mfa(idp, pid, "OPTIONAL", totp=True) == expected
    assert strip(idp.get_user_pool_mfa_config(UserPoolId=pid)) == expected
    assert idp.describe_user_pool(UserPoolId=pid)["UserPool"]["MfaConfiguration"] == "OPTIONAL"
    # OFF alone is accepted and leaves no factor behind.
    assert strip(idp.set_user_pool_mfa_config(UserPoolId=pid, MfaConfiguration="OFF")) == {"MfaConfiguration": "OFF"}
    assert strip(idp.get_user_pool_mfa_config(UserPoolId=pid)) == {"MfaConfiguration": "OFF"}
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_user_pool_mfa_config(UserPoolId="us-east-1_missing1")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.set_user_pool_mfa_config(UserPoolId="us-east-1_missing1", MfaConfiguration="OFF")


# --- Property: random preference sequences -----------------------------------------------------


def random_request(rng):
    """Settings for a random non-empty subset of the factors, each with Enabled/PreferredMfa or not."""
    req = {}
    while not req:
        for factor in FACTORS:
            shape = rng.choice(["omit", "omit", "enabled", "preferred", "both", "both"])
            if shape == "omit":
                continue
            s = {}
            if shape in ("enabled", "both"):
                s["Enabled"] = rng.random() < 0.6
            if shape in ("preferred", "both"):
                s["PreferredMfa"] = rng.random() < 0.4
            req[factor] = s
    return req


def model_apply(enabled, preferred, req):
    """SetUserMFAPreference's rules (docs/mfa.md, Preferences): the new (enabled, preferred), or None
    when the request is refused."""
    wants = [f for f, s in req.items() if s.get("PreferredMfa") is True]
    if len(wants) > 1:
        return None
    new_enabled = dict(enabled)
    for f, s in req.items():
        if "Enabled" in s:
            new_enabled[f] = s["Enabled"]
    if wants and not new_enabled[wants[0]]:
        return None
    new_pref = preferred
    if wants:
        new_pref = wants[0]
    elif preferred in req and req[preferred].get("PreferredMfa") is False:
        new_pref = None
    if new_pref is not None and not new_enabled[new_pref]:
        new_pref = None
    return new_enabled, new_pref


def expected_sign_in(enabled, preferred):
    on = [f for f in FACTORS if enabled[f]]
    if preferred:
        return preferred, None
    if len(on) == 1:
        return on[0], None
    if len(on) > 1:
        return "SELECT_MFA_TYPE", sorted(on)
    return None, None


def test_random_preference_sequences_keep_get_user_and_get_user_auth_factors_in_agreement(idp, pool):
    seed = int(os.environ.get("MFA_PROPERTY_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    pid = pool["Id"]
    configure_pool_mfa(idp, pid, "OPTIONAL", totp=True, sms=True, email=True)
    cid = app_client(idp, pid)
    make_user(idp, pid, "pat", phone_number=PHONE, email="pat@example.com")
    token = access_token(idp, cid, "pat")
    enrol_totp(idp, token)
    enabled, preferred = {f: False for f in FACTORS}, None

    for step in range(30):
        req = random_request(rng)
        where = f"seed={seed} step={step} request={req}"
        kwargs = {SETTINGS_KEY[f]: s for f, s in req.items()}
        expected = model_apply(enabled, preferred, req)
        try:
            if rng.random() < 0.5:
                idp.set_user_mfa_preference(AccessToken=token, **kwargs)
            else:
                idp.admin_set_user_mfa_preference(UserPoolId=pid, Username="pat", **kwargs)
            accepted = True
        except idp.exceptions.InvalidParameterException:
            accepted = False
        assert accepted == (expected is not None), where
        if expected is not None:
            enabled, preferred = expected

        me = mfa_view(idp.get_user(AccessToken=token))
        factors = strip(idp.get_user_auth_factors(AccessToken=token))
        assert mfa_view(factors) == me, where
        assert mfa_view(idp.admin_get_user(UserPoolId=pid, Username="pat")) == me, where
        assert strip(idp.admin_get_user_auth_factors(UserPoolId=pid, Username="pat")) == factors, where
        assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD"], where
        # Omitted together when nothing is activated; a preference is always an activated factor.
        assert ("UserMFASettingList" in me) or ("PreferredMfaSetting" not in me), where
        if "UserMFASettingList" in me:
            assert me["UserMFASettingList"], where
            assert len(set(me["UserMFASettingList"])) == len(me["UserMFASettingList"]), where
        if "PreferredMfaSetting" in me:
            assert me["PreferredMfaSetting"] in me["UserMFASettingList"], where
        assert sorted(me.get("UserMFASettingList", [])) == sorted(f for f in FACTORS if enabled[f]), where
        assert me.get("PreferredMfaSetting") == preferred, where

        # And sign-in asks for what GetUser says (docs/mfa.md, What follows the first factor; OPTIONAL pool).
        challenge, choices = expected_sign_in(enabled, preferred)
        out = sign_in(idp, cid, "pat")
        assert out.get("ChallengeName") == challenge, where
        if choices:
            assert sorted(json.loads(out["ChallengeParameters"]["MFAS_CAN_CHOOSE"])) == choices, where

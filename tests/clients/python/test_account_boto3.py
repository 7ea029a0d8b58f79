"""An end user's account through boto3: sign-up, confirmation and reset codes (read from the
development outbox), sign-in, profile, password changes, sign-out, refresh and revocation."""
import base64
import hashlib
import hmac
import time

import jwt
import pytest

from conftest import latest_code, make_app, make_user, outbox

PASSWORD = "Correct-horse1!"
WRONG_CODE_MESSAGE = "Invalid verification code provided, please try again."


def password_sign_in(idp, client_id, username, password, **extra):
    return idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": username, "PASSWORD": password, **extra})["AuthenticationResult"]


def error(exc_info):
    return exc_info.value.response["Error"]["Code"], exc_info.value.response["Error"]["Message"]


def attributes(response):
    return {a["Name"]: a["Value"] for a in response["UserAttributes"]}


def test_account_lifecycle(endpoint, idp, app):
    pool_id, client_id = app

    # Sign up: unconfirmed, a code goes to the email.
    out = idp.sign_up(ClientId=client_id, Username="lee", Password=PASSWORD,
                      UserAttributes=[{"Name": "email", "Value": "lee@example.com"}])
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert out["CodeDeliveryDetails"]["AttributeName"] == "email"
    assert len(out["UserSub"]) == 36
    with pytest.raises(idp.exceptions.UserNotConfirmedException) as e:
        password_sign_in(idp, client_id, "lee", PASSWORD)
    assert error(e) == ("UserNotConfirmedException", "User is not confirmed.")

    # Confirm with the code from the outbox.
    code = latest_code(endpoint, pool_id, "lee", "SignUp")
    idp.confirm_sign_up(ClientId=client_id, Username="lee", ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool_id, Username="lee")
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes(user)["email_verified"] == "true"

    # Sign in, read and update the profile.
    tokens = password_sign_in(idp, client_id, "lee", PASSWORD)
    access = tokens["AccessToken"]
    me = idp.get_user(AccessToken=access)
    assert me["Username"] == "lee"
    assert attributes(me)["email"] == "lee@example.com"
    assert attributes(me)["sub"] == out["UserSub"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[
        {"Name": "given_name", "Value": "Lee"}, {"Name": "family_name", "Value": "Smith"}])
    me = attributes(idp.get_user(AccessToken=access))
    assert (me["given_name"], me["family_name"]) == ("Lee", "Smith")
    idp.delete_user_attributes(AccessToken=access, UserAttributeNames=["family_name"])
    assert "family_name" not in attributes(idp.get_user(AccessToken=access))

    # Forgot password: a code by email, then a new password.
    sent = idp.forgot_password(ClientId=client_id, Username="lee")["CodeDeliveryDetails"]
    assert sent["DeliveryMedium"] == "EMAIL" and sent["AttributeName"] == "email"
    code = latest_code(endpoint, pool_id, "lee", "ForgotPassword")
    idp.confirm_forgot_password(ClientId=client_id, Username="lee", ConfirmationCode=code, Password="Forgot-new1!")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        password_sign_in(idp, client_id, "lee", PASSWORD)
    assert error(e) == ("NotAuthorizedException", "Incorrect username or password.")
    tokens = password_sign_in(idp, client_id, "lee", "Forgot-new1!")

    # Change password with the access token.
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.change_password(AccessToken=tokens["AccessToken"], PreviousPassword="Not-it-1!", ProposedPassword="Changed-new1!")
    assert error(e) == ("NotAuthorizedException", "Incorrect username or password.")
    with pytest.raises(idp.exceptions.InvalidPasswordException):
        idp.change_password(AccessToken=tokens["AccessToken"], PreviousPassword="Forgot-new1!", ProposedPassword="weak")
    idp.change_password(AccessToken=tokens["AccessToken"], PreviousPassword="Forgot-new1!", ProposedPassword="Changed-new1!")

    # Sign out everywhere: the access token and the refresh token stop working.
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.get_user(AccessToken=tokens["AccessToken"])
    assert error(e) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})

    # Sign-out revokes everything issued up to that second; sign in again after it.
    time.sleep(1.1)
    fresh = password_sign_in(idp, client_id, "lee", "Changed-new1!")
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "lee"

    # Delete the account.
    idp.delete_user(AccessToken=fresh["AccessToken"])
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=pool_id, Username="lee")


def test_resend_confirmation_code(endpoint, idp, app):
    pool_id, client_id = app
    idp.sign_up(ClientId=client_id, Username="max", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "max@example.com"}])
    first = latest_code(endpoint, pool_id, "max", "SignUp")
    details = idp.resend_confirmation_code(ClientId=client_id, Username="max")["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL"
    second = latest_code(endpoint, pool_id, "max", "SignUp")
    assert [m["Purpose"] for m in outbox(endpoint, pool_id, "max")] == ["SignUp", "SignUp"]
    idp.confirm_sign_up(ClientId=client_id, Username="max", ConfirmationCode=second)
    assert idp.admin_get_user(UserPoolId=pool_id, Username="max")["UserStatus"] == "CONFIRMED"
    assert first.isdigit()


def test_email_change_is_verified_with_a_code(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "nina", PASSWORD, email="nina@example.com", email_verified="true")
    access = password_sign_in(idp, client_id, "nina", PASSWORD)["AccessToken"]
    out = idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "nina@example.org"}])
    assert [d["AttributeName"] for d in out["CodeDeliveryDetailsList"]] == ["email"]
    me = attributes(idp.get_user(AccessToken=access))
    assert (me["email"], me["email_verified"]) == ("nina@example.org", "false")
    with pytest.raises(idp.exceptions.CodeMismatchException) as e:
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code="000000")
    assert error(e) == ("CodeMismatchException", WRONG_CODE_MESSAGE)
    code = latest_code(endpoint, pool_id, "nina", "VerifyAttribute")
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert attributes(idp.get_user(AccessToken=access))["email_verified"] == "true"

    # Asking again sends a new code.
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert latest_code(endpoint, pool_id, "nina", "VerifyAttribute")


def test_wrong_codes_raise_code_mismatch(endpoint, idp, app):
    pool_id, client_id = app
    idp.sign_up(ClientId=client_id, Username="oli", Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": "oli@example.com"}])
    good = latest_code(endpoint, pool_id, "oli", "SignUp")
    bad = "000000" if good != "000000" else "111111"
    with pytest.raises(idp.exceptions.CodeMismatchException) as e:
        idp.confirm_sign_up(ClientId=client_id, Username="oli", ConfirmationCode=bad)
    assert error(e) == ("CodeMismatchException", WRONG_CODE_MESSAGE)
    idp.confirm_sign_up(ClientId=client_id, Username="oli", ConfirmationCode=good)

    idp.forgot_password(ClientId=client_id, Username="oli")
    good = latest_code(endpoint, pool_id, "oli", "ForgotPassword")
    bad = "000000" if good != "000000" else "111111"
    with pytest.raises(idp.exceptions.CodeMismatchException) as e:
        idp.confirm_forgot_password(ClientId=client_id, Username="oli", ConfirmationCode=bad, Password="Another-new1!")
    assert error(e) == ("CodeMismatchException", WRONG_CODE_MESSAGE)
    # The password did not change.
    password_sign_in(idp, client_id, "oli", PASSWORD)


def test_admin_reset_user_password(endpoint, idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "pat", PASSWORD, email="pat@example.com", email_verified="true")
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="pat")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(idp.exceptions.PasswordResetRequiredException) as e:
        password_sign_in(idp, client_id, "pat", PASSWORD)
    assert error(e) == ("PasswordResetRequiredException", "Password reset required for the user")
    code = latest_code(endpoint, pool_id, "pat", "ForgotPassword")
    idp.confirm_forgot_password(ClientId=client_id, Username="pat", ConfirmationCode=code, Password="Reset-new1!")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="pat")["UserStatus"] == "CONFIRMED"
    password_sign_in(idp, client_id, "pat", "Reset-new1!")


def test_refresh_and_revoke_token(idp, app):
    pool_id, client_id = app
    make_user(idp, pool_id, "quinn", PASSWORD)
    first = password_sign_in(idp, client_id, "quinn", PASSWORD)
    other = password_sign_in(idp, client_id, "quinn", PASSWORD)  # a second session of the same user

    refreshed = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})["AuthenticationResult"]
    assert "RefreshToken" not in refreshed  # no rotation unless the client enables it
    assert idp.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "quinn"
    before = jwt.decode(first["AccessToken"], options={"verify_signature": False})
    after = jwt.decode(refreshed["AccessToken"], options={"verify_signature": False})
    assert after["origin_jti"] == before["origin_jti"]
    assert after["auth_time"] == before["auth_time"]
    assert after["jti"] != before["jti"]

    via_get_tokens = idp.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=client_id)
    assert "AccessToken" in via_get_tokens["AuthenticationResult"]

    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": "not-a-refresh-token"})
    assert error(e) == ("NotAuthorizedException", "Invalid Refresh Token")

    assert idp.revoke_token(Token=first["RefreshToken"], ClientId=client_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})
    assert error(e)[1] == "Refresh Token has been revoked"
    # Tokens minted from the revoked refresh token are revoked with it ...
    for token in (first["AccessToken"], refreshed["AccessToken"]):
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.get_user(AccessToken=token)
        assert error(e) == ("NotAuthorizedException", "Access Token has been revoked")
    # ... the other session is not.
    assert idp.get_user(AccessToken=other["AccessToken"])["Username"] == "quinn"
    idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": other["RefreshToken"]})


def secret_hash(secret, username, client_id):
    return base64.b64encode(hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()).decode()


def test_client_with_secret_needs_secret_hash(idp, request):
    pool_id, client = make_app(idp, "secret-" + request.node.name, client_args={"GenerateSecret": True})
    try:
        cid, secret = client["ClientId"], client["ClientSecret"]
        make_user(idp, pool_id, "ruth", PASSWORD)
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            password_sign_in(idp, cid, "ruth", PASSWORD)
        assert error(e) == ("NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH was not received")
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            password_sign_in(idp, cid, "ruth", PASSWORD, SECRET_HASH=secret_hash("wrong", "ruth", cid))
        assert error(e) == ("NotAuthorizedException", f"Unable to verify secret hash for client {cid}")
        tokens = password_sign_in(idp, cid, "ruth", PASSWORD, SECRET_HASH=secret_hash(secret, "ruth", cid))
        assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "ruth"
        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.sign_up(ClientId=cid, Username="sam", Password=PASSWORD)
        assert error(e) == ("NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH was not received")
        idp.sign_up(ClientId=cid, Username="sam", Password=PASSWORD, SecretHash=secret_hash(secret, "sam", cid))
    finally:
        idp.delete_user_pool(UserPoolId=pool_id)


def test_sign_up_with_a_taken_username(idp, app):
    _, client_id = app
    idp.sign_up(ClientId=client_id, Username="uma", Password=PASSWORD)
    with pytest.raises(idp.exceptions.UsernameExistsException) as e:
        idp.sign_up(ClientId=client_id, Username="uma", Password=PASSWORD)
    assert error(e) == ("UsernameExistsException", "User already exists")

"""Helpers for the MFA client suites (test_mfa_boto3.py, test_mfa_cli.py).

Only what a person writing a Cognito app would do: create pools, clients and users, sign in,
answer challenges, compute authenticator-app codes with pyotp, and read SMS/email codes from
Cognate's development outbox (`GET /_cognate/outbox?pool=&user=`, newest first).

Needs pyotp (pinned in requirements.txt as pyotp==2.12.0) besides boto3, awscli and pytest.
"""
import json
import re
import time
import urllib.parse
import urllib.request

import pyotp

PASSWORD = "Correct-horse-9"
PHONE = "+14155550100"
SMS_MESSAGE = "Your sign-in code is {####}"


def strip(resp):
    """A boto3 response without ResponseMetadata: exactly the members the server sent."""
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def error(exc_info):
    """(code, message) of a botocore ClientError caught by pytest.raises."""
    err = exc_info.value.response["Error"]
    return err["Code"], err["Message"]


def configure_pool_mfa(idp, pool_id, mode="OPTIONAL", totp=True, sms=False, email=False):
    """SetUserPoolMfaConfig with the chosen factors; returns the response without metadata."""
    kwargs = {"UserPoolId": pool_id, "MfaConfiguration": mode}
    if totp:
        kwargs["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if sms:
        kwargs["SmsMfaConfiguration"] = {
            "SmsAuthenticationMessage": SMS_MESSAGE,
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "cognate-tests"},
        }
    if email:
        kwargs["EmailMfaConfiguration"] = {}
    return strip(idp.set_user_pool_mfa_config(**kwargs))


def app_client(idp, pool_id, flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")):
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName="mfa-app", ExplicitAuthFlows=list(flows))["UserPoolClient"]["ClientId"]


def make_user(idp, pool_id, name, **attrs):
    """A CONFIRMED user with PASSWORD; attrs are user attributes (phone_number=..., email=...)."""
    idp.admin_create_user(
        UserPoolId=pool_id, Username=name, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attrs.items()],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True)


def sign_in(idp, client_id, name, password=PASSWORD):
    return strip(idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": name, "PASSWORD": password}))


def access_token(idp, client_id, name):
    out = sign_in(idp, client_id, name)
    assert "AuthenticationResult" in out, f"expected tokens without MFA, got {out}"
    return out["AuthenticationResult"]["AccessToken"]


def respond(idp, client_id, challenge, session, name, **responses):
    return strip(idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName=challenge, Session=session,
        ChallengeResponses={"USERNAME": name, **responses},
    ))


def assert_tokens(out):
    """A sign-in that finished: tokens, ChallengeParameters {} and no challenge."""
    assert "ChallengeName" not in out and "Session" not in out, out
    assert out["ChallengeParameters"] == {}
    result = out["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    for key in ("AccessToken", "IdToken"):
        assert result[key].count(".") == 2, key  # compact JWS
    assert re.fullmatch(r"[A-Za-z0-9-_=.]+", result["RefreshToken"])  # opaque to clients (docs/tokens.md, Format)
    return result


class Authenticator:
    """An authenticator app: RFC 6238 codes for `secret`, never the same time step twice.

    Cognate accepts the steps before, at and after the current one, and each step, or an older one,
    only once per *user* (docs/mfa.md, TOTP). So `code()` hands out the previous step's code (unless
    that step is about to fall out of the window), then the current and the next one; after that it
    waits for the clock to move on.
    Pass `after=` an earlier Authenticator of the same user to continue its sequence of steps.
    """

    def __init__(self, secret, after=None):
        self.totp = pyotp.TOTP(secret)
        self.steps = after.steps if after is not None else {"last": None}

    def code(self):
        while True:
            t = time.time()
            now = int(t) // 30
            lowest = now - 1 if (now + 1) * 30 - t > 3 else now
            last = self.steps["last"]
            step = lowest if last is None or last < lowest else last + 1
            if step <= now + 1:
                self.steps["last"] = step
                return self.totp.at(step * 30)
            time.sleep((now + 1) * 30 - t + 0.05)

    def wrong_code(self):
        """A six-digit code that is valid for none of the steps the server accepts right now."""
        now = time.time()
        valid = {self.totp.at(now + d) for d in (-60, -30, 0, 30, 60)}
        for candidate in ("000000", "111111", "222222", "333333"):
            if candidate not in valid:
                return candidate
        raise AssertionError("unreachable")


def outbox(endpoint, pool_id, user):
    url = f"{endpoint}/_cognate/outbox?" + urllib.parse.urlencode({"pool": pool_id, "user": user})
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)["Messages"]


def outbox_code(endpoint, pool_id, user, digits):
    """The code in the newest outbox message for `user`; it must have `digits` digits."""
    messages = outbox(endpoint, pool_id, user)
    assert messages, f"no message for {user} in the outbox"
    body = messages[0]["Body"]
    codes = re.findall(r"\d+", body)
    assert len(codes) == 1 and len(codes[0]) == digits, f"expected one {digits}-digit code in {body!r}"
    return codes[0]


def enrol_totp(idp, token, device="phone"):
    """Associate and verify an authenticator with the access token; returns the Authenticator."""
    secret = idp.associate_software_token(AccessToken=token)["SecretCode"]
    app = Authenticator(secret)
    assert idp.verify_software_token(AccessToken=token, UserCode=app.code(), FriendlyDeviceName=device)["Status"] == "SUCCESS"
    return app


def mfa_view(resp):
    """The MFA members of a GetUser / GetUserAuthFactors answer, as sent (absent ones absent)."""
    return {k: resp[k] for k in ("PreferredMfaSetting", "UserMFASettingList") if k in resp}

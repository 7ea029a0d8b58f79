"""The AWS CLI (v1) against Cognate: authentication factors and authenticator-app MFA as a person
typing the commands from the AWS CLI reference sees them (the get-user-auth-factors page and its
example: https://docs.aws.amazon.com/cli/latest/reference/cognito-idp/get-user-auth-factors.html)."""
import json
import os
import subprocess
import tempfile

import pytest

from mfa_helpers import PASSWORD, Authenticator


@pytest.fixture(scope="module")
def aws(endpoint):
    home = tempfile.mkdtemp()
    env = {**os.environ, "HOME": home, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": ""}

    def run(*args, check=True, output="json"):
        cmd = ["aws", "cognito-idp", *args, "--endpoint-url", endpoint, "--output", output]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def js(*args):
        out = run(*args).stdout
        return json.loads(out) if out.strip() else {}

    run.json = js
    return run


@pytest.fixture
def cli_pool(aws):
    pid = aws.json("create-user-pool", "--pool-name", "cli-mfa")["UserPool"]["Id"]
    cid = aws.json("create-user-pool-client", "--user-pool-id", pid, "--client-name", "cli-app",
                   "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")["UserPoolClient"]["ClientId"]
    yield pid, cid
    aws("delete-user-pool", "--user-pool-id", pid)


def cli_user(aws, pid, name):
    aws("admin-create-user", "--user-pool-id", pid, "--username", name, "--message-action", "SUPPRESS")
    aws("admin-set-user-password", "--user-pool-id", pid, "--username", name, "--password", PASSWORD, "--permanent")


def initiate(aws, cid, name):
    return aws.json("initiate-auth", "--client-id", cid, "--auth-flow", "USER_PASSWORD_AUTH",
                    "--auth-parameters", f"USERNAME={name},PASSWORD={PASSWORD}")


def test_get_user_auth_factors_json_and_text(aws, cli_pool):
    pid, cid = cli_pool
    cli_user(aws, pid, "testuser")
    token = initiate(aws, cid, "testuser")["AuthenticationResult"]["AccessToken"]
    out = aws("get-user-auth-factors", "--access-token", token)
    assert json.loads(out.stdout) == {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    assert out.stderr == ""
    text = aws("get-user-auth-factors", "--access-token", token, output="text").stdout
    assert text.splitlines() == ["testuser", "CONFIGUREDUSERAUTHFACTORS\tPASSWORD"]
    admin = aws.json("admin-get-user-auth-factors", "--user-pool-id", pid, "--username", "testuser")
    assert admin == {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}


def test_cli_errors_exit_255_with_the_aws_message(aws, cli_pool):
    pid, cid = cli_pool
    aws("set-user-pool-mfa-config", "--user-pool-id", pid, "--mfa-configuration", "OPTIONAL",
        "--software-token-mfa-configuration", "Enabled=true")
    cli_user(aws, pid, "testuser")
    token = initiate(aws, cid, "testuser")["AuthenticationResult"]["AccessToken"]
    p = aws("set-user-mfa-preference", "--access-token", token,
            "--software-token-mfa-settings", "Enabled=true,PreferredMfa=true", check=False)
    assert p.returncode == 255
    assert p.stdout == ""
    assert ("An error occurred (InvalidParameterException) when calling the SetUserMFAPreference operation: "
            "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA") in p.stderr
    p = aws("set-user-mfa-preference", "--access-token", "garbage", "--software-token-mfa-settings", "Enabled=false", check=False)
    assert p.returncode == 255
    assert "An error occurred (NotAuthorizedException) when calling the SetUserMFAPreference operation: Invalid Access Token" in p.stderr
    p = aws("get-user-auth-factors", "--access-token", "garbage", check=False)
    assert p.returncode == 255
    assert "An error occurred (NotAuthorizedException) when calling the GetUserAuthFactors operation: Invalid Access Token" in p.stderr
    p = aws("admin-get-user-auth-factors", "--user-pool-id", "us-east-1_missing1", "--username", "x", check=False)
    assert p.returncode == 255
    assert "An error occurred (ResourceNotFoundException) when calling the AdminGetUserAuthFactors operation" in p.stderr


def test_readme_walkthrough_authenticator_app(aws, cli_pool):
    pid, cid = cli_pool
    cfg = aws.json("set-user-pool-mfa-config", "--user-pool-id", pid, "--mfa-configuration", "OPTIONAL",
                   "--software-token-mfa-configuration", "Enabled=true")
    assert cfg == {"SoftwareTokenMfaConfiguration": {"Enabled": True}, "MfaConfiguration": "OPTIONAL"}
    assert aws.json("get-user-pool-mfa-config", "--user-pool-id", pid) == cfg
    cli_user(aws, pid, "testuser")
    token = initiate(aws, cid, "testuser")["AuthenticationResult"]["AccessToken"]

    assoc = aws.json("associate-software-token", "--access-token", token)
    assert set(assoc) == {"SecretCode"}
    app = Authenticator(assoc["SecretCode"])
    verified = aws.json("verify-software-token", "--access-token", token, "--user-code", app.code(),
                        "--friendly-device-name", "my-phone")
    assert verified == {"Status": "SUCCESS"}
    p = aws("set-user-mfa-preference", "--access-token", token, "--software-token-mfa-settings", "Enabled=true,PreferredMfa=true")
    assert p.stdout.strip() == "" and p.returncode == 0
    assert aws.json("get-user-auth-factors", "--access-token", token) == {
        "Username": "testuser", "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "ConfiguredUserAuthFactors": ["PASSWORD"]}
    me = aws.json("get-user", "--access-token", token)
    assert me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA" and me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]

    challenge = initiate(aws, cid, "testuser")
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert challenge["ChallengeParameters"] == {"FRIENDLY_DEVICE_NAME": "my-phone", "USER_ID_FOR_SRP": "testuser"}
    done = aws.json("respond-to-auth-challenge", "--client-id", cid, "--challenge-name", "SOFTWARE_TOKEN_MFA",
                    "--session", challenge["Session"],
                    "--challenge-responses", f"USERNAME=testuser,SOFTWARE_TOKEN_MFA_CODE={app.code()}")
    assert done["ChallengeParameters"] == {}
    assert set(done["AuthenticationResult"]) == {"AccessToken", "ExpiresIn", "TokenType", "RefreshToken", "IdToken"}
    assert done["AuthenticationResult"]["TokenType"] == "Bearer"
    new_token = done["AuthenticationResult"]["AccessToken"]
    assert aws.json("get-user", "--access-token", new_token)["Username"] == "testuser"

    # Turn it off again from the CLI: password-only sign-in.
    aws("set-user-mfa-preference", "--access-token", new_token, "--software-token-mfa-settings", "Enabled=false")
    assert aws.json("get-user-auth-factors", "--access-token", new_token) == {"Username": "testuser", "ConfiguredUserAuthFactors": ["PASSWORD"]}
    assert "AuthenticationResult" in initiate(aws, cid, "testuser")

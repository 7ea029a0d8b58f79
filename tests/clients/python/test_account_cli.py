"""An end user's account walked through with the AWS CLI, as in the AWS docs' examples: sign-up,
confirm with the emailed code (from the development outbox), sign in, read the profile, sign out."""
import json

from conftest import latest_code


def test_cli_sign_up_to_sign_out(endpoint, aws):
    pool_id = json.loads(aws("create-user-pool", "--pool-name", "cli-account",
                             "--auto-verified-attributes", "email").stdout)["UserPool"]["Id"]
    client_id = json.loads(aws("create-user-pool-client", "--user-pool-id", pool_id, "--client-name", "cli-web",
                               "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"
                               ).stdout)["UserPoolClient"]["ClientId"]

    signed_up = json.loads(aws("sign-up", "--client-id", client_id, "--username", "tess", "--password", "Correct-horse1!",
                               "--user-attributes", "Name=email,Value=tess@example.com").stdout)
    assert signed_up["UserConfirmed"] is False
    assert signed_up["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    # Signing in before confirming is refused.
    p = aws("initiate-auth", "--client-id", client_id, "--auth-flow", "USER_PASSWORD_AUTH",
            "--auth-parameters", "USERNAME=tess,PASSWORD=Correct-horse1!", check=False)
    assert p.returncode == 255
    assert "An error occurred (UserNotConfirmedException) when calling the InitiateAuth operation: User is not confirmed." in p.stderr

    code = latest_code(endpoint, pool_id, "tess", "SignUp")
    p = aws("confirm-sign-up", "--client-id", client_id, "--username", "tess", "--confirmation-code", code)
    assert p.stdout.strip() == ""  # an empty response prints nothing

    auth = json.loads(aws("initiate-auth", "--client-id", client_id, "--auth-flow", "USER_PASSWORD_AUTH",
                          "--auth-parameters", "USERNAME=tess,PASSWORD=Correct-horse1!").stdout)
    assert auth["ChallengeParameters"] == {}
    result = auth["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    access = result["AccessToken"]

    me = json.loads(aws("get-user", "--access-token", access).stdout)
    assert me["Username"] == "tess"
    assert {"Name": "email", "Value": "tess@example.com"} in me["UserAttributes"]
    assert {"Name": "email_verified", "Value": "true"} in me["UserAttributes"]
    text = aws("get-user", "--access-token", access, "--query", "Username", output="text").stdout.strip()
    assert text == "tess"

    aws("global-sign-out", "--access-token", access)
    p = aws("get-user", "--access-token", access, check=False)
    assert p.returncode == 255
    assert p.stdout == ""
    assert ("An error occurred (NotAuthorizedException) when calling the GetUser operation: "
            "Access Token has been revoked") in p.stderr

    aws("delete-user-pool", "--user-pool-id", pool_id)

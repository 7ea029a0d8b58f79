"""Crafted input through boto3: an error about a huge value still reaches boto3 as a typed error
(docs/security.md, Crafted input and browsers). Before the fix, a 70 KB value was echoed whole in
the x-amzn-ErrorMessage header, which Python's http.client refuses (a header line over 64 KiB),
so boto3 saw a broken connection instead of an answer."""
import pytest


def test_a_70_kb_pool_id_gets_a_short_typed_error(idp):
    # The pool id is echoed in validation messages (the username is sensitive and never is).
    long = "é" * (35 * 1024)  # 70 KB in UTF-8; boto3 checks no maximum length itself
    with pytest.raises(idp.exceptions.InvalidParameterException) as e:
        idp.admin_get_user(UserPoolId=long, Username="someone")
    message = e.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: Value '" + "é" * 256 + "...' at 'userPoolId'")
    assert len(message) < 1024
    header = e.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errormessage", "")
    assert len(header) <= 2048


def test_a_70_kb_auth_parameter_gets_a_typed_error(idp, pool):
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="long", ExplicitAuthFlows=["ALLOW_USER_AUTH"])[
        "UserPoolClient"
    ]["ClientId"]
    with pytest.raises(idp.exceptions.ClientError) as e:
        idp.initiate_auth(
            ClientId=client,
            AuthFlow="USER_AUTH",
            AuthParameters={"USERNAME": "someone", "PREFERRED_CHALLENGE": "x" * (70 * 1024)},
        )
    # Which refusal comes first is not the point: that one arrives, typed and short.
    assert e.value.response["Error"]["Code"] in ("InvalidParameterException", "UserNotFoundException", "NotAuthorizedException")
    assert len(e.value.response["Error"]["Message"]) < 1024

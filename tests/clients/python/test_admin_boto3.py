"""Pools, app clients, users and groups through boto3, asserting what a boto3 user sees."""
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_client


def test_pool_lifecycle(idp):
    pool = idp.create_user_pool(PoolName="lifecycle", UsernameConfiguration={"CaseSensitive": False})["UserPool"]
    assert pool["Id"].startswith("us-east-1_")
    assert pool["Name"] == "lifecycle"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["MfaConfiguration"] == "OFF"
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["EstimatedNumberOfUsers"] == 0
    assert described["UsernameConfiguration"] == {"CaseSensitive": False}
    assert "CreationDate" in described  # botocore parses it as a datetime
    idp.update_user_pool(UserPoolId=pool["Id"], Policies={"PasswordPolicy": {"MinimumLength": 10}})
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    ids = [p["Id"] for page in idp.get_paginator("list_user_pools").paginate(MaxResults=2) for p in page["UserPools"]]
    assert pool["Id"] in ids
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.describe_user_pool(UserPoolId=pool["Id"])
    assert e.value.response["Error"]["Message"] == f"User pool {pool['Id']} does not exist."
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_app_client(idp, pool):
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="web", GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        TokenValidityUnits={"AccessToken": "minutes"}, AccessTokenValidity=30,
    )["UserPoolClient"]
    assert len(client["ClientId"]) == 26
    assert len(client["ClientSecret"]) >= 40
    assert client["AccessTokenValidity"] == 30
    assert client["TokenValidityUnits"] == {"AccessToken": "minutes"}
    listed = idp.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    assert [c["ClientName"] for c in listed] == ["web"]
    with pytest.raises(idp.exceptions.InvalidParameterException):
        idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="x", AccessTokenValidity=2, TokenValidityUnits={"AccessToken": "days"})
    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])


def test_users(idp, pool):
    pid = pool["Id"]
    user = idp.admin_create_user(
        UserPoolId=pid, Username="alice", TemporaryPassword="Temp-pass1!", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    names = [a["Name"] for a in user["Attributes"]]
    assert names[0] == "sub" and "email" in names
    with pytest.raises(idp.exceptions.UsernameExistsException) as e:
        idp.admin_create_user(UserPoolId=pid, Username="alice")
    assert e.value.response["Error"]["Message"] == "User account already exists"
    got = idp.admin_get_user(UserPoolId=pid, Username="alice")
    # Absent MFA members are omitted, not empty.
    assert "MFAOptions" not in got and "PreferredMfaSetting" not in got and "UserMFASettingList" not in got
    idp.admin_set_user_password(UserPoolId=pid, Username="alice", Password="Perm-pass1!", Permanent=True)
    assert idp.admin_get_user(UserPoolId=pid, Username="alice")["UserStatus"] == "CONFIRMED"
    with pytest.raises(idp.exceptions.InvalidPasswordException) as e:
        idp.admin_set_user_password(UserPoolId=pid, Username="alice", Password="alllowercase1!", Permanent=True)
    assert e.value.response["Error"]["Message"] == "Password did not conform with policy: Password must have uppercase characters"
    idp.admin_update_user_attributes(UserPoolId=pid, Username="alice", UserAttributes=[{"Name": "email", "Value": "new@example.com"}])
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pid, Username="alice")["UserAttributes"]}
    assert attrs["email"] == "new@example.com" and attrs["email_verified"] == "false"
    idp.admin_disable_user(UserPoolId=pid, Username="alice")
    assert idp.admin_get_user(UserPoolId=pid, Username="alice")["Enabled"] is False
    idp.admin_enable_user(UserPoolId=pid, Username="alice")
    for n in ["bob", "carol"]:
        idp.admin_create_user(UserPoolId=pid, Username=n, UserAttributes=[{"Name": "email", "Value": f"{n}@example.org"}])
    found = idp.list_users(UserPoolId=pid, Filter='email ^= "bo"')["Users"]
    assert [u["Username"] for u in found] == ["bob"]
    only_email = idp.list_users(UserPoolId=pid, AttributesToGet=["email"])["Users"]
    assert all([a["Name"] for a in u["Attributes"]] == ["email"] for u in only_email)
    pages = list(idp.get_paginator("list_users").paginate(UserPoolId=pid, PaginationConfig={"PageSize": 2}))
    assert sum(len(p["Users"]) for p in pages) == 3
    idp.admin_delete_user(UserPoolId=pid, Username="bob")
    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_get_user(UserPoolId=pid, Username="bob")
    assert e.value.response["Error"]["Message"] == "User does not exist."


def test_groups(idp, pool):
    pid = pool["Id"]
    idp.admin_create_user(UserPoolId=pid, Username="dave")
    group = idp.create_group(UserPoolId=pid, GroupName="admins", Description="d", Precedence=3)["Group"]
    assert group["GroupName"] == "admins" and group["Precedence"] == 3
    with pytest.raises(idp.exceptions.GroupExistsException):
        idp.create_group(UserPoolId=pid, GroupName="admins")
    idp.admin_add_user_to_group(UserPoolId=pid, Username="dave", GroupName="admins")
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pid, Username="dave")["Groups"]] == ["admins"]
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=pid, GroupName="admins")["Users"]] == ["dave"]
    idp.admin_remove_user_from_group(UserPoolId=pid, Username="dave", GroupName="admins")
    assert idp.list_users_in_group(UserPoolId=pid, GroupName="admins")["Users"] == []
    assert len(idp.list_groups(UserPoolId=pid)["Groups"]) == 1
    idp.delete_group(UserPoolId=pid, GroupName="admins")
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.get_group(UserPoolId=pid, GroupName="admins")


def test_server_side_validation(endpoint, pool):
    raw = make_client(endpoint, parameter_validation=False)
    with pytest.raises(raw.exceptions.InvalidParameterException) as e:
        raw.admin_get_user(UserPoolId=pool["Id"], Username="")
    # Username is a sensitive member: its value is left out of the message.
    assert e.value.response["Error"]["Message"] == (
        "2 validation errors detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
    )


def test_unsigned_admin_call_is_refused(endpoint):
    from botocore import UNSIGNED
    anon = make_client(endpoint, signature_version=UNSIGNED)
    with pytest.raises(ClientError) as e:
        anon.list_user_pools(MaxResults=1)
    assert e.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"

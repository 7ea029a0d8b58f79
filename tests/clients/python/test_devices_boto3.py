"""Remembered devices through boto3, pycognito and the AWS CLI: what their users see.

The behaviour is AWS's, as the developer guide's "Working with user devices in your user pool" and the
API reference for ConfirmDevice, the device operations and RespondToAuthChallenge (DEVICE_SRP_AUTH,
DEVICE_PASSWORD_VERIFIER) describe it; where AWS leaves a question open, docs/devices.md decides.

The device side of a client is small: pycognito's `generate_hash_device` makes the device password,
salt and verifier for ConfirmDevice, and an `AWSSRP` built with the device's key, group key and
password computes SRP_A and the DEVICE_PASSWORD_VERIFIER answer (`process_device_challenge`).
pycognito's own `confirm_device` posts to the real AWS endpoint, so ConfirmDevice goes through boto3.
"""
import base64
import json
import re
from dataclasses import dataclass

import pytest
from pycognito.aws_srp import AWSSRP, generate_hash_device, long_to_hex
from pycognito.exceptions import SoftwareTokenMFAChallengeException

from conftest import make_client
from mfa_helpers import (
    PASSWORD, access_token, app_client, assert_tokens, configure_pool_mfa, enrol_totp, error, make_user, respond,
    sign_in, strip,
)

FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
DEVICE_KEY = re.compile(r"us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
GROUP_KEY = re.compile(r"-[A-Za-z0-9]{8}")
NO_DEVICE = ("ResourceNotFoundException", "Device does not exist.")
WRONG_PROOF = ("NotAuthorizedException", "Incorrect username or password.")
BAD_REFRESH = ("NotAuthorizedException", "Invalid Refresh Token")


@dataclass
class App:
    pool_id: str
    client_id: str


@dataclass
class Device:
    key: str
    group_key: str
    password: str


@pytest.fixture
def device_app(idp, request):
    """Makes pools with DeviceConfiguration and TOTP MFA (OPTIONAL: a user who turned TOTP on must
    answer it) and an app client for password, SRP and refresh sign-in; deletes them afterwards."""
    made = []

    def make(challenge_on_new_device=True, only_on_prompt=False):
        name = re.sub(r"[^\w]", "-", request.node.name)[:100]
        pool_id = idp.create_user_pool(PoolName=name, DeviceConfiguration={
            "ChallengeRequiredOnNewDevice": challenge_on_new_device,
            "DeviceOnlyRememberedOnUserPrompt": only_on_prompt,
        })["UserPool"]["Id"]
        made.append(pool_id)
        configure_pool_mfa(idp, pool_id, "OPTIONAL", totp=True)
        return App(pool_id, app_client(idp, pool_id, FLOWS))

    yield make
    for pool_id in made:
        idp.delete_user_pool(UserPoolId=pool_id)


def claims(jwt):
    """The payload of a JWT, unverified (PyJWT checks signatures in test_tokens_pyjwt.py)."""
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def totp_user(idp, app, name):
    """A user who signed in once (that sign-in's device key is never confirmed), enrolled an
    authenticator app and turned TOTP MFA on. Returns the Authenticator."""
    make_user(idp, app.pool_id, name)
    token = access_token(idp, app.client_id, name)
    phone = enrol_totp(idp, token)
    idp.set_user_mfa_preference(AccessToken=token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    return phone


def sign_in_new_device(idp, app, name, phone):
    """USER_PASSWORD_AUTH without DEVICE_KEY, TOTP answered: the AuthenticationResult, which carries
    NewDeviceMetadata."""
    out = sign_in(idp, app.client_id, name)
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA", out
    result = assert_tokens(respond(idp, app.client_id, "SOFTWARE_TOKEN_MFA", out["Session"], name,
                                   SOFTWARE_TOKEN_MFA_CODE=phone.code()))
    meta = result["NewDeviceMetadata"]
    assert set(meta) == {"DeviceKey", "DeviceGroupKey"}
    assert DEVICE_KEY.fullmatch(meta["DeviceKey"]), meta
    assert GROUP_KEY.fullmatch(meta["DeviceGroupKey"]), meta
    return result


def confirm(idp, result, name="pixel"):
    """ConfirmDevice with a fresh device password, as pycognito and identity-js make it: (Device, response)."""
    meta = result["NewDeviceMetadata"]
    password, verifier_config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    resp = strip(idp.confirm_device(AccessToken=result["AccessToken"], DeviceKey=meta["DeviceKey"],
                                    DeviceSecretVerifierConfig=verifier_config, DeviceName=name))
    return Device(meta["DeviceKey"], meta["DeviceGroupKey"], password), resp


def device_srp(idp, app, name, device, session=None, device_password=None):
    """Answer DEVICE_SRP_AUTH (with `session`, or none as pycognito does); returns the
    DEVICE_PASSWORD_VERIFIER challenge and the keyword arguments of its answer."""
    srp = AWSSRP(username=name, password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp,
                 device_key=device.key, device_group_key=device.group_key,
                 device_password=device_password or device.password)
    with_session = {"Session": session} if session else {}
    challenge = strip(idp.respond_to_auth_challenge(
        ClientId=app.client_id, ChallengeName="DEVICE_SRP_AUTH",
        ChallengeResponses={"USERNAME": name, "DEVICE_KEY": device.key, "SRP_A": long_to_hex(srp.large_a_value)},
        **with_session))
    assert challenge["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER", challenge
    answer = {"ClientId": app.client_id, "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
              "ChallengeResponses": srp.process_device_challenge(challenge["ChallengeParameters"])}
    if session and challenge.get("Session"):
        answer["Session"] = challenge["Session"]
    return challenge, answer


def device_awssrp(idp, app, name, device):
    """pycognito's AWSSRP for the user's password and the device."""
    return AWSSRP(username=name, password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp,
                  device_key=device.key, device_group_key=device.group_key, device_password=device.password)


def start_on_device(idp, app, name, device):
    """USER_PASSWORD_AUTH naming the device in AuthParameters."""
    return strip(idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD, "DEVICE_KEY": device.key}))


def sign_in_on_device(idp, app, name, device, phone=None):
    """A whole sign-in on a known device: the password, the TOTP answer if `phone` is given (the
    device does not skip MFA), then device SRP. Returns the final response."""
    out = start_on_device(idp, app, name, device)
    if phone is not None:
        assert out.get("ChallengeName") == "SOFTWARE_TOKEN_MFA", out
        out = respond(idp, app.client_id, "SOFTWARE_TOKEN_MFA", out["Session"], name,
                      SOFTWARE_TOKEN_MFA_CODE=phone.code(), DEVICE_KEY=device.key)
    assert out.get("ChallengeName") == "DEVICE_SRP_AUTH", out
    assert out["Session"]
    _, answer = device_srp(idp, app, name, device, session=out["Session"])
    return strip(idp.respond_to_auth_challenge(**answer))


def remembered_device(idp, app, name):
    """A TOTP user with a confirmed device issued in an MFA sign-in: (phone, device, AuthenticationResult)."""
    phone = totp_user(idp, app, name)
    result = sign_in_new_device(idp, app, name, phone)
    device, _ = confirm(idp, result)
    return phone, device, result


def attributes(device):
    return {a["Name"]: a["Value"] for a in device["DeviceAttributes"]}


# --- The story ---------------------------------------------------------------------------------


def test_the_remembered_device_story(idp, device_app):
    """TOTP sign-in issues a device; ConfirmDevice remembers it (DeviceOnlyRememberedOnUserPrompt=false);
    the next sign-in naming it is DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER → tokens, without MFA."""
    app = device_app()
    phone = totp_user(idp, app, "alice")
    result = sign_in_new_device(idp, app, "alice", phone)
    key = result["NewDeviceMetadata"]["DeviceKey"]
    assert claims(result["AccessToken"])["device_key"] == key
    assert "device_key" not in claims(result["IdToken"])

    device, resp = confirm(idp, result, name="pixel")
    assert resp == {"UserConfirmationNecessary": False}
    got = strip(idp.get_device(AccessToken=result["AccessToken"], DeviceKey=key))["Device"]
    assert got["DeviceKey"] == key
    attrs = attributes(got)
    assert attrs["device_status"] == "valid"
    assert attrs["device_name"] == "pixel"
    assert attrs["dev:device_remembered_status"] == "remembered"
    assert {"DeviceCreateDate", "DeviceLastModifiedDate"} <= set(got)

    # Signing in on the device: straight to DEVICE_SRP_AUTH after the password.
    out = start_on_device(idp, app, "alice", device)
    assert out["ChallengeName"] == "DEVICE_SRP_AUTH"
    assert out["Session"]
    assert "AuthenticationResult" not in out
    challenge, answer = device_srp(idp, app, "alice", device, session=out["Session"])
    params = challenge["ChallengeParameters"]
    assert {"USERNAME", "SALT", "SRP_B", "SECRET_BLOCK"} <= set(params)
    assert params["USERNAME"] == "alice"
    assert re.fullmatch(r"[0-9a-f]+", params["SALT"]) and re.fullmatch(r"[0-9a-f]+", params["SRP_B"])
    done = strip(idp.respond_to_auth_challenge(**answer))
    tokens = assert_tokens(done)
    assert "NewDeviceMetadata" not in tokens, "a sign-in naming a known device gets no new one"
    access = claims(tokens["AccessToken"])
    assert access["device_key"] == key
    assert access["username"] == "alice"
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"

    # The device's last authentication is now recorded.
    got = strip(idp.get_device(AccessToken=tokens["AccessToken"], DeviceKey=key))["Device"]
    assert "DeviceLastAuthenticatedDate" in got


def test_pycognito_awssrp_signs_in_on_a_remembered_device(idp, device_app):
    """AWSSRP.authenticate_user with device_key/device_group_key/device_password: USER_SRP_AUTH and
    PASSWORD_VERIFIER with DEVICE_KEY, then DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER with no
    Session at all; no MFA. Without a device, the same user gets the TOTP challenge."""
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    tokens = device_awssrp(idp, app, "alice", device).authenticate_user()
    result = tokens["AuthenticationResult"]
    assert "NewDeviceMetadata" not in result
    assert claims(result["AccessToken"])["device_key"] == device.key

    wrong = AWSSRP(username="alice", password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp,
                   device_key=device.key, device_group_key=device.group_key, device_password="not-the-password")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        wrong.authenticate_user()
    assert error(e) == WRONG_PROOF
    assert e.value.operation_name == "RespondToAuthChallenge"

    plain = AWSSRP(username="alice", password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp)
    with pytest.raises(SoftwareTokenMFAChallengeException):
        plain.authenticate_user()


# --- Failures ----------------------------------------------------------------------------------


def test_a_wrong_device_proof_is_incorrect_username_or_password(idp, device_app):
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    out = start_on_device(idp, app, "alice", device)
    _, answer = device_srp(idp, app, "alice", device, session=out["Session"], device_password="guessed")
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.respond_to_auth_challenge(**answer)
    assert error(e) == WRONG_PROOF
    # A signature that is not even base64 of 32 bytes: the same answer.
    out = start_on_device(idp, app, "alice", device)
    _, answer = device_srp(idp, app, "alice", device, session=out["Session"])
    answer["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"] = base64.b64encode(b"\0" * 32).decode()
    with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
        idp.respond_to_auth_challenge(**answer)
    assert error(e) == WRONG_PROOF
    # The device itself still works.
    assert_tokens(sign_in_on_device(idp, app, "alice", device))


def test_a_device_password_verifier_answer_works_once(idp, device_app):
    """Session-less, as pycognito answers: the SECRET_BLOCK is all that ties the answer to the
    challenge, and it is single-use."""
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    start_on_device(idp, app, "alice", device)
    _, answer = device_srp(idp, app, "alice", device)
    assert "Session" not in answer
    assert_tokens(strip(idp.respond_to_auth_challenge(**answer)))
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.respond_to_auth_challenge(**answer)


def test_a_forgotten_device_does_not_exist(idp, device_app):
    app = device_app()
    phone, device, first = remembered_device(idp, app, "alice")
    tokens = assert_tokens(sign_in_on_device(idp, app, "alice", device))
    assert strip(idp.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)) == {}

    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.get_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)
    assert error(e) == NO_DEVICE
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.forget_device(AccessToken=tokens["AccessToken"], DeviceKey=device.key)
    assert error(e) == NO_DEVICE
    assert strip(idp.list_devices(AccessToken=tokens["AccessToken"])) == {"Devices": []}

    # Signing in with it fails, wherever in the flow the server notices.
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        sign_in_on_device(idp, app, "alice", device)
    assert error(e) == NO_DEVICE
    # So does pycognito's USER_SRP_AUTH naming it.
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        device_awssrp(idp, app, "alice", device).authenticate_user()
    assert error(e) == NO_DEVICE

    # Refresh tokens bound to it stop working, with or without the key.
    for refresh in (first["RefreshToken"], tokens["RefreshToken"]):
        for params in ({"DEVICE_KEY": device.key}, {}):
            with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
                idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": refresh, **params})
            assert error(e) == BAD_REFRESH

    # Without the key the user is on a new device: TOTP again and a new key.
    fresh = sign_in_new_device(idp, app, "alice", phone)
    assert fresh["NewDeviceMetadata"]["DeviceKey"] != device.key


def test_a_device_key_that_is_not_yours_does_not_exist(idp, device_app):
    app = device_app()
    _, alices, _ = remembered_device(idp, app, "alice")
    make_user(idp, app.pool_id, "bob")
    bob = access_token(idp, app.client_id, "bob")

    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        sign_in_on_device(idp, app, "bob", alices)
    assert error(e) == NO_DEVICE
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        device_awssrp(idp, app, "bob", alices).authenticate_user()
    assert error(e) == NO_DEVICE
    for call in (lambda: idp.get_device(AccessToken=bob, DeviceKey=alices.key),
                 lambda: idp.forget_device(AccessToken=bob, DeviceKey=alices.key),
                 lambda: idp.update_device_status(AccessToken=bob, DeviceKey=alices.key,
                                                  DeviceRememberedStatus="not_remembered")):
        with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
            call()
        assert error(e) == NO_DEVICE
    # A key nobody was ever given, in the right format.
    nobody = Device("us-east-1_00000000-0000-4000-8000-000000000000", alices.group_key, alices.password)
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        sign_in_on_device(idp, app, "alice", nobody)
    assert error(e) == NO_DEVICE
    # Alice's device is untouched.
    assert idp.admin_get_device(UserPoolId=app.pool_id, Username="alice", DeviceKey=alices.key)["Device"]["DeviceKey"] == alices.key
    assert_tokens(sign_in_on_device(idp, app, "alice", alices))


# --- Refresh -----------------------------------------------------------------------------------


def test_refresh_token_auth_needs_the_device_key(idp, device_app):
    app = device_app()
    _, device, first = remembered_device(idp, app, "alice")
    later = assert_tokens(sign_in_on_device(idp, app, "alice", device))
    # Both refresh tokens (from the sign-in that issued the device, and from a device sign-in) are
    # bound to the device.
    for refresh in (first["RefreshToken"], later["RefreshToken"]):
        out = strip(idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                      AuthParameters={"REFRESH_TOKEN": refresh, "DEVICE_KEY": device.key}))
        result = out["AuthenticationResult"]
        assert "NewDeviceMetadata" not in result
        assert claims(result["AccessToken"])["device_key"] == device.key
        assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "alice"

        with pytest.raises(idp.exceptions.NotAuthorizedException) as e:
            idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": refresh})
        assert error(e) == BAD_REFRESH


# --- Remembered status and MFA -----------------------------------------------------------------


def test_a_not_remembered_device_answers_mfa_again(idp, device_app):
    """UpdateDeviceStatus not_remembered: the device no longer replaces TOTP; after the TOTP answer
    (with DEVICE_KEY) the server still authenticates the device, and issues no new one."""
    app = device_app()
    phone, device, result = remembered_device(idp, app, "alice")
    token = result["AccessToken"]
    assert strip(idp.update_device_status(AccessToken=token, DeviceKey=device.key,
                                          DeviceRememberedStatus="not_remembered")) == {}
    got = idp.get_device(AccessToken=token, DeviceKey=device.key)["Device"]
    assert attributes(got)["dev:device_remembered_status"] == "not_remembered"

    tokens = assert_tokens(sign_in_on_device(idp, app, "alice", device, phone=phone))
    assert "NewDeviceMetadata" not in tokens
    assert claims(tokens["AccessToken"])["device_key"] == device.key

    # Refresh still works on a not-remembered device.
    out = idp.initiate_auth(ClientId=app.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "DEVICE_KEY": device.key})
    assert claims(out["AuthenticationResult"]["AccessToken"])["device_key"] == device.key


def test_remembered_only_on_user_prompt(idp, device_app):
    """DeviceOnlyRememberedOnUserPrompt=true: ConfirmDevice says UserConfirmationNecessary, the device
    keeps asking for TOTP until UpdateDeviceStatus remembered, then it replaces TOTP."""
    app = device_app(only_on_prompt=True)
    phone = totp_user(idp, app, "alice")
    result = sign_in_new_device(idp, app, "alice", phone)
    device, resp = confirm(idp, result)
    assert resp == {"UserConfirmationNecessary": True}
    got = idp.get_device(AccessToken=result["AccessToken"], DeviceKey=device.key)["Device"]
    assert attributes(got)["dev:device_remembered_status"] == "not_remembered"

    assert_tokens(sign_in_on_device(idp, app, "alice", device, phone=phone))
    assert strip(idp.update_device_status(AccessToken=result["AccessToken"], DeviceKey=device.key,
                                          DeviceRememberedStatus="remembered")) == {}
    tokens = assert_tokens(sign_in_on_device(idp, app, "alice", device))
    assert claims(tokens["AccessToken"])["device_key"] == device.key


def test_update_device_status_needs_a_valid_status(idp, device_app, endpoint):
    app = device_app()
    _, device, result = remembered_device(idp, app, "alice")
    raw = make_client(endpoint, parameter_validation=False)
    with pytest.raises(raw.exceptions.InvalidParameterException):
        raw.update_device_status(AccessToken=result["AccessToken"], DeviceKey=device.key)
    with pytest.raises(raw.exceptions.InvalidParameterException):
        raw.update_device_status(AccessToken=result["AccessToken"], DeviceKey=device.key,
                                 DeviceRememberedStatus="forever")


# --- Listing -----------------------------------------------------------------------------------


def test_list_devices_one_page_at_a_time(idp, device_app):
    app = device_app()
    phone, first, _ = remembered_device(idp, app, "alice")
    second, _ = confirm(idp, sign_in_new_device(idp, app, "alice", phone), name="laptop")
    token = assert_tokens(sign_in_on_device(idp, app, "alice", first))["AccessToken"]

    page1 = strip(idp.list_devices(AccessToken=token, Limit=1))
    assert len(page1["Devices"]) == 1
    assert page1["PaginationToken"]
    page2 = strip(idp.list_devices(AccessToken=token, Limit=1, PaginationToken=page1["PaginationToken"]))
    assert len(page2["Devices"]) == 1
    assert "PaginationToken" not in page2
    keys = [d["DeviceKey"] for d in page1["Devices"] + page2["Devices"]]
    assert sorted(keys) == sorted([first.key, second.key])
    everything = strip(idp.list_devices(AccessToken=token))
    assert sorted(d["DeviceKey"] for d in everything["Devices"]) == sorted(keys)
    assert "PaginationToken" not in everything
    names = {d["DeviceKey"]: attributes(d).get("device_name") for d in everything["Devices"]}
    assert names == {first.key: "pixel", second.key: "laptop"}

    page1 = strip(idp.admin_list_devices(UserPoolId=app.pool_id, Username="alice", Limit=1))
    assert len(page1["Devices"]) == 1 and page1["PaginationToken"]
    page2 = strip(idp.admin_list_devices(UserPoolId=app.pool_id, Username="alice", Limit=1,
                                         PaginationToken=page1["PaginationToken"]))
    assert len(page2["Devices"]) == 1 and "PaginationToken" not in page2
    assert sorted(d["DeviceKey"] for d in page1["Devices"] + page2["Devices"]) == sorted(keys)


# --- The admin operations ----------------------------------------------------------------------


def test_admin_device_operations(idp, device_app):
    app = device_app()
    phone, device, _ = remembered_device(idp, app, "alice")
    pid = app.pool_id

    got = strip(idp.admin_get_device(UserPoolId=pid, Username="alice", DeviceKey=device.key))
    assert got["Device"]["DeviceKey"] == device.key
    attrs = attributes(got["Device"])
    assert attrs["device_status"] == "valid"
    assert attrs["device_name"] == "pixel"
    assert attrs["dev:device_remembered_status"] == "remembered"
    listed = strip(idp.admin_list_devices(UserPoolId=pid, Username="alice"))
    assert [d["DeviceKey"] for d in listed["Devices"]] == [device.key]

    assert strip(idp.admin_update_device_status(UserPoolId=pid, Username="alice", DeviceKey=device.key,
                                                DeviceRememberedStatus="not_remembered")) == {}
    got = idp.admin_get_device(UserPoolId=pid, Username="alice", DeviceKey=device.key)["Device"]
    assert attributes(got)["dev:device_remembered_status"] == "not_remembered"
    # Not remembered: TOTP first, then the device.
    assert_tokens(sign_in_on_device(idp, app, "alice", device, phone=phone))
    assert strip(idp.admin_update_device_status(UserPoolId=pid, Username="alice", DeviceKey=device.key,
                                                DeviceRememberedStatus="remembered")) == {}
    got = idp.admin_get_device(UserPoolId=pid, Username="alice", DeviceKey=device.key)["Device"]
    assert attributes(got)["dev:device_remembered_status"] == "remembered"

    assert strip(idp.admin_forget_device(UserPoolId=pid, Username="alice", DeviceKey=device.key)) == {}
    assert strip(idp.admin_list_devices(UserPoolId=pid, Username="alice")) == {"Devices": []}
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        sign_in_on_device(idp, app, "alice", device)
    assert error(e) == NO_DEVICE


def test_admin_device_operations_errors(idp, device_app):
    """Unknown user: UserNotFoundException "User does not exist." on all four (docs/devices.md: the model
    lists it for AdminUpdateDeviceStatus and AdminForgetDevice only, but every SDK knows the class).
    Unknown device, or another user's: ResourceNotFoundException "Device does not exist."."""
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    make_user(idp, app.pool_id, "bob")
    pid = app.pool_id
    unknown = "us-east-1_00000000-0000-4000-8000-000000000000"

    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_get_device(UserPoolId=pid, Username="nobody", DeviceKey=device.key)
    assert error(e) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_list_devices(UserPoolId=pid, Username="nobody")
    assert error(e) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_update_device_status(UserPoolId=pid, Username="nobody", DeviceKey=device.key,
                                       DeviceRememberedStatus="remembered")
    assert error(e) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(idp.exceptions.UserNotFoundException) as e:
        idp.admin_forget_device(UserPoolId=pid, Username="nobody", DeviceKey=device.key)
    assert error(e) == ("UserNotFoundException", "User does not exist.")

    # An unknown key, and alice's key under bob's name.
    for user, key in (("alice", unknown), ("bob", device.key)):
        calls = (
            lambda: idp.admin_get_device(UserPoolId=pid, Username=user, DeviceKey=key),
            lambda: idp.admin_update_device_status(UserPoolId=pid, Username=user, DeviceKey=key,
                                                   DeviceRememberedStatus="not_remembered"),
            lambda: idp.admin_forget_device(UserPoolId=pid, Username=user, DeviceKey=key),
        )
        for call in calls:
            with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
                call()
            assert error(e) == NO_DEVICE
    assert strip(idp.admin_list_devices(UserPoolId=pid, Username="bob")) == {"Devices": []}

    # An unknown pool.
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.admin_list_devices(UserPoolId="us-east-1_missing1", Username="alice")
    assert error(e) == ("ResourceNotFoundException", "User pool us-east-1_missing1 does not exist.")
    # Still there after all that.
    assert idp.admin_get_device(UserPoolId=pid, Username="alice", DeviceKey=device.key)["Device"]["DeviceKey"] == device.key


# --- The AWS CLI -------------------------------------------------------------------------------


def test_cli_admin_list_devices(idp, device_app, aws):
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    out = json.loads(aws("admin-list-devices", "--user-pool-id", app.pool_id, "--username", "alice").stdout)
    assert [d["DeviceKey"] for d in out["Devices"]] == [device.key]
    attrs = attributes(out["Devices"][0])
    assert attrs["device_name"] == "pixel"
    # CLI v1 prints timestamps as sent (cli_timestamp_format "none"): epoch seconds.
    assert isinstance(out["Devices"][0]["DeviceCreateDate"], float)

    p = aws("admin-get-device", "--user-pool-id", app.pool_id, "--username", "alice",
            "--device-key", "us-east-1_00000000-0000-4000-8000-000000000000", check=False)
    assert p.returncode == 255
    assert ("An error occurred (ResourceNotFoundException) when calling the AdminGetDevice operation: "
            "Device does not exist.") in p.stderr


# --- What amazon-cognito-identity-js does (tests/clients/js/devices.test.mjs), step by step --------


def test_password_verifier_answer_can_be_retried_without_a_forgotten_device(idp, device_app):
    """identity-js sends DEVICE_KEY first in the PASSWORD_VERIFIER answer; on "Device does not exist." it
    drops the key and sends the same answer again (same SECRET_BLOCK and signature)."""
    app = device_app()
    _, device, _ = remembered_device(idp, app, "alice")
    idp.admin_forget_device(UserPoolId=app.pool_id, Username="alice", DeviceKey=device.key)
    srp = AWSSRP(username="alice", password=PASSWORD, pool_id=app.pool_id, client_id=app.client_id, client=idp)
    start = strip(idp.initiate_auth(ClientId=app.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()))
    answer = srp.process_challenge(start["ChallengeParameters"], {"USERNAME": "alice"})
    session = {"Session": start["Session"]} if "Session" in start else {}
    with pytest.raises(idp.exceptions.ResourceNotFoundException) as e:
        idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER",
                                      ChallengeResponses={**answer, "DEVICE_KEY": device.key}, **session)
    assert error(e) == NO_DEVICE
    out = strip(idp.respond_to_auth_challenge(ClientId=app.client_id, ChallengeName="PASSWORD_VERIFIER",
                                              ChallengeResponses=answer, **session))
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_device_srp_auth_with_the_mfa_challenges_session(idp, device_app):
    app = device_app()
    phone, device, result = remembered_device(idp, app, "alice")
    idp.update_device_status(AccessToken=result["AccessToken"], DeviceKey=device.key, DeviceRememberedStatus="not_remembered")
    out = start_on_device(idp, app, "alice", device)
    assert out["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    after = respond(idp, app.client_id, "SOFTWARE_TOKEN_MFA", out["Session"], "alice",
                    SOFTWARE_TOKEN_MFA_CODE=phone.code(), DEVICE_KEY=device.key)
    assert after["ChallengeName"] == "DEVICE_SRP_AUTH"
    _, answer = device_srp(idp, app, "alice", device, session=out["Session"])
    answer.pop("Session", None)
    tokens = assert_tokens(strip(idp.respond_to_auth_challenge(**answer)))
    assert claims(tokens["AccessToken"])["device_key"] == device.key

"""Passkeys through boto3: StartWebAuthnRegistration / CompleteWebAuthnRegistration (the Credential
is a Smithy document, which boto3 serialises itself), ListWebAuthnCredentials (timestamps parsed
by botocore), USER_AUTH sign-in with WEB_AUTHN, and DeleteWebAuthnCredential.

The authenticator is a few lines of software: an ES256 key (cryptography, installed with
PyJWT[crypto]) and "none" attestation, encoded with the minimal CBOR writer below. It answers the
options the server sent, from the origin http://localhost:5173 (allowed for relying party
`localhost`, docs/passkeys.md).
"""
import base64
import datetime
import hashlib
import json
import os
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from mfa_helpers import PASSWORD, assert_tokens, error, make_user, respond, strip

ORIGIN = "http://localhost:5173"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value):
    """CBOR (RFC 8949) for what WebAuthn needs: ints, byte and text strings, maps."""
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if n < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | extra]) + struct.pack(fmt, n)
        raise ValueError(n)

    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


class Authenticator:
    """One ES256 passkey, user-verifying, with a signature counter."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.user_handle = b""

    def cose_key(self):
        numbers = self.key.public_key().public_numbers()
        return cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def auth_data(self, rp_id, attested):
        flags = 0x01 | 0x04 | (0x40 if attested else 0)
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.counter)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self.cose_key()
        return data

    @staticmethod
    def client_data(kind, challenge):
        return json.dumps({"type": kind, "challenge": challenge, "origin": ORIGIN, "crossOrigin": False}).encode()

    def create(self, options):
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self.client_data("webauthn.create", options["challenge"])
        auth_data = self.auth_data(options["rp"]["id"], attested=True)
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self.credential({
            "clientDataJSON": b64url(client_data),
            "attestationObject": b64url(attestation),
            "transports": ["internal"],
        })

    def get(self, options):
        self.counter += 1
        client_data = self.client_data("webauthn.get", options["challenge"])
        auth_data = self.auth_data(options["rpId"], attested=False)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return self.credential({
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
            "userHandle": b64url(self.user_handle),
        })

    def credential(self, response):
        """The PublicKeyCredential JSON around an authenticator response."""
        cid = b64url(self.credential_id)
        return {"id": cid, "rawId": cid, "type": "public-key", "response": response,
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}


@pytest.fixture
def passkey_pool(idp):
    pid = idp.create_user_pool(PoolName="passkeys", Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}})["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pid, WebAuthnConfiguration={
        "RelyingPartyId": "localhost", "UserVerification": "required"})
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="web", ExplicitAuthFlows=[
        "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    yield pid, cid
    idp.delete_user_pool(UserPoolId=pid)


def password_token(idp, cid, name):
    out = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    return out["AuthenticationResult"]["AccessToken"]


def passkey_sign_in(idp, cid, name, authenticator):
    out = strip(idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH",
                                  AuthParameters={"USERNAME": name, "PREFERRED_CHALLENGE": "WEB_AUTHN"}))
    assert out["ChallengeName"] == "WEB_AUTHN"
    options = json.loads(out["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])
    assertion = authenticator.get(options)
    return respond(idp, cid, "WEB_AUTHN", out["Session"], name, CREDENTIAL=json.dumps(assertion))


def test_register_list_sign_in_and_delete_a_passkey(idp, passkey_pool):
    pid, cid = passkey_pool
    make_user(idp, pid, "pia", email="pia@example.com", email_verified="true")
    token = password_token(idp, cid, "pia")
    authenticator = Authenticator()

    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == "pia"
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    assert strip(idp.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options))) == {}

    listed = idp.list_web_authn_credentials(AccessToken=token)["Credentials"]
    assert len(listed) == 1
    credential = listed[0]
    assert credential["CredentialId"] == b64url(authenticator.credential_id)
    assert credential["RelyingPartyId"] == "localhost"
    assert credential["AuthenticatorAttachment"] == "platform"
    assert isinstance(credential["CreatedAt"], datetime.datetime)
    factors = idp.get_user_auth_factors(AccessToken=token)["ConfiguredUserAuthFactors"]
    assert "WEB_AUTHN" in factors

    result = assert_tokens(passkey_sign_in(idp, cid, "pia", authenticator))
    assert idp.get_user(AccessToken=result["AccessToken"])["Username"] == "pia"

    assert strip(idp.delete_web_authn_credential(AccessToken=token, CredentialId=credential["CredentialId"])) == {}
    assert idp.list_web_authn_credentials(AccessToken=token)["Credentials"] == []
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.delete_web_authn_credential(AccessToken=token, CredentialId=credential["CredentialId"])


def test_a_forged_assertion_is_refused(idp, passkey_pool):
    pid, cid = passkey_pool
    make_user(idp, pid, "raf", email="raf@example.com", email_verified="true")
    token = password_token(idp, cid, "raf")
    authenticator = Authenticator()
    options = idp.start_web_authn_registration(AccessToken=token)["CredentialCreationOptions"]
    idp.complete_web_authn_registration(AccessToken=token, Credential=authenticator.create(options))

    impostor = Authenticator()
    impostor.credential_id = authenticator.credential_id  # same id, another key: the signature cannot verify
    with pytest.raises(idp.exceptions.NotAuthorizedException) as exc:
        passkey_sign_in(idp, cid, "raf", impostor)
    assert error(exc)[0] == "NotAuthorizedException"
    assert_tokens(passkey_sign_in(idp, cid, "raf", authenticator))

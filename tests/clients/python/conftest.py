"""Start the `cognate` binary on a free port with a fresh data directory for the test session.

COGNATE_BIN names the binary (scripts/test.sh builds it); each test makes its own user pool.
"""
import os
import re
import subprocess
import tempfile
import threading

import boto3
import pytest
import requests  # installed with pycognito
from botocore.config import Config


def start_cognate(data_dir, extra_args=(), env=None):
    binary = os.environ.get("COGNATE_BIN", "target/debug/cognate")
    proc = subprocess.Popen(
        [binary, "--port", "0", "--data-dir", data_dir, *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COGNATE_LOG": "info", **(env or {})},
    )
    for line in proc.stdout:
        m = re.search(r"addr=(\S+)", line)
        if m:
            break
    else:
        raise RuntimeError("cognate exited before listening")
    # Keep reading the log so the pipe never fills up.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, "http://" + m.group(1)


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory() as d:
        proc, endpoint = start_cognate(d)
        yield endpoint
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def endpoint(server):
    return server


def make_client(endpoint, **config):
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


@pytest.fixture
def idp(endpoint):
    return make_client(endpoint)


@pytest.fixture
def pool(idp, request):
    name = re.sub(r"[^\w]", "-", request.node.name)[:100]
    pool = idp.create_user_pool(PoolName=name)["UserPool"]
    yield pool
    idp.delete_user_pool(UserPoolId=pool["Id"])


# Sign-in helpers shared by the token, pycognito and lifecycle suites.

AUTH_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def make_app(idp, name, pool_args=None, client_args=None):
    """A pool and an app client allowing SRP, password and refresh sign-in: (pool_id, client)."""
    pool_id = idp.create_user_pool(PoolName=name[:128], **(pool_args or {}))["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=AUTH_FLOWS, **(client_args or {}),
    )["UserPoolClient"]
    return pool_id, client


def make_user(idp, pool_id, username, password, **attributes):
    """An admin-created user with a permanent password (CONFIRMED)."""
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)


def outbox(endpoint, pool_id, user):
    """The development outbox for a user, newest first (GET /_cognate/outbox; open in local mode)."""
    r = requests.get(f"{endpoint}/_cognate/outbox", params={"pool": pool_id, "user": user}, timeout=10)
    r.raise_for_status()
    return r.json()["Messages"]


def latest_code(endpoint, pool_id, user, purpose=None):
    """The 6-digit code of the newest outbox message for the user (of that Purpose, if given:
    SignUp, ForgotPassword, VerifyAttribute)."""
    messages = [m for m in outbox(endpoint, pool_id, user) if purpose is None or m["Purpose"] == purpose]
    assert messages, f"no {purpose or ''} message in the outbox for {user}"
    m = re.search(r"\b(\d{6})\b", messages[0]["Body"])
    assert m, f"no code in {messages[0]['Body']!r}"
    return m.group(1)


@pytest.fixture
def app(idp, request):
    """A username pool that auto-verifies email, with an app client: (pool_id, client_id)."""
    name = re.sub(r"[^\w]", "-", request.node.name)[:100]
    pool_id, client = make_app(idp, name, {"AutoVerifiedAttributes": ["email"]})
    yield pool_id, client["ClientId"]
    idp.delete_user_pool(UserPoolId=pool_id)


@pytest.fixture(scope="module")
def aws(endpoint):
    """Runs `aws --endpoint-url <endpoint> --output json cognito-idp ARGS...` with test credentials and
    an empty HOME; returns the CompletedProcess (check=False to look at a failure)."""
    home = tempfile.mkdtemp()
    env = {**os.environ, "HOME": home, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": ""}

    def run(*args, check=True, output="json"):
        cmd = ["aws", "--endpoint-url", endpoint, "--output", output, "cognito-idp", *args]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {p.stderr}")
        return p
    return run

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

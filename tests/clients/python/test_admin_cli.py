"""The AWS CLI against Cognate with --endpoint-url: what a person typing commands sees."""
import json


def test_cli_pool_client_user_group(aws):
    pool = json.loads(aws("create-user-pool", "--pool-name", "cli-pool").stdout)["UserPool"]
    pid = pool["Id"]
    client = json.loads(aws("create-user-pool-client", "--user-pool-id", pid, "--client-name", "cli-app").stdout)["UserPoolClient"]
    assert client["ClientName"] == "cli-app"
    user = json.loads(aws("admin-create-user", "--user-pool-id", pid, "--username", "erin",
                          "--user-attributes", "Name=email,Value=erin@example.com", "--message-action", "SUPPRESS").stdout)["User"]
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    got = json.loads(aws("admin-get-user", "--user-pool-id", pid, "--username", "erin").stdout)
    assert got["Username"] == "erin"
    aws("create-group", "--user-pool-id", pid, "--group-name", "ops")
    aws("admin-add-user-to-group", "--user-pool-id", pid, "--username", "erin", "--group-name", "ops")
    groups = json.loads(aws("admin-list-groups-for-user", "--user-pool-id", pid, "--username", "erin").stdout)["Groups"]
    assert [g["GroupName"] for g in groups] == ["ops"]
    text = aws("list-users", "--user-pool-id", pid, "--query", "Users[].Username", output="text").stdout.split()
    assert text == ["erin"]
    listed = json.loads(aws("list-user-pools", "--max-results", "60").stdout)["UserPools"]
    assert pid in [p["Id"] for p in listed]
    aws("delete-user-pool", "--user-pool-id", pid)


def test_cli_errors_exit_255_with_the_aws_message(aws):
    p = aws("describe-user-pool", "--user-pool-id", "us-east-1_missing1", check=False)
    assert p.returncode == 255
    assert "An error occurred (ResourceNotFoundException) when calling the DescribeUserPool operation: User pool us-east-1_missing1 does not exist." in p.stderr


def test_cli_unsigned_admin_call_is_refused(aws):
    p = aws("list-user-pools", "--max-results", "1", "--no-sign-request", check=False)
    assert p.returncode == 255
    assert "MissingAuthenticationTokenException" in p.stderr

"""Seed a pool for the load runs: a client, N users with a phone number, each signed in. Prints a
JSON document with the endpoint, pool, client and the users' access tokens (bench/run.sh reads it)."""
import json, sys, concurrent.futures as cf
import boto3
from botocore.config import Config

endpoint, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
PASSWORD = "Correct-horse-9"

def client():
    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench", config=Config(retries={"total_max_attempts": 1}, max_pool_connections=16))

c = client()
pool = c.create_user_pool(PoolName="bench")["UserPool"]["Id"]
c.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL",
                           SmsMfaConfiguration={"SmsAuthenticationMessage": "Code {####}"})
cid = c.create_user_pool_client(UserPoolId=pool, ClientName="bench",
                                ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]

def make(i):
    cl = client()
    name = f"bench{i:06d}"
    cl.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                         UserAttributes=[{"Name": "phone_number", "Value": f"+1415555{i % 10000:04d}"}])
    cl.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
    r = cl.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD})
    return name, r["AuthenticationResult"]["AccessToken"]

with cf.ThreadPoolExecutor(8) as ex:
    users = list(ex.map(make, range(n)))
json.dump({"endpoint": endpoint, "pool": pool, "client": cid, "password": PASSWORD,
           "users": [u for u, _ in users], "tokens": [t for _, t in users]}, sys.stdout)

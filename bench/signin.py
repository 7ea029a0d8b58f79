"""Password sign-ins per second (USER_PASSWORD_AUTH) from a thread pool: bounded by argon2id by design."""
import json, sys, time, threading, concurrent.futures as cf
import boto3
from botocore.config import Config

seed = json.load(open(sys.argv[1])); seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10; workers = int(sys.argv[3]) if len(sys.argv) > 3 else 8
def client():
    return boto3.client("cognito-idp", endpoint_url=seed["endpoint"], region_name="us-east-1", aws_access_key_id="b", aws_secret_access_key="b",
                        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=workers))
end = time.time() + seconds; ok = [0]; bad = [0]; lock = threading.Lock()
def run(w):
    cl = client(); users = seed["users"]; i = w
    while time.time() < end:
        u = users[i % len(users)]; i += workers
        try:
            cl.initiate_auth(ClientId=seed["client"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": u, "PASSWORD": seed["password"]})
            with lock: ok[0] += 1
        except Exception:
            with lock: bad[0] += 1
t = time.time()
with cf.ThreadPoolExecutor(workers) as ex: list(ex.map(run, range(workers)))
print(f"USER_PASSWORD_AUTH: {ok[0] / (time.time() - t):.1f} sign-ins/s over {time.time() - t:.1f}s, {workers} threads, errors {bad[0]}")

// Start the `cognate` binary on a free port with a fresh data directory, like ../python/conftest.py.
// COGNATE_BIN names the binary (scripts/test.sh builds it). Each test file starts its own server
// (node --test runs files in separate processes) and each test makes its own user pool.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";

export const REGION = "us-east-1";

// The v3 SDK warns once per process that its 2027 releases will need Node 22; keep it out of the
// test output (set the variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** Starts cognate; resolves to { endpoint, stop() }. */
export async function startCognate(extraArgs = []) {
  const binary = process.env.COGNATE_BIN || "target/debug/cognate";
  const dataDir = mkdtempSync(join(tmpdir(), "cognate-js-"));
  const child = spawn(binary, ["--port", "0", "--data-dir", dataDir, ...extraArgs], {
    env: { ...process.env, COGNATE_LOG: "info", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = [];
  const addr = await new Promise((resolve, reject) => {
    let found = false;
    const onLine = (line) => {
      log.push(line);
      const m = !found && /addr=(\S+)/.exec(line.replace(/\x1b\[[0-9;]*m/g, ""));
      if (m) {
        found = true;
        resolve(m[1]);
      }
    };
    // Keep reading both streams so the pipes never fill up.
    createInterface({ input: child.stdout }).on("line", onLine);
    createInterface({ input: child.stderr }).on("line", onLine);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!found) reject(new Error(`cognate (${binary}) exited with ${code} before listening:\n${log.join("\n")}`));
    });
  });
  const endpoint = `http://${addr}`;
  return {
    endpoint,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The JS v3 SDK as an application would configure it: static test credentials, no retries. */
export function sdkClient(endpoint, extra = {}) {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    ...extra,
  });
}

let seq = 0;

/** A pool and an app client that allows SRP, password and refresh sign-in. */
export async function makePool(admin, { pool = {}, client = {} } = {}) {
  const name = `js-${process.pid}-${++seq}`;
  const { UserPool } = await admin.send(new CreateUserPoolCommand({ PoolName: name, ...pool }));
  const { UserPoolClient } = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: UserPool.Id,
      ClientName: `${name}-web`,
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      ...client,
    }),
  );
  return { poolId: UserPool.Id, clientId: UserPoolClient.ClientId, pool: UserPool, client: UserPoolClient };
}

/** An admin-created user with a permanent password (status CONFIRMED). */
export async function makeUser(admin, poolId, username, password, attributes = {}) {
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: username,
      MessageAction: "SUPPRESS",
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  await admin.send(
    new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: password, Permanent: true }),
  );
}

/** The newest development-outbox message for a user (GET /_cognate/outbox), with its 6-digit code. */
export async function latestCode(endpoint, poolId, user) {
  const url = `${endpoint}/_cognate/outbox?pool=${encodeURIComponent(poolId)}&user=${encodeURIComponent(user)}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`outbox: HTTP ${res.status}: ${await res.text()}`);
  const { Messages } = await res.json();
  if (!Messages.length) throw new Error(`outbox: no message for ${user}`);
  const m = /\b(\d{6})\b/.exec(Messages[0].Body);
  if (!m) throw new Error(`outbox: no code in ${JSON.stringify(Messages[0].Body)}`);
  return m[1];
}

/** A per-user in-memory Storage for amazon-cognito-identity-js, so tests don't share sessions. */
export class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  setItem(k, v) {
    this.items.set(k, String(v));
  }
  getItem(k) {
    return this.items.has(k) ? this.items.get(k) : null;
  }
  removeItem(k) {
    this.items.delete(k);
  }
  clear() {
    this.items.clear();
  }
}

/** Decodes a JWT's header and payload without checking anything. */
export function decodeJwt(token) {
  const [h, p] = token.split(".");
  const dec = (s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  return { header: dec(h), payload: dec(p) };
}

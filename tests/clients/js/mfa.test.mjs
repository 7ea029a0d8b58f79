// amazon-cognito-identity-js 6.3.21 against Cognate: the MFA callbacks a browser app answers
// (docs/clients.md, amazon-cognito-identity-js callbacks), with pools and users set up through
// @aws-sdk/client-cognito-identity-provider 3.1169.0.
//
// Self-contained: starts the binary named by COGNATE_BIN on port 0 with a fresh data directory and
// reads `addr=` from its log. Run with `node --test tests/clients/js/mfa.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expectVia, next, nodeCallback } from "./lib/callbacks.js";
import { Authenticator, totpAt } from "./lib/totp.js";

// require() so that the packages resolve from tests/clients/js/node_modules or NODE_PATH.
const require = createRequire(import.meta.url);
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require("amazon-cognito-identity-js");
const idp = require("@aws-sdk/client-cognito-identity-provider");

const PASSWORD = "Correct-horse-9";
const PHONE = "+14155550100";

// --- The server -------------------------------------------------------------------------------

let server;
let dataDir;
let endpoint;
let admin;

function startCognate() {
  const bin = process.env.COGNATE_BIN ?? "target/debug/cognate";
  dataDir = mkdtempSync(join(tmpdir(), "cognate-mfa-js-"));
  server = spawn(bin, ["--port", "0", "--data-dir", dataDir], {
    env: { ...process.env, COGNATE_LOG: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    let found = false;
    lines.on("line", (line) => {
      const m = !found && /addr=(\S+)/.exec(line);
      if (m) {
        found = true;
        resolve(`http://${m[1]}`);
      }
      // Keep reading so the pipe never fills up.
    });
    server.on("exit", (code) => found || reject(new Error(`cognate exited (${code}) before listening`)));
    server.on("error", reject);
  });
}

before(async () => {
  endpoint = await startCognate();
  admin = new idp.CognitoIdentityProviderClient({
    endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1,
  });
});

after(async () => {
  admin?.destroy();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// --- TOTP: lib/totp.js ----------------------------------------------------------------------

test("the TOTP generator matches RFC 6238 (SHA1 test vector, 6 digits)", () => {
  // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s -> 94287082 (8 digits) -> 287082.
  const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  assert.equal(totpAt(secret, Math.floor(59 / 30)), "287082");
  assert.equal(totpAt(secret, Math.floor(1111111109 / 30)), "081804");
});

// --- Setup through the AWS SDK for JavaScript v3 -----------------------------------------------

async function send(Command, input) {
  return admin.send(new idp[Command](input));
}

async function makePool(name, mfa) {
  const pool = (await send("CreateUserPoolCommand", { PoolName: name })).UserPool;
  if (mfa) await send("SetUserPoolMfaConfigCommand", { UserPoolId: pool.Id, ...mfa });
  const client = (
    await send("CreateUserPoolClientCommand", {
      UserPoolId: pool.Id,
      ClientName: "js-app",
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    })
  ).UserPoolClient;
  return { poolId: pool.Id, clientId: client.ClientId };
}

async function makeUser(poolId, name, attrs = {}) {
  await send("AdminCreateUserCommand", {
    UserPoolId: poolId,
    Username: name,
    MessageAction: "SUPPRESS",
    UserAttributes: Object.entries(attrs).map(([Name, Value]) => ({ Name, Value })),
  });
  await send("AdminSetUserPasswordCommand", { UserPoolId: poolId, Username: name, Password: PASSWORD, Permanent: true });
}

async function outboxCode(poolId, user, digits) {
  const r = await fetch(`${endpoint}/_cognate/outbox?pool=${encodeURIComponent(poolId)}&user=${encodeURIComponent(user)}`);
  assert.equal(r.status, 200);
  const body = (await r.json()).Messages[0]?.Body ?? "";
  const codes = body.match(/\d+/g) ?? [];
  assert.equal(codes.length, 1, `one code in ${JSON.stringify(body)}`);
  assert.equal(codes[0].length, digits, `a ${digits}-digit code in ${JSON.stringify(body)}`);
  return codes[0];
}

// --- amazon-cognito-identity-js, one callback at a time ----------------------------------------

class MemoryStorage {
  constructor() {
    this.items = {};
  }
  setItem(k, v) {
    this.items[k] = String(v);
  }
  getItem(k) {
    return Object.hasOwn(this.items, k) ? this.items[k] : null;
  }
  removeItem(k) {
    delete this.items[k];
  }
  clear() {
    this.items = {};
  }
}

/** A fresh CognitoUser with its own storage (no state shared between sign-ins). */
function cognitoUser({ poolId, clientId }, name) {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint, Storage: new MemoryStorage() });
  return new CognitoUser({ Username: name, Pool: pool, Storage: pool.storage });
}

function signIn(user) {
  return next((cb) => user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: PASSWORD }), cb));
}

function assertSignedIn(session, name) {
  assert.equal(session.isValid(), true);
  const access = session.getAccessToken();
  assert.equal(access.payload.username, name);
  assert.equal(access.payload.token_use, "access");
  assert.equal(session.getIdToken().payload["cognito:username"], name);
  assert.ok(session.getRefreshToken().getToken());
}

// --- The tests ---------------------------------------------------------------------------------

test("totpRequired, then sendMFACode(code, cb, 'SOFTWARE_TOKEN_MFA') signs in", async () => {
  const app = await makePool("js-totp", { MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } });
  await makeUser(app.poolId, "alice");
  const user = cognitoUser(app, "alice");
  const [session] = expectVia(await signIn(user), "onSuccess");
  assertSignedIn(session, "alice");

  // Preferring TOTP before an authenticator is verified is refused.
  const early = await nodeCallback((cb) => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));
  assert.equal(early.err?.code, "InvalidParameterException");
  assert.equal(early.err?.message, "User does not have delivery config set to turn on SOFTWARE_TOKEN_MFA");

  const [secret] = expectVia(await next((cb) => user.associateSoftwareToken(cb)), "associateSecretCode");
  assert.match(secret, /^[A-Z2-7]{32,}$/);
  const phone = new Authenticator(secret);
  const [verified] = expectVia(await next(async (cb) => user.verifySoftwareToken(await phone.code(), "phone", cb)), "onSuccess");
  assert.deepEqual(verified, { Status: "SUCCESS" });
  const pref = await nodeCallback((cb) => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));
  assert.equal(pref.err, null);
  assert.equal(pref.result, "SUCCESS");

  // What GetUserAuthFactors says now, through the v3 SDK.
  const factors = await send("GetUserAuthFactorsCommand", { AccessToken: session.getAccessToken().getJwtToken() });
  delete factors.$metadata;
  assert.deepEqual(factors, {
    Username: "alice",
    PreferredMfaSetting: "SOFTWARE_TOKEN_MFA",
    UserMFASettingList: ["SOFTWARE_TOKEN_MFA"],
    ConfiguredUserAuthFactors: ["PASSWORD"],
  });

  const again = cognitoUser(app, "alice");
  const [name, params] = expectVia(await signIn(again), "totpRequired");
  assert.equal(name, "SOFTWARE_TOKEN_MFA");
  assert.deepEqual(params, { FRIENDLY_DEVICE_NAME: "phone", USER_ID_FOR_SRP: "alice" });
  const [err] = expectVia(await next((cb) => again.sendMFACode(phone.wrongCode(), cb, "SOFTWARE_TOKEN_MFA")), "onFailure");
  assert.equal(err.code, "CodeMismatchException");
  assert.equal(err.message.replace(/\.$/, ""), "Invalid code received for user");
  const code = await phone.code();
  const [signedIn] = expectVia(await next((cb) => again.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assertSignedIn(signedIn, "alice");

  // The same code in a new sign-in is a replay.
  const third = cognitoUser(app, "alice");
  expectVia(await signIn(third), "totpRequired");
  const [replay] = expectVia(await next((cb) => third.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onFailure");
  assert.equal(replay.code, "ExpiredCodeException");
  assert.equal(replay.message, "Your software token has already been used once.");
});

test("mfaSetup in a pool that requires MFA: associateSoftwareToken, verifySoftwareToken, onSuccess", async () => {
  const app = await makePool("js-setup", { MfaConfiguration: "ON", SoftwareTokenMfaConfiguration: { Enabled: true } });
  await makeUser(app.poolId, "carol");
  const user = cognitoUser(app, "carol");
  const [name, params] = expectVia(await signIn(user), "mfaSetup");
  assert.equal(name, "MFA_SETUP");
  assert.deepEqual(JSON.parse(params.MFAS_CAN_SETUP), ["SOFTWARE_TOKEN_MFA"]);
  assert.equal(params.USER_ID_FOR_SRP, "carol");

  const [secret] = expectVia(await next((cb) => user.associateSoftwareToken(cb)), "associateSecretCode");
  const phone = new Authenticator(secret);
  const [session] = expectVia(await next(async (cb) => user.verifySoftwareToken(await phone.code(), "carol-phone", cb)), "onSuccess");
  assertSignedIn(session, "carol");

  const user2 = cognitoUser(app, "carol");
  const [, params2] = expectVia(await signIn(user2), "totpRequired");
  assert.equal(params2.FRIENDLY_DEVICE_NAME, "carol-phone");
  const code = await phone.code();
  const [signedIn] = expectVia(await next((cb) => user2.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assertSignedIn(signedIn, "carol");
});

test("selectMFAType, sendMFASelectionAnswer('SMS_MFA'), mfaRequired, sendMFACode with the SMS code", async () => {
  const app = await makePool("js-select", {
    MfaConfiguration: "OPTIONAL",
    SoftwareTokenMfaConfiguration: { Enabled: true },
    SmsMfaConfiguration: {
      SmsAuthenticationMessage: "Your code is {####}",
      SmsConfiguration: { SnsCallerArn: "arn:aws:iam::123456789012:role/cognito-sms", ExternalId: "cognate-tests" },
    },
  });
  await makeUser(app.poolId, "bob", { phone_number: PHONE });
  // Enrol an authenticator and turn on both factors, preferring neither: sign-in asks to choose
  // (docs/mfa.md, What follows the first factor).
  const signedIn = await send("InitiateAuthCommand", {
    ClientId: app.clientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: "bob", PASSWORD },
  });
  const token = signedIn.AuthenticationResult.AccessToken;
  const phone = new Authenticator((await send("AssociateSoftwareTokenCommand", { AccessToken: token })).SecretCode);
  await send("VerifySoftwareTokenCommand", { AccessToken: token, UserCode: await phone.code(), FriendlyDeviceName: "bob-phone" });
  await send("SetUserMFAPreferenceCommand", {
    AccessToken: token, SMSMfaSettings: { Enabled: true }, SoftwareTokenMfaSettings: { Enabled: true },
  });

  const user = cognitoUser(app, "bob");
  const [name, params] = expectVia(await signIn(user), "selectMFAType");
  assert.equal(name, "SELECT_MFA_TYPE");
  assert.deepEqual(JSON.parse(params.MFAS_CAN_CHOOSE).sort(), ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]);
  const [smsName, smsParams] = expectVia(await next((cb) => user.sendMFASelectionAnswer("SMS_MFA", cb)), "mfaRequired");
  assert.equal(smsName, "SMS_MFA");
  assert.deepEqual(smsParams, {
    CODE_DELIVERY_DELIVERY_MEDIUM: "SMS", CODE_DELIVERY_DESTINATION: "+*******0100", USER_ID_FOR_SRP: "bob",
  });
  const code = await outboxCode(app.poolId, "bob", 6);
  const [session] = expectVia(await next((cb) => user.sendMFACode(code, cb)), "onSuccess");
  assertSignedIn(session, "bob");

  // The other answer leads to totpRequired.
  const user2 = cognitoUser(app, "bob");
  expectVia(await signIn(user2), "selectMFAType");
  const [totpName, totpParams] = expectVia(await next((cb) => user2.sendMFASelectionAnswer("SOFTWARE_TOKEN_MFA", cb)), "totpRequired");
  assert.equal(totpName, "SOFTWARE_TOKEN_MFA");
  assert.equal(totpParams.FRIENDLY_DEVICE_NAME, "bob-phone");
  const totp = await phone.code();
  const [session2] = expectVia(await next((cb) => user2.sendMFACode(totp, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assertSignedIn(session2, "bob");
});

test("setUserMfaPreference turns MFA off again: the next sign-in is onSuccess", async () => {
  const app = await makePool("js-off", { MfaConfiguration: "OPTIONAL", SoftwareTokenMfaConfiguration: { Enabled: true } });
  await makeUser(app.poolId, "dora");
  const user = cognitoUser(app, "dora");
  expectVia(await signIn(user), "onSuccess");
  const [secret] = expectVia(await next((cb) => user.associateSoftwareToken(cb)), "associateSecretCode");
  const phone = new Authenticator(secret);
  expectVia(await next(async (cb) => user.verifySoftwareToken(await phone.code(), "dora-phone", cb)), "onSuccess");
  const on = await nodeCallback((cb) => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));
  assert.equal(on.result, "SUCCESS");
  expectVia(await signIn(cognitoUser(app, "dora")), "totpRequired");
  const off = await nodeCallback((cb) => user.setUserMfaPreference(null, { PreferredMfa: false, Enabled: false }, cb));
  assert.equal(off.err, null);
  assert.equal(off.result, "SUCCESS");
  const factors = await send("AdminGetUserAuthFactorsCommand", { UserPoolId: app.poolId, Username: "dora" });
  assert.equal(factors.UserMFASettingList, undefined);
  assert.equal(factors.PreferredMfaSetting, undefined);
  expectVia(await signIn(cognitoUser(app, "dora")), "onSuccess");
});

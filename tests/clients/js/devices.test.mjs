// amazon-cognito-identity-js 6.3.21 against Cognate: remembered devices as a browser app sees them
// (AWS developer guide, "Working with user devices in your user pool"). Pools and users are set up
// through @aws-sdk/client-cognito-identity-provider 3.1169.0.
//
// The library does the device work itself: when a sign-in ends with NewDeviceMetadata it calls
// ConfirmDevice and keeps DeviceKey, DeviceGroupKey and the device password in its Storage under
// `CognitoIdentityServiceProvider.<clientId>.<username>.{deviceKey,deviceGroupKey,randomPasswordKey}`;
// a later CognitoUser over the same Storage sends DEVICE_KEY and answers DEVICE_SRP_AUTH.
// Self-contained: lib/cognate.js starts the binary named by COGNATE_BIN.
// Run with `node --test tests/clients/js/devices.test.mjs`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import { expectVia, next, nodeCallback } from "./lib/callbacks.js";
import { MemoryStorage, decodeJwt, makePool, makeUser, sdkClient, startCognate } from "./lib/cognate.js";
import { Authenticator } from "./lib/totp.js";

// require() so that the packages resolve from tests/clients/js/node_modules or NODE_PATH.
const require = createRequire(import.meta.url);
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require("amazon-cognito-identity-js");
const idp = require("@aws-sdk/client-cognito-identity-provider");

const PASSWORD = "Correct-horse-9";
const DEVICE_KEY = /^us-east-1_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// What identity-js sends as DeviceName: the browser's user agent, or "nodejs" where Node has no
// `navigator` (Node 20; Node 21+ has navigator.userAgent).
const DEVICE_NAME = typeof navigator !== "undefined" ? navigator.userAgent : "nodejs";

let server;
let admin;

before(async () => {
  server = await startCognate();
  admin = sdkClient(server.endpoint);
});

after(async () => {
  admin?.destroy();
  await server?.stop();
});

async function send(Command, input) {
  return admin.send(new idp[Command](input));
}

/** A pool that requires TOTP MFA and remembers devices on the user's say-so, letting remembered
 * devices skip MFA ("User opt-in" + "suppress MFA" in the console). */
async function devicePool() {
  const app = await makePool(admin, {
    pool: { DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true } },
  });
  await send("SetUserPoolMfaConfigCommand", {
    UserPoolId: app.poolId, MfaConfiguration: "ON", SoftwareTokenMfaConfiguration: { Enabled: true },
  });
  // One Storage for the whole "browser": every CognitoUser of this app shares it.
  const pool = new CognitoUserPool({
    UserPoolId: app.poolId, ClientId: app.clientId, endpoint: server.endpoint, Storage: new MemoryStorage(),
  });
  return { ...app, pool };
}

/** A new CognitoUser object over the app's shared Storage, as after a page reload. */
function browserUser(app, name) {
  return new CognitoUser({ Username: name, Pool: app.pool, Storage: app.pool.storage });
}

function signIn(user) {
  return next((cb) => user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: PASSWORD }), cb));
}

/** What identity-js keeps in Storage for the user's device (null when it has none). */
function storedDevice(app, name) {
  const prefix = `CognitoIdentityServiceProvider.${app.clientId}.${name}`;
  const get = (k) => app.pool.storage.getItem(`${prefix}.${k}`);
  return get("deviceKey") === null ? null : { key: get("deviceKey"), groupKey: get("deviceGroupKey"), password: get("randomPasswordKey") };
}

/** The first sign-in in a pool that requires MFA: MFA_SETUP with an authenticator app. */
async function enrol(app, name) {
  await makeUser(admin, app.poolId, name, PASSWORD);
  const user = browserUser(app, name);
  expectVia(await signIn(user), "mfaSetup");
  const [secret] = expectVia(await next((cb) => user.associateSoftwareToken(cb)), "associateSecretCode");
  const phone = new Authenticator(secret);
  expectVia(await next(async (cb) => user.verifySoftwareToken(await phone.code(), `${name}-phone`, cb)), "onSuccess");
  // identity-js ignores NewDeviceMetadata after MFA_SETUP: no device of its own yet.
  assert.equal(storedDevice(app, name), null);
  return phone;
}

/** Sign in answering TOTP; identity-js confirms the new device and reports
 * onSuccess(session, userConfirmationNecessary = true). Returns { user, session, device }. */
async function signInOnNewDevice(app, name, phone) {
  const user = browserUser(app, name);
  const [challenge] = expectVia(await signIn(user), "totpRequired");
  assert.equal(challenge, "SOFTWARE_TOKEN_MFA");
  const code = await phone.code();
  const [session, userConfirmationNecessary] = expectVia(
    await next((cb) => user.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assert.equal(userConfirmationNecessary, true, "DeviceOnlyRememberedOnUserPrompt: the app must ask the user");
  const device = storedDevice(app, name);
  assert.ok(device, "identity-js stored the confirmed device");
  assert.match(device.key, DEVICE_KEY);
  assert.match(device.groupKey, /^-[A-Za-z0-9]{8}$/);
  assert.equal(Buffer.from(device.password, "base64").length, 40);
  assert.equal(session.getAccessToken().payload.device_key, device.key, "the access token names the new device");
  return { user, session, device };
}

function deviceAttributes(device) {
  return Object.fromEntries(device.DeviceAttributes.map((a) => [a.Name, a.Value]));
}

async function getDevice(user) {
  const [data] = expectVia(await next((cb) => user.getDevice(cb)), "onSuccess");
  return data.Device;
}

async function listDevices(user) {
  const [data] = expectVia(await next((cb) => user.listDevices(60, null, cb)), "onSuccess");
  return data;
}

// --- The tests ---------------------------------------------------------------------------------

test("remember this device: the next sign-in on it skips TOTP; forgetDevice brings TOTP back", async () => {
  const app = await devicePool();
  const phone = await enrol(app, "alice");

  // A sign-in on a new device: TOTP, then identity-js confirms the device. Not remembered yet.
  const { user, device } = await signInOnNewDevice(app, "alice", phone);
  let got = await getDevice(user);
  assert.equal(got.DeviceKey, device.key);
  let attrs = deviceAttributes(got);
  assert.equal(attrs.device_status, "valid");
  assert.equal(attrs.device_name, DEVICE_NAME);
  assert.equal(attrs["dev:device_remembered_status"], "not_remembered");

  // The user ticks "remember this device".
  const [remembered] = expectVia(await next((cb) => user.setDeviceStatusRemembered(cb)), "onSuccess");
  assert.equal(remembered, "SUCCESS");
  got = await getDevice(user);
  assert.equal(deviceAttributes(got)["dev:device_remembered_status"], "remembered");

  // After a reload: the library finds the device in Storage, answers DEVICE_SRP_AUTH and
  // DEVICE_PASSWORD_VERIFIER, and no totpRequired callback comes.
  const again = browserUser(app, "alice");
  const [session] = expectVia(await signIn(again), "onSuccess");
  assert.equal(session.isValid(), true);
  assert.equal(session.getAccessToken().payload.device_key, device.key);
  assert.equal(session.getAccessToken().payload.username, "alice");
  assert.deepEqual(storedDevice(app, "alice"), device, "no new device was issued");

  // The device's dates (epoch seconds in identity-js's raw JSON): it has now authenticated.
  got = await getDevice(again);
  assert.equal(typeof got.DeviceLastAuthenticatedDate, "number", "DeviceLastAuthenticatedDate after device SRP");
  assert.ok(Math.floor(got.DeviceCreateDate) <= got.DeviceLastAuthenticatedDate);
  assert.ok(Math.abs(got.DeviceLastAuthenticatedDate - Date.now() / 1000) < 60);

  // The refresh token is bound to the device; identity-js sends the stored DEVICE_KEY with it.
  const refreshed = await nodeCallback((cb) => again.refreshSession(session.getRefreshToken(), cb));
  assert.equal(refreshed.err, null);
  assert.equal(refreshed.result.getAccessToken().payload.device_key, device.key);

  // listDevices shows the one confirmed device (the key issued in the MFA_SETUP sign-in was never
  // confirmed, so it is not listed).
  const listed = await listDevices(again);
  assert.deepEqual(listed.Devices.map((d) => d.DeviceKey), [device.key]);
  assert.equal(listed.PaginationToken, undefined);
  assert.equal(deviceAttributes(listed.Devices[0]).device_name, DEVICE_NAME);

  // Forget it: identity-js clears its Storage and the server has no devices left.
  const [forgot] = expectVia(await next((cb) => again.forgetDevice(cb)), "onSuccess");
  assert.equal(forgot, "SUCCESS");
  assert.equal(storedDevice(app, "alice"), null);
  assert.deepEqual((await listDevices(again)).Devices, []);
  const gone = await send("AdminListDevicesCommand", { UserPoolId: app.poolId, Username: "alice" });
  assert.deepEqual(gone.Devices, []);

  // The refresh token died with the device (identity-js retries a failed refresh for ~6 s first).
  const dead = await nodeCallback((cb) => again.refreshSession(session.getRefreshToken(), cb));
  assert.equal(dead.err?.code, "NotAuthorizedException");
  assert.equal(dead.err?.message, "Invalid Refresh Token");

  // The next sign-in is on a new device again: TOTP, and a different device key.
  const { device: second } = await signInOnNewDevice(app, "alice", phone);
  assert.notEqual(second.key, device.key);
});

test("a device forgotten elsewhere: identity-js drops its key on 'Device does not exist.' and signs in with TOTP", async () => {
  const app = await devicePool();
  const phone = await enrol(app, "bob");
  const { user, device } = await signInOnNewDevice(app, "bob", phone);
  expectVia(await next((cb) => user.setDeviceStatusRemembered(cb)), "onSuccess");

  // An administrator forgets the device; the browser still has it in Storage.
  const out = await send("AdminForgetDeviceCommand", { UserPoolId: app.poolId, Username: "bob", DeviceKey: device.key });
  assert.deepEqual(Object.keys(out).filter((k) => k !== "$metadata"), []);
  assert.deepEqual(storedDevice(app, "bob"), device);

  // USER_SRP_AUTH: the PASSWORD_VERIFIER answer carries DEVICE_KEY; the server says
  // ResourceNotFoundException "Device does not exist.", and identity-js clears the key and sends the
  // same answer again with "DEVICE_KEY": null (CognitoUser.authenticateUserDefaultAuth). That retry
  // must still be accepted: the user then gets TOTP, as on any new device.
  const again = browserUser(app, "bob");
  const [challenge] = expectVia(await signIn(again), "totpRequired");
  assert.equal(challenge, "SOFTWARE_TOKEN_MFA");
  assert.equal(storedDevice(app, "bob"), null, "identity-js dropped the forgotten device");
  const code = await phone.code();
  const [session, userConfirmationNecessary] = expectVia(
    await next((cb) => again.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assert.equal(userConfirmationNecessary, true);
  const fresh = storedDevice(app, "bob");
  assert.notEqual(fresh.key, device.key);
  assert.equal(session.getAccessToken().payload.device_key, fresh.key);
});

test("a device set back to not remembered: TOTP again, then identity-js answers DEVICE_SRP_AUTH", async () => {
  const app = await devicePool();
  const phone = await enrol(app, "carol");
  const { user, device } = await signInOnNewDevice(app, "carol", phone);
  expectVia(await next((cb) => user.setDeviceStatusRemembered(cb)), "onSuccess");
  const remembered = browserUser(app, "carol");
  expectVia(await signIn(remembered), "onSuccess");
  const [status] = expectVia(await next((cb) => remembered.setDeviceStatusNotRemembered(cb)), "onSuccess");
  assert.equal(status, "SUCCESS");
  assert.equal(deviceAttributes(await getDevice(remembered))["dev:device_remembered_status"], "not_remembered");

  // The device no longer skips MFA. After the TOTP answer (which carries DEVICE_KEY) the server asks
  // DEVICE_SRP_AUTH; identity-js's sendMFACode answers it (with the Session of the TOTP challenge,
  // as 6.3.21 does) and signs in on the same device: no NewDeviceMetadata, no confirmation.
  const again = browserUser(app, "carol");
  expectVia(await signIn(again), "totpRequired");
  const code = await phone.code();
  const [session, userConfirmationNecessary] = expectVia(
    await next((cb) => again.sendMFACode(code, cb, "SOFTWARE_TOKEN_MFA")), "onSuccess");
  assert.equal(userConfirmationNecessary, undefined);
  assert.equal(session.getAccessToken().payload.device_key, device.key);
  assert.deepEqual(storedDevice(app, "carol"), device);
  assert.deepEqual((await listDevices(again)).Devices.map((d) => d.DeviceKey), [device.key]);
});

test("the device key is in the access token only: the ID token has no device claim", async () => {
  const app = await devicePool();
  const phone = await enrol(app, "dave");
  const { session, device } = await signInOnNewDevice(app, "dave", phone);
  const access = decodeJwt(session.getAccessToken().getJwtToken()).payload;
  assert.equal(access.device_key, device.key);
  assert.deepEqual(Object.keys(access).slice(0, 2), ["sub", "device_key"], "device_key right after sub, as in AWS's tokens");
  const id = decodeJwt(session.getIdToken().getJwtToken()).payload;
  assert.equal(id.device_key, undefined);
});

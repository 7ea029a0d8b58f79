// amazon-cognito-identity-js: SRP sign-in (USER_SRP_AUTH + PASSWORD_VERIFIER) and the
// newPasswordRequired callback, as a browser or React Native app uses it, pointed at Cognate with
// the pool's `endpoint` option.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "amazon-cognito-identity-js";

import { MemoryStorage, latestCode, makePool, makeUser, sdkClient, startCognate } from "../lib/cognate.js";

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

function poolFor({ poolId, clientId }, storage = new MemoryStorage()) {
  return new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: server.endpoint, Storage: storage });
}

function userFor(app, username) {
  const pool = poolFor(app);
  return new CognitoUser({ Username: username, Pool: pool, Storage: pool.storage });
}

// Node-style callback -> promise.
const call = (fn) => new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
// { onSuccess, onFailure } callbacks -> promise.
const callbacks = (fn, extra = {}) =>
  new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject, ...extra }));

// authenticateUser answers through exactly one callback; resolve with its name and arguments.
function signIn(user, username, password) {
  return new Promise((resolve) => {
    const settle = (outcome) => (...args) => resolve({ outcome, args });
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: settle("onSuccess"),
      onFailure: settle("onFailure"),
      newPasswordRequired: settle("newPasswordRequired"),
      mfaRequired: settle("mfaRequired"),
      totpRequired: settle("totpRequired"),
      mfaSetup: settle("mfaSetup"),
      selectMFAType: settle("selectMFAType"),
      customChallenge: settle("customChallenge"),
    });
  });
}

function outcomeOf(result) {
  if (result.outcome === "onFailure") {
    const e = result.args[0];
    return `onFailure(${e.code}: ${e.message})`;
  }
  return result.outcome;
}

describe("SRP sign-in with authenticateUser", () => {
  test("username pool: the right password reaches onSuccess with a valid session", async () => {
    const app = await makePool(admin);
    await makeUser(admin, app.poolId, "alice", "Correct-horse1!", { email: "alice@example.com" });
    const user = userFor(app, "alice");
    const result = await signIn(user, "alice", "Correct-horse1!");
    assert.equal(outcomeOf(result), "onSuccess");
    const session = result.args[0];
    assert.equal(session.isValid(), true);
    const access = session.getAccessToken();
    assert.equal(access.decodePayload().token_use, "access");
    assert.equal(access.decodePayload().username, "alice");
    assert.equal(access.decodePayload().client_id, app.clientId);
    assert.equal(access.decodePayload().iss, `${server.endpoint}/${app.poolId}`);
    const id = session.getIdToken().decodePayload();
    assert.equal(id.token_use, "id");
    assert.equal(id["cognito:username"], "alice");
    assert.equal(id.aud, app.clientId);
    assert.equal(id.email, "alice@example.com");
    assert.ok(session.getRefreshToken().getToken().length > 20);
    // The library keeps the session for the pool's getCurrentUser().
    assert.equal(user.getSignInUserSession(), session);
    assert.equal(user.getUsername(), "alice");
  });

  test("username pool: a wrong password reaches onFailure with NotAuthorizedException", async () => {
    const app = await makePool(admin);
    await makeUser(admin, app.poolId, "bob", "Correct-horse1!");
    const result = await signIn(userFor(app, "bob"), "bob", "Wrong-horse1!");
    assert.equal(result.outcome, "onFailure");
    const err = result.args[0];
    assert.equal(err.code, "NotAuthorizedException");
    assert.equal(err.name, "NotAuthorizedException");
    assert.equal(err.message, "Incorrect username or password.");
  });

  test("email-as-username pool: sign in with the email; USER_ID_FOR_SRP is the sub", async () => {
    const app = await makePool(admin, { pool: { UsernameAttributes: ["email"] } });
    await makeUser(admin, app.poolId, "carol@example.com", "Correct-horse1!", {
      email: "carol@example.com",
      email_verified: "true",
    });
    const user = userFor(app, "carol@example.com");
    const result = await signIn(user, "carol@example.com", "Correct-horse1!");
    assert.equal(outcomeOf(result), "onSuccess");
    const id = result.args[0].getIdToken().decodePayload();
    const access = result.args[0].getAccessToken().decodePayload();
    assert.equal(id.email, "carol@example.com");
    assert.equal(id.email_verified, true);
    assert.match(id.sub, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // In email-as-username pools the internal username is the sub; the library switched to it.
    assert.equal(id["cognito:username"], id.sub);
    assert.equal(access.username, id.sub);
    assert.equal(user.getUsername(), id.sub);
  });

  test("email-as-username pool: a wrong password reaches onFailure with NotAuthorizedException", async () => {
    const app = await makePool(admin, { pool: { UsernameAttributes: ["email"] } });
    await makeUser(admin, app.poolId, "dan@example.com", "Correct-horse1!", { email: "dan@example.com" });
    const result = await signIn(userFor(app, "dan@example.com"), "dan@example.com", "correct-horse1!");
    assert.equal(result.outcome, "onFailure");
    assert.equal(result.args[0].code, "NotAuthorizedException");
    assert.equal(result.args[0].message, "Incorrect username or password.");
  });

  test("case-insensitive pool: signing in as ALICE reaches alice; the library continues as alice", async () => {
    const app = await makePool(admin, { pool: { UsernameConfiguration: { CaseSensitive: false } } });
    await makeUser(admin, app.poolId, "alice", "Correct-horse1!");
    const user = userFor(app, "ALICE");
    const result = await signIn(user, "ALICE", "Correct-horse1!");
    assert.equal(outcomeOf(result), "onSuccess");
    assert.equal(result.args[0].getAccessToken().decodePayload().username, "alice");
    assert.equal(user.getUsername(), "alice"); // USER_ID_FOR_SRP
  });

  test("unknown user: UserNotFoundException by default, a wrong-password error with PreventUserExistenceErrors", async () => {
    const legacy = await makePool(admin);
    const r1 = await signIn(userFor(legacy, "nobody"), "nobody", "Correct-horse1!");
    assert.equal(outcomeOf(r1), "onFailure(UserNotFoundException: User does not exist.)");
    const hidden = await makePool(admin, { client: { PreventUserExistenceErrors: "ENABLED" } });
    const r2 = await signIn(userFor(hidden, "nobody"), "nobody", "Correct-horse1!");
    assert.equal(outcomeOf(r2), "onFailure(NotAuthorizedException: Incorrect username or password.)");
  });

  test("a disabled user reaches onFailure with NotAuthorizedException 'User is disabled.'", async () => {
    const app = await makePool(admin);
    await makeUser(admin, app.poolId, "dora", "Correct-horse1!");
    await admin.send(new AdminDisableUserCommand({ UserPoolId: app.poolId, Username: "dora" }));
    const result = await signIn(userFor(app, "dora"), "dora", "Correct-horse1!");
    assert.equal(outcomeOf(result), "onFailure(NotAuthorizedException: User is disabled.)");
  });

  test("getUserAttributes works on the signed-in user", async () => {
    const app = await makePool(admin);
    await makeUser(admin, app.poolId, "erin", "Correct-horse1!", { email: "erin@example.com", given_name: "Erin" });
    const user = userFor(app, "erin");
    assert.equal(outcomeOf(await signIn(user, "erin", "Correct-horse1!")), "onSuccess");
    const attrs = await new Promise((resolve, reject) =>
      user.getUserAttributes((err, list) => (err ? reject(err) : resolve(list))),
    );
    const byName = Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()]));
    assert.equal(byName.email, "erin@example.com");
    assert.equal(byName.given_name, "Erin");
    assert.match(byName.sub, /^[0-9a-f-]{36}$/);
  });

  // refreshSession reads the device key from Storage; with browser localStorage (null for a
  // missing key, as MemoryStorage here) it sends AuthParameters {"REFRESH_TOKEN": ..., "DEVICE_KEY": null},
  // which Cognito accepts. The library retries the failure for several seconds before giving up.
  test(
    "refreshSession renews the session (AuthParameters carries DEVICE_KEY: null, as in browsers)",
    async () => {
      const app = await makePool(admin);
      await makeUser(admin, app.poolId, "fred", "Correct-horse1!");
      const user = userFor(app, "fred");
      const first = await signIn(user, "fred", "Correct-horse1!");
      assert.equal(outcomeOf(first), "onSuccess");
      const refreshed = await new Promise((resolve, reject) =>
        user.refreshSession(first.args[0].getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
      );
      assert.equal(refreshed.isValid(), true);
      assert.equal(refreshed.getAccessToken().decodePayload().username, "fred");
      assert.equal(
        refreshed.getAccessToken().decodePayload().origin_jti,
        first.args[0].getAccessToken().decodePayload().origin_jti,
      );
    },
  );
});

describe("newPasswordRequired for an admin-created user", () => {
  test("the temporary password leads to newPasswordRequired, completeNewPasswordChallenge to onSuccess", async () => {
    const app = await makePool(admin);
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: app.poolId,
        Username: "frank",
        TemporaryPassword: "Temp-pass1!",
        MessageAction: "SUPPRESS",
        UserAttributes: [{ Name: "email", Value: "frank@example.com" }],
      }),
    );
    const user = userFor(app, "frank");
    const challenge = await signIn(user, "frank", "Temp-pass1!");
    assert.equal(outcomeOf(challenge), "newPasswordRequired");
    const [userAttributes, requiredAttributes] = challenge.args;
    assert.equal(userAttributes.email, "frank@example.com");
    assert.ok(Array.isArray(requiredAttributes));
    assert.deepEqual(requiredAttributes, []);

    const done = await new Promise((resolve) => {
      user.completeNewPasswordChallenge("Brand-new-pass1!", {}, {
        onSuccess: (session) => resolve({ outcome: "onSuccess", args: [session] }),
        onFailure: (err) => resolve({ outcome: "onFailure", args: [err] }),
        mfaRequired: () => resolve({ outcome: "mfaRequired", args: [] }),
        mfaSetup: () => resolve({ outcome: "mfaSetup", args: [] }),
      });
    });
    assert.equal(outcomeOf(done), "onSuccess");
    assert.equal(done.args[0].getAccessToken().decodePayload().username, "frank");

    const got = await admin.send(new AdminGetUserCommand({ UserPoolId: app.poolId, Username: "frank" }));
    assert.equal(got.UserStatus, "CONFIRMED");
    assert.equal(outcomeOf(await signIn(userFor(app, "frank"), "frank", "Brand-new-pass1!")), "onSuccess");
    const old = await signIn(userFor(app, "frank"), "frank", "Temp-pass1!");
    assert.equal(outcomeOf(old), "onFailure(NotAuthorizedException: Incorrect username or password.)");
  });

  test("a new password that breaks the policy reaches onFailure with InvalidPasswordException", async () => {
    const app = await makePool(admin);
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: app.poolId,
        Username: "gina",
        TemporaryPassword: "Temp-pass1!",
        MessageAction: "SUPPRESS",
      }),
    );
    const user = userFor(app, "gina");
    assert.equal(outcomeOf(await signIn(user, "gina", "Temp-pass1!")), "newPasswordRequired");
    const err = await new Promise((resolve) => {
      user.completeNewPasswordChallenge("short", {}, {
        onSuccess: () => resolve(null),
        onFailure: resolve,
      });
    });
    assert.ok(err, "expected onFailure");
    assert.equal(err.code, "InvalidPasswordException");
    assert.match(err.message, /^Password d(id|oes) not conform (with|to) policy: Password not long enough$/);
  });
});

describe("the account from a browser app's point of view", () => {
  test("signUp, confirmRegistration with the emailed code, sign-in, getSession from storage", async () => {
    const app = await makePool(admin, { pool: { AutoVerifiedAttributes: ["email"] } });
    const storage = new MemoryStorage();
    const pool = poolFor(app, storage);
    const result = await call((cb) =>
      pool.signUp("hana", "Correct-horse1!", [new CognitoUserAttribute({ Name: "email", Value: "hana@example.com" })], null, cb),
    );
    assert.equal(result.userConfirmed, false);
    assert.match(result.userSub, /^[0-9a-f-]{36}$/);
    assert.equal(result.codeDeliveryDetails.DeliveryMedium, "EMAIL");
    assert.equal(result.codeDeliveryDetails.AttributeName, "email");
    const user = result.user;

    const notYet = await signIn(user, "hana", "Correct-horse1!");
    assert.equal(outcomeOf(notYet), "onFailure(UserNotConfirmedException: User is not confirmed.)");

    const wrong = await call((cb) => user.confirmRegistration("000000", true, cb)).catch((e) => e);
    assert.equal(wrong.code, "CodeMismatchException");
    assert.equal(wrong.message, "Invalid verification code provided, please try again.");
    const code = await latestCode(server.endpoint, app.poolId, "hana");
    assert.equal(await call((cb) => user.confirmRegistration(code, true, cb)), "SUCCESS");

    assert.equal(outcomeOf(await signIn(user, "hana", "Correct-horse1!")), "onSuccess");
    // A page reload: a new pool object over the same storage finds the signed-in user.
    const again = poolFor(app, storage).getCurrentUser();
    assert.equal(again.getUsername(), "hana");
    const session = await call((cb) => again.getSession(cb));
    assert.equal(session.isValid(), true);
    assert.equal(session.getIdToken().decodePayload().email, "hana@example.com");
  });

  test("changePassword, forgotPassword + confirmPassword with the emailed code", async () => {
    const app = await makePool(admin, { pool: { AutoVerifiedAttributes: ["email"] } });
    await makeUser(admin, app.poolId, "ivan", "Correct-horse1!", { email: "ivan@example.com", email_verified: "true" });
    const user = userFor(app, "ivan");
    assert.equal(outcomeOf(await signIn(user, "ivan", "Correct-horse1!")), "onSuccess");

    const bad = await call((cb) => user.changePassword("Not-it-1!", "Changed-pass1!", cb)).catch((e) => e);
    assert.equal(bad.code, "NotAuthorizedException");
    assert.equal(bad.message, "Incorrect username or password.");
    assert.equal(await call((cb) => user.changePassword("Correct-horse1!", "Changed-pass1!", cb)), "SUCCESS");
    assert.equal(outcomeOf(await signIn(userFor(app, "ivan"), "ivan", "Changed-pass1!")), "onSuccess");

    const forgetful = userFor(app, "ivan");
    const delivery = await new Promise((resolve, reject) =>
      forgetful.forgotPassword({ inputVerificationCode: resolve, onSuccess: resolve, onFailure: reject }),
    );
    assert.equal(delivery.CodeDeliveryDetails.DeliveryMedium, "EMAIL");
    assert.equal(delivery.CodeDeliveryDetails.AttributeName, "email");
    const code = await latestCode(server.endpoint, app.poolId, "ivan");
    const wrong = await callbacks((cb) => forgetful.confirmPassword("000000", "Forgot-pass1!", cb)).catch((e) => e);
    assert.equal(wrong.code, "CodeMismatchException");
    assert.equal(wrong.message, "Invalid verification code provided, please try again.");
    assert.equal(await callbacks((cb) => forgetful.confirmPassword(code, "Forgot-pass1!", cb)), "SUCCESS");
    assert.equal(outcomeOf(await signIn(userFor(app, "ivan"), "ivan", "Forgot-pass1!")), "onSuccess");
  });

  test("signOut with a callback revokes the refresh token; globalSignOut ends every session", async () => {
    const app = await makePool(admin, { client: { EnableTokenRevocation: true } });
    await makeUser(admin, app.poolId, "jo", "Correct-horse1!");
    const user = userFor(app, "jo");
    const first = await signIn(user, "jo", "Correct-horse1!");
    assert.equal(outcomeOf(first), "onSuccess");
    const refreshToken = first.args[0].getRefreshToken();
    await call((cb) => user.signOut((err) => cb(err))); // getSession, then RevokeToken
    assert.equal(user.getSignInUserSession(), null);
    const refused = await call((cb) => userFor(app, "jo").refreshSession(refreshToken, cb)).catch((e) => e);
    assert.equal(refused.code, "NotAuthorizedException");
    assert.equal(refused.message, "Refresh Token has been revoked");

    const second = userFor(app, "jo");
    assert.equal(outcomeOf(await signIn(second, "jo", "Correct-horse1!")), "onSuccess");
    const access = second.getSignInUserSession().getAccessToken().getJwtToken();
    assert.equal(await callbacks((cb) => second.globalSignOut(cb)), "SUCCESS");
    // The library keeps the session object; its next call with that access token is refused.
    assert.equal(second.getSignInUserSession().getAccessToken().getJwtToken(), access);
    const me = await call((cb) => second.getUserAttributes(cb)).catch((e) => e);
    assert.equal(me.code, "NotAuthorizedException");
    assert.equal(me.message, "Access Token has been revoked");
  });

  test("a browser's CORS preflight for the library's headers is answered", async () => {
    // In a browser the library POSTs cross-origin with these headers (lib/Client.js), so the
    // browser first sends this OPTIONS request and needs the origin and headers allowed.
    const res = await fetch(`${server.endpoint}/`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "cache-control,content-type,x-amz-target,x-amz-user-agent",
      },
    });
    assert.ok(res.status === 200 || res.status === 204, `status ${res.status}`);
    const allowOrigin = res.headers.get("access-control-allow-origin");
    assert.ok(allowOrigin === "*" || allowOrigin === "http://localhost:5173", `allow-origin ${allowOrigin}`);
    assert.match(res.headers.get("access-control-allow-methods"), /POST/);
    const allowed = res.headers.get("access-control-allow-headers").toLowerCase();
    for (const h of ["cache-control", "content-type", "x-amz-target", "x-amz-user-agent"]) {
      assert.ok(allowed === "*" || allowed.split(/\s*,\s*/).includes(h), `${h} not in ${allowed}`);
    }
  });
});

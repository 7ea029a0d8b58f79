// The AWS SDK for JavaScript v3 (@aws-sdk/client-cognito-identity-provider) pointed at Cognate
// with `endpoint`: password sign-in, GetUser, and errors as exception classes.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  CognitoIdentityProviderServiceException,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
  SignUpCommand,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";

import { latestCode, makePool, makeUser, sdkClient, startCognate } from "../lib/cognate.js";

let server;
let admin;
let app;

before(async () => {
  server = await startCognate();
  admin = sdkClient(server.endpoint);
  app = await makePool(admin, { pool: { AutoVerifiedAttributes: ["email"] } });
  await makeUser(admin, app.poolId, "alice", "Correct-horse1!", { email: "alice@example.com", given_name: "Alice" });
});
after(async () => {
  admin?.destroy();
  await server?.stop();
});

async function passwordSignIn(client, username, password, clientId = app.clientId) {
  return client.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
}

describe("JS v3 SDK", () => {
  test("InitiateAuth USER_PASSWORD_AUTH returns tokens, GetUser reads the user", async () => {
    const out = await passwordSignIn(admin, "alice", "Correct-horse1!");
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.ChallengeName, undefined);
    const r = out.AuthenticationResult;
    assert.equal(r.TokenType, "Bearer");
    assert.equal(r.ExpiresIn, 3600);
    for (const t of [r.AccessToken, r.IdToken]) assert.match(t, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(r.RefreshToken);

    const me = await admin.send(new GetUserCommand({ AccessToken: r.AccessToken }));
    assert.equal(me.Username, "alice");
    const attrs = Object.fromEntries(me.UserAttributes.map((a) => [a.Name, a.Value]));
    assert.equal(attrs.email, "alice@example.com");
    assert.equal(attrs.given_name, "Alice");
    assert.match(attrs.sub, /^[0-9a-f-]{36}$/);
  });

  test("a wrong password throws NotAuthorizedException (instanceof), one attempt, client fault", async () => {
    const err = await passwordSignIn(admin, "alice", "Wrong-horse1!").then(
      () => assert.fail("expected NotAuthorizedException"),
      (e) => e,
    );
    assert.ok(err instanceof NotAuthorizedException);
    assert.ok(err instanceof CognitoIdentityProviderServiceException);
    assert.equal(err.name, "NotAuthorizedException");
    assert.equal(err.message, "Incorrect username or password.");
    assert.equal(err.$fault, "client");
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.$metadata.attempts, 1);
    assert.ok(err.$metadata.requestId, "x-amzn-RequestId is read into $metadata.requestId");
  });

  test("other errors map to their classes", async () => {
    await assert.rejects(
      passwordSignIn(admin, "alice", "Correct-horse1!", "nosuchclient1234567890abcd"),
      (e) => e instanceof ResourceNotFoundException && e.message === "User pool client nosuchclient1234567890abcd does not exist.",
    );
    await assert.rejects(
      admin.send(new GetUserCommand({ AccessToken: "not-a-token" })),
      (e) => e instanceof NotAuthorizedException && e.message === "Invalid Access Token",
    );
    // No client-side validation in v3: a missing AuthFlow reaches the server.
    await assert.rejects(
      admin.send(new InitiateAuthCommand({ ClientId: app.clientId, AuthParameters: {} })),
      (e) => e instanceof InvalidParameterException,
    );
  });

  test("token operations go out unsigned: a client without credentials can sign in", async () => {
    const anon = sdkClient(server.endpoint, {
      credentials: async () => {
        throw new Error("no credentials should be needed for InitiateAuth or GetUser");
      },
    });
    try {
      const r = (await passwordSignIn(anon, "alice", "Correct-horse1!")).AuthenticationResult;
      const me = await anon.send(new GetUserCommand({ AccessToken: r.AccessToken }));
      assert.equal(me.Username, "alice");
    } finally {
      anon.destroy();
    }
  });

  test("SignUp, ConfirmSignUp with the outbox code, sign-in, GlobalSignOut", async () => {
    const signUp = await admin.send(
      new SignUpCommand({
        ClientId: app.clientId,
        Username: "newbie",
        Password: "Newbie-pass1!",
        UserAttributes: [{ Name: "email", Value: "newbie@example.com" }],
      }),
    );
    assert.equal(signUp.UserConfirmed, false);
    assert.match(signUp.UserSub, /^[0-9a-f-]{36}$/);
    assert.deepEqual(signUp.CodeDeliveryDetails, {
      AttributeName: "email",
      DeliveryMedium: "EMAIL",
      Destination: signUp.CodeDeliveryDetails.Destination,
    });
    assert.match(signUp.CodeDeliveryDetails.Destination, /^n\*\*\*@e\*\*\*/);
    const code = await latestCode(server.endpoint, app.poolId, "newbie");
    await admin.send(new ConfirmSignUpCommand({ ClientId: app.clientId, Username: "newbie", ConfirmationCode: code }));
    const r = (await passwordSignIn(admin, "newbie", "Newbie-pass1!")).AuthenticationResult;
    await admin.send(new GlobalSignOutCommand({ AccessToken: r.AccessToken }));
    await assert.rejects(
      admin.send(new GetUserCommand({ AccessToken: r.AccessToken })),
      (e) => e instanceof NotAuthorizedException && e.message === "Access Token has been revoked",
    );
  });

  test("ConfirmSignUp's Session signs the new user in with USER_AUTH (Amplify's autoSignIn)", async () => {
    const choice = await makePool(admin, {
      pool: {
        AutoVerifiedAttributes: ["email"],
        Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "EMAIL_OTP"] } },
      },
      client: { ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] },
    });
    await admin.send(
      new SignUpCommand({
        ClientId: choice.clientId,
        Username: "auto",
        Password: "Auto-pass1!",
        UserAttributes: [{ Name: "email", Value: "auto@example.com" }],
      }),
    );
    const code = await latestCode(server.endpoint, choice.poolId, "auto");
    const confirmed = await admin.send(
      new ConfirmSignUpCommand({ ClientId: choice.clientId, Username: "auto", ConfirmationCode: code }),
    );
    assert.ok(confirmed.Session, "ConfirmSignUp answers a Session");
    const signIn = () =>
      admin.send(
        new InitiateAuthCommand({
          ClientId: choice.clientId,
          AuthFlow: "USER_AUTH",
          AuthParameters: { USERNAME: "auto" },
          Session: confirmed.Session,
        }),
      );
    const out = await signIn();
    assert.equal(out.ChallengeName, undefined);
    const me = await admin.send(new GetUserCommand({ AccessToken: out.AuthenticationResult.AccessToken }));
    assert.equal(me.Username, "auto");
    await assert.rejects(
      signIn(),
      (e) => e instanceof NotAuthorizedException && e.message === "Invalid session for the user, session can only be used once.",
    );
  });

  test(
    "SignUp with a taken username throws UsernameExistsException 'User already exists'",
    async () => {
      await admin.send(
        new SignUpCommand({ ClientId: app.clientId, Username: "taken", Password: "Taken-pass1!" }),
      );
      await assert.rejects(
        admin.send(new SignUpCommand({ ClientId: app.clientId, Username: "taken", Password: "Taken-pass1!" })),
        (e) => {
          assert.ok(e instanceof UsernameExistsException);
          assert.equal(e.message, "User already exists");
          return true;
        },
      );
    },
  );
});

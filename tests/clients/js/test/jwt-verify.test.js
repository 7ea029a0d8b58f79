// aws-jwt-verify checking Cognate's tokens against the pool's JWKS, as an API back end would.
// JwtRsaVerifier takes any issuer; its default fetcher speaks only https, so a fetch()-based one is
// passed in. CognitoJwtVerifier needs the AWS issuer form, which cognate gives with --aws-issuer true.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoJwtVerifier, JwtRsaVerifier } from "aws-jwt-verify";
import {
  CognitoJwtInvalidTokenUseError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";

import { REGION, decodeJwt, makePool, makeUser, sdkClient, startCognate } from "../lib/cognate.js";

// Counts JWKS downloads so the test can show the verifier really went to the endpoint.
const fetched = [];
const httpFetcher = {
  fetch: async (uri) => {
    fetched.push(uri);
    const res = await fetch(uri);
    if (!res.ok) throw new Error(`JWKS fetch ${uri}: HTTP ${res.status}`);
    return res.arrayBuffer();
  },
};

let server;
let admin;
let app;
let tokens;

async function signIn(endpoint, { clientId }, username, password) {
  const c = sdkClient(endpoint);
  try {
    const out = await c.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return out.AuthenticationResult;
  } finally {
    c.destroy();
  }
}

// Rewrite the payload (the user becomes "mallory") and keep the original signature.
function tamper(token) {
  const [h, p, s] = token.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url"));
  claims.username = "mallory";
  claims["cognito:username"] = "mallory";
  return [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".");
}

before(async () => {
  server = await startCognate();
  admin = sdkClient(server.endpoint);
  app = await makePool(admin);
  await makeUser(admin, app.poolId, "alice", "Correct-horse1!", { email: "alice@example.com", email_verified: "true" });
  tokens = await signIn(server.endpoint, app, "alice", "Correct-horse1!");
});
after(async () => {
  admin?.destroy();
  await server?.stop();
});

describe("JwtRsaVerifier with the pool's JWKS over http", () => {
  const issuer = () => `${server.endpoint}/${app.poolId}`;
  const accessVerifier = () =>
    JwtRsaVerifier.create(
      {
        issuer: issuer(),
        jwksUri: `${issuer()}/.well-known/jwks.json`,
        audience: null, // access tokens carry client_id, not aud
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== "access") throw new Error(`token_use is ${payload.token_use}`);
          if (payload.client_id !== app.clientId) throw new Error(`client_id is ${payload.client_id}`);
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
    );
  const idVerifier = () =>
    JwtRsaVerifier.create(
      {
        issuer: issuer(),
        jwksUri: `${issuer()}/.well-known/jwks.json`,
        audience: app.clientId,
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== "id") throw new Error(`token_use is ${payload.token_use}`);
        },
      },
      { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
    );

  test("the JWKS lists RS256 signing keys that match the tokens' kid", async () => {
    const res = await fetch(`${issuer()}/.well-known/jwks.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^application\/json/);
    const { keys } = await res.json();
    assert.ok(keys.length >= 1);
    for (const k of keys) {
      assert.equal(k.kty, "RSA");
      assert.equal(k.alg, "RS256");
      assert.equal(k.use, "sig");
      assert.equal(k.e, "AQAB");
    }
    const kids = keys.map((k) => k.kid);
    for (const t of [tokens.AccessToken, tokens.IdToken]) {
      const { header } = decodeJwt(t);
      assert.equal(header.alg, "RS256");
      assert.ok(kids.includes(header.kid), `kid ${header.kid} not in the JWKS`);
    }
  });

  test("the access token verifies: token_use access, client_id, username", async () => {
    const before = fetched.length;
    const payload = await accessVerifier().verify(tokens.AccessToken);
    assert.equal(fetched.length, before + 1, "the verifier should have downloaded the JWKS");
    assert.equal(fetched.at(-1), `${issuer()}/.well-known/jwks.json`);
    assert.equal(payload.iss, issuer());
    assert.equal(payload.token_use, "access");
    assert.equal(payload.client_id, app.clientId);
    assert.equal(payload.username, "alice");
    assert.equal(payload.scope, "aws.cognito.signin.user.admin");
    assert.equal(payload.aud, undefined);
    assert.equal(payload.exp - payload.iat, 3600);
    assert.equal(tokens.ExpiresIn, 3600);
  });

  test("the ID token verifies with audience = client id and carries the attributes", async () => {
    const payload = await idVerifier().verify(tokens.IdToken);
    assert.equal(payload.iss, issuer());
    assert.equal(payload.aud, app.clientId);
    assert.equal(payload.token_use, "id");
    assert.equal(payload["cognito:username"], "alice");
    assert.equal(payload.email, "alice@example.com");
    assert.equal(payload.email_verified, true);
    const access = decodeJwt(tokens.AccessToken).payload;
    assert.equal(payload.sub, access.sub);
    assert.equal(payload.origin_jti, access.origin_jti);
  });

  test("a tampered token is rejected with JwtInvalidSignatureError", async () => {
    await assert.rejects(accessVerifier().verify(tamper(tokens.AccessToken)), JwtInvalidSignatureError);
    await assert.rejects(idVerifier().verify(tamper(tokens.IdToken)), JwtInvalidSignatureError);
  });

  test("an access token is not accepted where an ID token is expected, nor the reverse", async () => {
    // No aud in an access token.
    await assert.rejects(idVerifier().verify(tokens.AccessToken), JwtInvalidAudienceError);
    await assert.rejects(accessVerifier().verify(tokens.IdToken), /token_use is id/);
  });

  test("a token of another pool is rejected (its kid is not in this pool's JWKS)", async () => {
    const other = await makePool(admin);
    await makeUser(admin, other.poolId, "alice", "Correct-horse1!");
    const foreign = await signIn(server.endpoint, other, "alice", "Correct-horse1!");
    // Each pool signs with its own keys, so the verifier stops at the kid; were the key shared,
    // the issuer check would refuse it.
    await assert.rejects(
      accessVerifier().verify(foreign.AccessToken),
      (e) => e instanceof KidNotFoundInJwksError || e instanceof JwtInvalidIssuerError,
    );
    // With its own pool's keys but this pool's issuer, the issuer check refuses it.
    const foreignPoolVerifier = JwtRsaVerifier.create(
      { issuer: issuer(), jwksUri: `${server.endpoint}/${other.poolId}/.well-known/jwks.json`, audience: null },
      { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
    );
    await assert.rejects(foreignPoolVerifier.verify(foreign.AccessToken), JwtInvalidIssuerError);
  });
});

describe("CognitoJwtVerifier with --aws-issuer true", () => {
  let awsServer;
  let awsAdmin;
  before(async () => {
    awsServer = await startCognate(["--aws-issuer", "true"]);
    awsAdmin = sdkClient(awsServer.endpoint);
  });
  after(async () => {
    awsAdmin?.destroy();
    await awsServer?.stop();
  });

  test("tokens carry the AWS issuer and pass CognitoJwtVerifier with the JWKS from Cognate", async () => {
    const a = await makePool(awsAdmin);
    await makeUser(awsAdmin, a.poolId, "bob", "Correct-horse1!");
    const t = await signIn(awsServer.endpoint, a, "bob", "Correct-horse1!");
    const iss = `https://cognito-idp.${REGION}.amazonaws.com/${a.poolId}`;
    assert.equal(decodeJwt(t.AccessToken).payload.iss, iss);
    assert.equal(decodeJwt(t.IdToken).payload.iss, iss);

    // The JWKS is still served by Cognate under the pool id; hand it to the verifier's cache.
    const jwks = await (await fetch(`${awsServer.endpoint}/${a.poolId}/.well-known/jwks.json`)).json();
    const access = CognitoJwtVerifier.create({ userPoolId: a.poolId, tokenUse: "access", clientId: a.clientId });
    access.cacheJwks(jwks);
    const claims = await access.verify(t.AccessToken);
    assert.equal(claims.username, "bob");
    const id = CognitoJwtVerifier.create({ userPoolId: a.poolId, tokenUse: "id", clientId: a.clientId });
    id.cacheJwks(jwks);
    assert.equal((await id.verify(t.IdToken))["cognito:username"], "bob");
    await assert.rejects(access.verify(t.IdToken), CognitoJwtInvalidTokenUseError);
    await assert.rejects(access.verify(tamper(t.AccessToken)), JwtInvalidSignatureError);
  });
});

// The demo page's logic, bundled for the browser by serve.mjs (esbuild). Only public Cognito
// operations are called, with no AWS credentials, as a browser application would.
import {
  CognitoIdentityProviderClient,
  CompleteWebAuthnRegistrationCommand,
  InitiateAuthCommand,
  ListWebAuthnCredentialsCommand,
  RespondToAuthChallengeCommand,
  StartWebAuthnRegistrationCommand,
} from "@aws-sdk/client-cognito-identity-provider";

const $ = (id) => document.getElementById(id);
const state = { accessToken: null, lastResult: null };

// Query parameters prefill the form (the test and the README's demo link use them).
const params = new URLSearchParams(location.search);
for (const id of ["endpoint", "clientId", "username", "password"]) {
  if (params.has(id)) $(id).value = params.get(id);
}

function client() {
  return new CognitoIdentityProviderClient({
    endpoint: $("endpoint").value.trim(),
    region: "us-east-1",
    maxAttempts: 1,
    // The operations below are unsigned in the service model; these are never used.
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
  });
}

function status(text, kind = "") {
  $("status").textContent = text;
  $("status").className = kind;
}

function log(title, value) {
  $("log").textContent = `${title}\n${JSON.stringify(value, null, 2)}\n\n` + $("log").textContent;
}

function claims(jwt) {
  const b64 = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(b64));
}

async function run(name, fn) {
  try {
    status(`${name}…`);
    await fn();
  } catch (e) {
    status(`${name} failed: ${e.name}: ${e.message}`, "error");
    log(`${name} failed`, { name: e.name, message: e.message });
  }
}

$("password-sign-in").onclick = () =>
  run("Password sign-in", async () => {
    const out = await client().send(
      new InitiateAuthCommand({
        ClientId: $("clientId").value.trim(),
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: $("username").value.trim(), PASSWORD: $("password").value },
      }),
    );
    if (!out.AuthenticationResult) throw new Error(`unexpected challenge ${out.ChallengeName}`);
    state.accessToken = out.AuthenticationResult.AccessToken;
    status("Signed in with password", "ok");
    log("Signed in with password", claims(out.AuthenticationResult.IdToken));
  });

$("register").onclick = () =>
  run("Passkey registration", async () => {
    if (!state.accessToken) throw new Error("sign in with the password first");
    const c = client();
    const { CredentialCreationOptions } = await c.send(new StartWebAuthnRegistrationCommand({ AccessToken: state.accessToken }));
    log("CredentialCreationOptions", CredentialCreationOptions);
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(CredentialCreationOptions);
    const credential = await navigator.credentials.create({ publicKey });
    await c.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: state.accessToken, Credential: credential.toJSON() }));
    status("Passkey registered", "ok");
    log("Passkey registered", { id: credential.id });
  });

$("list").onclick = () =>
  run("Listing passkeys", async () => {
    if (!state.accessToken) throw new Error("sign in first");
    const out = await client().send(new ListWebAuthnCredentialsCommand({ AccessToken: state.accessToken }));
    status(`${out.Credentials.length} passkey(s)`, "ok");
    log("ListWebAuthnCredentials", out.Credentials);
  });

$("passkey-sign-in").onclick = () =>
  run("Passkey sign-in", async () => {
    const c = client();
    const clientId = $("clientId").value.trim();
    const username = $("username").value.trim();
    const start = await c.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: "USER_AUTH",
        AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: "WEB_AUTHN" },
      }),
    );
    if (start.ChallengeName !== "WEB_AUTHN") throw new Error(`expected the WEB_AUTHN challenge, got ${start.ChallengeName}`);
    const options = JSON.parse(start.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
    log("CREDENTIAL_REQUEST_OPTIONS", options);
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
    const assertion = await navigator.credentials.get({ publicKey });
    const out = await c.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: "WEB_AUTHN",
        Session: start.Session,
        ChallengeResponses: { USERNAME: username, CREDENTIAL: JSON.stringify(assertion.toJSON()) },
      }),
    );
    if (!out.AuthenticationResult) throw new Error(`unexpected challenge ${out.ChallengeName}`);
    state.accessToken = out.AuthenticationResult.AccessToken;
    state.lastResult = claims(out.AuthenticationResult.IdToken);
    status("Signed in with the passkey", "ok");
    log("Signed in with the passkey", state.lastResult);
  });

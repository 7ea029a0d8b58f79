// A real browser: headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) with a
// CDP virtual authenticator registers a passkey and signs in with it, on a page served from
// http://localhost that calls Cognate through the AWS SDK for JavaScript v3 (passkey/page.js).
// A screenshot is saved to artifacts/passkey-demo.png (git-ignored).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { AdminGetUserCommand, SetUserPoolMfaConfigCommand } from "@aws-sdk/client-cognito-identity-provider";
import { chromium } from "playwright-core";

import { makePool, makeUser, sdkClient, startCognate } from "./lib/cognate.js";
import { servePasskeyPage } from "./passkey/serve.mjs";

const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(here, "artifacts");
const PASSWORD = "Correct-horse-9";

let cognate;
let page;
let browser;
let profile;

before(async () => {
  cognate = await startCognate();
  page = await servePasskeyPage(0);
  profile = mkdtempSync(join(tmpdir(), "cognate-chromium-"));
  // A fresh profile directory per run (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
});

after(async () => {
  await browser?.close();
  await page?.close();
  await cognate?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("Chromium registers a passkey and signs in with it through USER_AUTH / WEB_AUTHN", { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const admin = sdkClient(cognate.endpoint);
  const { poolId, clientId } = await makePool(admin, {
    pool: { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ["PASSWORD", "WEB_AUTHN"] } } },
    client: { ExplicitAuthFlows: ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] },
  });
  await admin.send(
    new SetUserPoolMfaConfigCommand({
      UserPoolId: poolId,
      WebAuthnConfiguration: { RelyingPartyId: "localhost", UserVerification: "required" },
    }),
  );
  await makeUser(admin, poolId, "walter", PASSWORD, { email: "walter@example.com" });

  const tab = await browser.newPage();
  // So a failure shows what the page saw.
  tab.on("console", (m) => console.log(`[page] ${m.text()}`));
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  const query = new URLSearchParams({ endpoint: cognate.endpoint, clientId, username: "walter", password: PASSWORD });
  await tab.goto(`${page.url}/?${query}`);
  const status = tab.locator("#status");
  const step = async (button, expected) => {
    await tab.click(button);
    await tab.waitForFunction(
      (want) => {
        const s = document.getElementById("status");
        return s.textContent === want || s.className === "error";
      },
      expected,
      { timeout: 20_000 },
    );
    assert.equal(await status.textContent(), expected, await tab.locator("#log").textContent());
  };

  await step("#password-sign-in", "Signed in with password");
  await step("#register", "Passkey registered");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].rpId, "localhost");

  await step("#list", "1 passkey(s)");

  await step("#passkey-sign-in", "Signed in with the passkey");
  const log = await tab.locator("#log").textContent();
  assert.match(log, /"cognito:username": "walter"/);

  mkdirSync(artifacts, { recursive: true });
  await tab.screenshot({ path: join(artifacts, "passkey-demo.png"), fullPage: true });

  const user = await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: "walter" }));
  assert.equal(user.Username, "walter");
  const { credentials: after } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.ok(after[0].signCount >= 1, "the authenticator signed with its counter");
});

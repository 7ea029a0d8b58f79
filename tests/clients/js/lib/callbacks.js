// amazon-cognito-identity-js answers most calls through one of several callbacks (onSuccess,
// totpRequired, mfaSetup...); these turn that into a promise of { via, args } a test can assert on.
import assert from "node:assert/strict";

const CALLBACKS = [
  "onSuccess", "onFailure", "mfaRequired", "totpRequired", "selectMFAType", "mfaSetup",
  "newPasswordRequired", "customChallenge", "associateSecretCode",
];

/** Call `start(callbacks)` and resolve with whichever callback the library calls first. */
export function next(start) {
  return new Promise((resolve) => {
    const cb = {};
    for (const name of CALLBACKS) cb[name] = (...args) => resolve({ via: name, args });
    start(cb);
  });
}

/** Assert the library answered through `via` (showing the error if it failed); its arguments. */
export function expectVia(result, via) {
  const detail = result.via === "onFailure" ? `${result.args[0]?.code}: ${result.args[0]?.message}` : JSON.stringify(result.args);
  assert.equal(result.via, via, `expected ${via}, got ${result.via} ${detail}`);
  return result.args;
}

/** A Node-style `(err, result)` callback as a promise of { err, result }. */
export function nodeCallback(start) {
  return new Promise((resolve) => start((err, result) => resolve({ err, result })));
}

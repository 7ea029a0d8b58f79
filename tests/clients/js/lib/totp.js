// An authenticator app for the JavaScript suites: RFC 6238 codes (HMAC-SHA1, 30 s steps, 6 digits)
// computed with node:crypto, as a phone app would from the SecretCode of AssociateSoftwareToken.
import { createHmac } from "node:crypto";

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, "").toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code of one time step (`step` = floor(unix seconds / 30)). */
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, "0");
}

/** An authenticator app that never reuses a time step. Cognate accepts the previous, current and
 * next step, each (or an older one) once per user (docs/mfa.md, TOTP); so this hands out the
 * previous step's code (unless that step is about to leave the window), then the current and the
 * next, then waits for the clock. */
export class Authenticator {
  constructor(secret) {
    this.secret = secret;
    this.last = null;
  }

  async code() {
    for (;;) {
      const t = Date.now() / 1000;
      const now = Math.floor(t / 30);
      const lowest = (now + 1) * 30 - t > 3 ? now - 1 : now;
      const step = this.last === null || this.last < lowest ? lowest : this.last + 1;
      if (step <= now + 1) {
        this.last = step;
        return totpAt(this.secret, step);
      }
      await new Promise((r) => setTimeout(r, ((now + 1) * 30 - t) * 1000 + 50));
    }
  }

  /** A six-digit code that none of the steps the server accepts right now produces. */
  wrongCode() {
    const now = Math.floor(Date.now() / 1000 / 30);
    const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpAt(this.secret, now + d)));
    return ["000000", "111111", "222222"].find((c) => !valid.has(c));
  }
}

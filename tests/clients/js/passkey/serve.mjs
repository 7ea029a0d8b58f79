// Serves the passkey demo page on http://localhost:<port>: page.html and page.js bundled for the
// browser with esbuild (in memory, offline). Used by passkey-browser.test.mjs and by
// `npm run passkey-demo` (see README, "Passwordless sign-in with a passkey").
//
// WebAuthn needs a secure context: http://localhost is one, http://127.0.0.1 is not a valid RP ID.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

async function bundle() {
  const out = await build({
    entryPoints: [join(here, "page.js")],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "chrome120",
    write: false,
    logLevel: "error",
  });
  return out.outputFiles[0].contents;
}

/** Starts the page server; resolves to { url, close() }. Port 0 picks a free one. */
export async function servePasskeyPage(port = 0) {
  const js = await bundle();
  const html = readFileSync(join(here, "page.html"));
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(html);
    } else if (path === "/bundle.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(js);
    } else if (path === "/favicon.ico") {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://localhost:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] || process.env.PORT || 5173);
  const { url } = await servePasskeyPage(port);
  console.log(`Passkey demo: ${url}/?endpoint=http://127.0.0.1:9229&clientId=<app client id>&username=<user>`);
}

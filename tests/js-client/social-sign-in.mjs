// Better Auth's own client starts a sign-in with an identity provider, as a browser app would:
// anonymous sign-in → signIn.social({ provider: "trailhead" }) → the provider's authorization URL.
// Usage: AUTH_BASE_URL=http://127.0.0.1:5000 node social-sign-in.mjs
// Prints {"url": ...} last; exits non-zero, saying which step failed, otherwise.
import { createAuthClient } from "better-auth/client";
import { anonymousClient } from "better-auth/client/plugins";

const baseURL = process.env.AUTH_BASE_URL;
if (!baseURL) {
  fail("AUTH_BASE_URL is not set (the storefront or Auth.Api base URL).");
}

const origin = new URL(baseURL).origin;

// Node's fetch keeps no cookies, and browsers add Origin by themselves: a browser's part, played here.
const cookies = new Map();
async function browserLikeFetch(input, init) {
  const headers = new Headers(init?.headers);
  headers.set("origin", origin);
  if (cookies.size > 0) {
    headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
  }

  const response = await fetch(input, { ...init, headers, redirect: "manual" });
  for (const setCookie of response.headers.getSetCookie()) {
    const [pair] = setCookie.split(";");
    const separator = pair.indexOf("=");
    cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
  }

  return response;
}

const client = createAuthClient({
  baseURL,
  plugins: [anonymousClient()],
  fetchOptions: { customFetchImpl: browserLikeFetch },
});

const guest = await client.signIn.anonymous();
if (guest.error) {
  fail(`signIn.anonymous: ${JSON.stringify(guest.error)}`);
}

const social = await client.signIn.social({ provider: "trailhead", callbackURL: "/" });
if (social.error) {
  fail(`signIn.social: ${JSON.stringify(social.error)}`);
}

if (typeof social.data?.url !== "string" || social.data.redirect !== true) {
  fail(`signIn.social answered ${JSON.stringify(social.data)}, not {url, redirect: true}`);
}

if (![...cookies.keys()].some((name) => name.startsWith("better-auth.state"))) {
  fail(`no state cookie was set (cookies: ${[...cookies.keys()].join(", ")})`);
}

console.log(JSON.stringify({ url: social.data.url }));

function fail(message) {
  console.error(message);
  process.exit(1);
}

// Drives Auth.Api with Better Auth's own JavaScript client, as a browser app would:
// anonymous sign-in → get-session → sign-up (links the guest) → get-session → sign-out → get-session.
// Usage: AUTH_BASE_URL=http://127.0.0.1:5000 node anonymous-link.mjs
// Exits 0 when every step answered as Better Auth's server would; otherwise says which step did not.
import { createAuthClient } from "better-auth/client";
import { anonymousClient } from "better-auth/client/plugins";

const baseURL = process.env.AUTH_BASE_URL;
if (!baseURL) {
  fail("AUTH_BASE_URL is not set (the Auth.Api base URL, e.g. http://127.0.0.1:5000).");
}

const origin = new URL(baseURL).origin;
const sessionCookieName = "better-auth.session_token";

// Node's fetch keeps no cookies, and browsers add Origin by themselves: a browser's part, played here.
let sessionCookie = null;
async function browserLikeFetch(input, init) {
  const headers = new Headers(init?.headers);
  headers.set("origin", origin);
  if (sessionCookie !== null) {
    headers.set("cookie", `${sessionCookieName}=${sessionCookie}`);
  }

  const response = await fetch(input, { ...init, headers });
  for (const setCookie of response.headers.getSetCookie()) {
    const [pair] = setCookie.split(";");
    const separator = pair.indexOf("=");
    if (pair.slice(0, separator) === sessionCookieName) {
      const value = pair.slice(separator + 1);
      sessionCookie = value === "" ? null : value;
    }
  }

  return response;
}

const client = createAuthClient({
  baseURL,
  plugins: [anonymousClient()],
  fetchOptions: { customFetchImpl: browserLikeFetch },
});

const anonymous = expectData("anonymous sign-in", await client.signIn.anonymous());
check("anonymous sign-in returns an anonymous user", anonymous.user?.isAnonymous === true, anonymous);
check("anonymous sign-in sets the session cookie", sessionCookie !== null, { sessionCookie });

const anonymousSession = expectData("get-session as the guest", await client.getSession());
check("get-session shows the anonymous user", anonymousSession.user?.id === anonymous.user.id && anonymousSession.user.isAnonymous === true, anonymousSession);
check("get-session shows the anonymous session", anonymousSession.session?.token === anonymous.token, anonymousSession);

const email = `js-client+${crypto.randomUUID()}@example.com`;
const signUp = expectData("sign-up (linking the guest)",
  await client.signUp.email({ name: "Js Client", email, password: "correct-horse-battery" }));
check("sign-up returns a new, non-anonymous user",
  signUp.user?.id !== anonymous.user.id && signUp.user?.isAnonymous === false && signUp.user?.email === email, signUp);

const linkedSession = expectData("get-session after sign-up", await client.getSession());
check("get-session shows the new user", linkedSession.user?.id === signUp.user.id && linkedSession.user.isAnonymous === false, linkedSession);

const signOut = expectData("sign-out", await client.signOut());
check("sign-out succeeds", signOut.success === true, signOut);
check("sign-out clears the session cookie", sessionCookie === null, { sessionCookie });

const afterSignOut = await client.getSession();
check("get-session after sign-out is null", afterSignOut.error === null && afterSignOut.data === null, afterSignOut);

// For the caller to check the server side of the link.
console.log(JSON.stringify({ anonymousUserId: anonymous.user.id, newUserId: signUp.user.id }));

function expectData(step, result) {
  if (result.error) {
    fail(`${step} failed: ${JSON.stringify(result.error)}`);
  }

  if (result.data === null || result.data === undefined) {
    fail(`${step} returned no data`);
  }

  return result.data;
}

function check(expectation, holds, actual) {
  if (!holds) {
    fail(`expected: ${expectation}; got: ${JSON.stringify(actual)}`);
  }
}

function fail(message) {
  console.error(`anonymous-link: ${message}`);
  process.exit(1);
}

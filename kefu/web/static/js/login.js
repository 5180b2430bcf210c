// Staff sign-in: the token goes to sessionStorage (gone with the tab), then back to `next`.
import { LANG, t, TOKEN_KEY } from "./common.js";

const form = document.getElementById("login");

/** Only a path on this site: never an absolute or protocol-relative URL (open redirect). */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") || "/workbench";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/workbench";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  const res = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept-Language": LANG },
    body: JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) {
    document.getElementById("error").textContent = `${t("Sign-in failed")}: ${data.detail}`;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, data.token);
  location.href = nextPath();
});

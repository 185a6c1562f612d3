// The parent's call page follows the call without reloading (a page that reloads itself moves
// a screen reader back to the top): every 10 seconds it asks for itself and puts the newest
// state in place, a live region, until a counsellor is on the way or the call has ended.
const state = document.getElementById("call-state");
if (state && state.hasAttribute("data-waiting")) {
  const timer = setInterval(async () => {
    try {
      const answer = await fetch(window.location.href, { headers: { Accept: "text/html" } });
      if (!answer.ok) return;
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = page.getElementById("call-state");
      if (!fresh) return;
      if (!fresh.hasAttribute("data-waiting")) clearInterval(timer);
      if (fresh.innerHTML !== state.innerHTML) state.innerHTML = fresh.innerHTML;
    } catch {
      // offline for a moment: the next tick asks again
    }
  }, 10000);
}

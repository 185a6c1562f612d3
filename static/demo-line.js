// The demo's LINE simulator: show what the worker sends as it arrives, as LINE would.
(() => {
  const said = document.getElementById("said");
  if (!said) return;
  setInterval(async () => {
    const response = await fetch(said.dataset.refresh);
    if (!response.ok) return;
    const html = await response.text();
    if (html !== said.innerHTML) said.innerHTML = html;
  }, 3000);
})();

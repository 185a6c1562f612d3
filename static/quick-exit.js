// Leave at once for a neutral page, replacing this page in the history so that "back" does
// not return to it. Without JavaScript the link still leaves.
// Links between the parent's own pages replace the page too: the history holds one page of
// this service at most, and that one is what the quick exit replaces.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey) return;
  const leaving = link.hasAttribute("data-quick-exit");
  const here = new URL(link.href, window.location.href).origin === window.location.origin;
  if (!leaving && (!here || link.target || link.hasAttribute("download"))) return;
  event.preventDefault();
  window.location.replace(link.href);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    const link = document.querySelector("[data-quick-exit]");
    if (link) window.location.replace(link.href);
  }
});

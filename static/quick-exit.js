// Leave at once for a neutral page, replacing this page in the history so that "back" does
// not return to it. Without JavaScript the link still leaves.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-quick-exit]");
  if (!link) return;
  event.preventDefault();
  window.location.replace(link.href);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    const link = document.querySelector("[data-quick-exit]");
    if (link) window.location.replace(link.href);
  }
});

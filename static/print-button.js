// A button that prints the page (the counter's copy of a family's card for the parent).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

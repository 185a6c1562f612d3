// More rows for children's birth months, up to the form's maximum. Without JavaScript the
// rows already on the page are enough for most families; an empty row is simply ignored.
(() => {
  const rows = document.querySelector("[data-children]");
  const button = document.querySelector("[data-add-child]");
  if (!rows || !button) return;
  const max = Number(rows.dataset.max);
  const update = () => { button.hidden = rows.children.length >= max; };
  button.addEventListener("click", () => {
    const index = rows.children.length;
    const row = rows.lastElementChild.cloneNode(true);
    const input = row.querySelector("input");
    const label = row.querySelector("label");
    input.id = input.name = `children-${index}`;
    input.value = "";
    label.htmlFor = input.id;
    label.textContent = rows.dataset.label.replace("{n}", index + 1);
    rows.append(row);
    input.focus();
    update();
  });
  update();
})();

// Django's autocomplete fields (select2) draw a combobox named only by what is chosen, which
// is nothing on an empty form: screen readers (and axe-core's aria-input-field-name) get no
// name. Each is named by its field's label, then by its choice.
window.addEventListener("load", () => {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
    if (!label || !box) return;
    label.id = label.id || `${select.id}_label`;
    const chosen = box.getAttribute("aria-labelledby") || "";
    box.setAttribute("aria-labelledby", `${label.id} ${chosen}`.trim());
    // The text showing the choice inside it is a read-only textbox of its own.
    const shown = box.querySelector("[role=textbox]");
    if (shown && shown.id) shown.setAttribute("aria-labelledby", `${label.id} ${shown.id}`);
  });
});

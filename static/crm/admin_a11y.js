// Django's autocomplete fields (select2) draw a combobox named only by what is chosen, which
// is nothing on an empty form: screen readers (and axe-core's aria-input-field-name) get no
// name. Each is named by its field's label, then by its choice.
function nameAutocompleteFields() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
    if (!label || !box) return;
    label.id = label.id || `${select.id}_label`;
    const chosen = box.getAttribute("aria-labelledby") || "";
    if (!chosen.includes(label.id)) box.setAttribute("aria-labelledby", `${label.id} ${chosen}`.trim());
    // The text showing the choice inside it is a read-only textbox of its own, named by the
    // label alone (a name that refers to itself is a loop for some readers).
    const shown = box.querySelector("[role=textbox]");
    if (shown) shown.setAttribute("aria-labelledby", label.id);
  });
}

// Django's autocomplete.js sets select2 up in a jQuery ready handler: one queued after it runs
// once the fields exist (this script is deferred, so jQuery is there by now).
if (window.django && window.django.jQuery) {
  window.django.jQuery(nameAutocompleteFields);
} else {
  window.addEventListener("load", nameAutocompleteFields);
}

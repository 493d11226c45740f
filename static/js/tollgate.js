// Tollgate's few lines of JavaScript. The app works without them; they add comfort.

// Formsets: "Add a ..." clones the empty form kept in <template id="<prefix>-empty">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-formset-add]");
  if (!button) return;
  const prefix = button.dataset.formsetAdd;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const most = Number(document.getElementById(`id_${prefix}-MAX_NUM_FORMS`).value);
  const template = document.getElementById(`${prefix}-empty`);
  const html = template.innerHTML.replaceAll("__prefix__", total.value);
  document.getElementById(`${prefix}-rows`).insertAdjacentHTML("beforeend", html);
  total.value = Number(total.value) + 1;
  if (Number(total.value) >= most) {
    button.disabled = true;  // the server refuses more rows than the list takes
    button.textContent = `At most ${most} rows`;
  }
});

// A double click sends a decision once; the server answers 409 to any second one anyway.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitting) {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
});
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form[data-submitting]").forEach((form) => {
    delete form.dataset.submitting;
  });
});

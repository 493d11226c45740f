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

// A form that removes something asks first (data-confirm holds the question).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// A double click sends a decision once; the server answers 409 to any second one anyway.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented) return;
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

// @mentions: typing "@" and a few letters in a comment box offers the project's people (asked
// for once, at the first "@", from the address the box names: pages do not carry the list);
// arrow keys choose, Enter or Tab or a click puts "@username " in the text. The server decides
// who is mentioned.
document.querySelectorAll("textarea[data-mentions]").forEach((box) => {
  let people = null;
  let asked = false;
  const list = document.createElement("ul");
  list.className = "mention-list list-group shadow-sm";
  list.id = `${box.id}-suggestions`;
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "People to mention");
  list.hidden = true;
  box.after(list);
  box.setAttribute("aria-controls", list.id);
  box.setAttribute("aria-autocomplete", "list");
  let matches = [];
  let active = 0;

  const word = () => {
    const before = box.value.slice(0, box.selectionStart);
    const found = before.match(/(?:^|\s)@([\w.+-]*)$/);
    return found ? found[1].toLowerCase() : null;
  };
  const close = () => {
    list.hidden = true;
    box.removeAttribute("aria-activedescendant");
  };
  const show = () => {
    list.replaceChildren(
      ...matches.map((person, index) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${index}`;
        item.className = `list-group-item list-group-item-action py-1${index === active ? " active" : ""}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        item.textContent = `${person.name} (@${person.username})`;
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(person);
        });
        return item;
      }),
    );
    list.hidden = !matches.length;
    if (matches.length) box.setAttribute("aria-activedescendant", `${list.id}-${active}`);
  };
  const choose = (person) => {
    const at = box.selectionStart;
    const before = box.value.slice(0, at).replace(/@[\w.+-]*$/, `@${person.username} `);
    box.value = before + box.value.slice(at);
    box.selectionStart = box.selectionEnd = before.length;
    close();
    box.focus();
  };
  const suggest = () => {
    const typed = word();
    if (typed === null) return close();
    if (people === null) {
      if (!asked) {
        asked = true;
        fetch(box.dataset.mentions, { headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : null))
          .catch(() => null)
          .then((found) => {
            if (!Array.isArray(found)) {
              asked = false; // no suggestions this time; the next "@" asks again
              return;
            }
            people = found;
            if (document.activeElement === box) suggest();
          });
      }
      return;
    }
    matches = people
      .filter((p) => p.username.toLowerCase().startsWith(typed) || p.name.toLowerCase().split(" ").some((part) => part.startsWith(typed)))
      .slice(0, 8);
    active = 0;
    show();
  };
  box.addEventListener("input", suggest);
  box.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
      show();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(matches[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  box.addEventListener("blur", close);
});

// The board scrolls sideways: a fade marks each edge with more stages behind it, and the
// hint above it goes once the last stage is in view (it stays when there is no JavaScript).
document.querySelectorAll(".board-frame").forEach((frame) => {
  const board = frame.querySelector(".board");
  const hint = document.getElementById(board.getAttribute("aria-describedby"));
  const mark = () => {
    const atEnd = board.scrollLeft + board.clientWidth >= board.scrollWidth - 1;
    frame.classList.toggle("more-before", board.scrollLeft > 0);
    frame.classList.toggle("more-after", !atEnd);
    hint?.classList.toggle("invisible", atEnd);
  };
  board.addEventListener("scroll", mark, { passive: true });
  window.addEventListener("resize", mark);
  mark();
});

// A table (or the portfolio board) wider than its box scrolls sideways; the keyboard must
// reach it too (WCAG 2.1.1): such a box becomes a focusable region named after its table's
// caption or the heading above it, and stops being one when the window grows wide enough.
const scrollingTables = () => {
  document.querySelectorAll(".table-responsive, .board").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (box.hasAttribute("tabindex")) return;  // marked already, here or in the template
      const caption = box.querySelector("caption");
      let heading = box.previousElementSibling;
      while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      heading ||= box.closest("section, .card")?.querySelector("h2, h3, h4, h5, h6");
      const name = (caption || heading)?.textContent.trim()
        || (box.classList.contains("board") ? "Board" : "Table");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", `${name} (scrolls sideways)`);
      box.dataset.scrollRegion = "";
    } else if (box.dataset.scrollRegion !== undefined) {
      delete box.dataset.scrollRegion;
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
};
scrollingTables();
window.addEventListener("resize", scrollingTables);

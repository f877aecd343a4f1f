// The people review's keys, and drawing a missed face on the photo page. Every form on those
// pages works without this file: keys only press the current item's buttons, and drawing only
// fills in the numeric form's fields.
"use strict";

(function () {
  const items = Array.from(document.querySelectorAll("[data-review-item]"));
  if (!items.length) return;
  let current = 0;

  function show(i) {
    items[current].classList.remove("current");
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].classList.add("current");
    items[current].focus({preventScroll: true});
    items[current].scrollIntoView({block: "nearest"});
  }

  function typing(target) {
    return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key.toLowerCase();
    if (key === "j") { show(current + 1); event.preventDefault(); return; }
    if (key === "k") { show(current - 1); event.preventDefault(); return; }
    const button = items[current].querySelector('button[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  items.forEach((item, i) => item.addEventListener("focusin", () => {
    items[current].classList.remove("current");
    current = i;
    item.classList.add("current");
  }));
  items[0].classList.add("current");
})();

(function () {
  // Drawing a box over the photo: pointer down, drag, up. The box is turned into the photo's own
  // pixels (data-width / data-height: its displayed size) and written into the add-face form.
  const form = document.querySelector("form[data-add-face]");
  const frame = document.querySelector(".photo-page .frame");
  if (!form || !frame) return;
  const img = frame.querySelector("img");
  const start = form.querySelector("[data-draw]");
  const width = parseFloat(form.dataset.width), height = parseFloat(form.dataset.height);
  let box = null, origin = null;

  function at(event) {
    const r = img.getBoundingClientRect();
    return [Math.max(0, Math.min(r.width, event.clientX - r.left)), Math.max(0, Math.min(r.height, event.clientY - r.top)), r];
  }

  start.hidden = false;
  start.addEventListener("click", () => {
    frame.classList.add("drawing");
    start.textContent = "Drag over the face on the photo";
  });
  frame.addEventListener("pointerdown", (event) => {
    if (!frame.classList.contains("drawing")) return;
    event.preventDefault();
    frame.setPointerCapture(event.pointerId);
    origin = at(event);
    box = box || document.createElement("div");
    box.className = "drawn-box";
    frame.appendChild(box);
  });
  frame.addEventListener("pointermove", (event) => {
    if (!origin) return;
    const [x, y] = at(event);
    const [x0, y0] = origin;
    box.style.left = Math.min(x, x0) + "px";
    box.style.top = Math.min(y, y0) + "px";
    box.style.width = Math.abs(x - x0) + "px";
    box.style.height = Math.abs(y - y0) + "px";
  });
  frame.addEventListener("pointerup", (event) => {
    if (!origin) return;
    const [x, y, r] = at(event);
    const [x0, y0] = origin;
    origin = null;
    const sx = width / r.width, sy = height / r.height;
    const put = (name, v) => { form.querySelector('[name="' + name + '"]').value = Math.round(v); };
    put("x", Math.min(x, x0) * sx);
    put("y", Math.min(y, y0) * sy);
    put("w", Math.abs(x - x0) * sx);
    put("h", Math.abs(y - y0) * sy);
    frame.classList.remove("drawing");
    start.textContent = "Draw again";
    form.querySelector('[name="who"]')?.focus();
  });
})();

(function () {
  // The "Who is this?" type-ahead on a page that does not list the named people itself.
  const list = document.querySelector("datalist[data-src]");
  if (!list || list.options.length) return;
  fetch(list.dataset.src, {headers: {"Accept": "application/json"}, cache: "no-store"})
    .then((r) => (r.ok ? r.json() : []))
    .then((names) => names.forEach((name) => {
      const option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    }))
    .catch(() => {});
})();

// The places map: zoom and pan in the browser (wheel, pinch, drag, buttons), markers kept at
// their size on screen, and "Pick on the map" to set home, or a photo's place, by a click. Nothing is fetched: the map
// is the page's own SVG, and a click is turned back into degrees with the bounds the SVG carries
// (data-west/east/north/south; the projection is plain equirectangular, see report/worldmap.py).
"use strict";

(function () {
  const box = document.querySelector("[data-map]");
  const svg = box && box.querySelector("svg.map");
  if (!svg) return;
  const base = svg.viewBox.baseVal;
  const full = { x: base.x, y: base.y, w: base.width, h: base.height };
  const bounds = ["west", "east", "north", "south"].map((k) => parseFloat(svg.dataset[k]));
  const MAX_ZOOM = 40;
  let view = { ...full };
  const sized = [...svg.querySelectorAll("circle, text")].map((el) => ({
    el,
    r: el.getAttribute("r"),
    font: parseFloat(getComputedStyle(el).fontSize) || 11,
  }));

  function apply() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    const zoom = full.w / view.w;
    for (const s of sized) {
      if (s.r !== null) s.el.setAttribute("r", String(parseFloat(s.r) / Math.sqrt(zoom)));
      else s.el.style.fontSize = `${s.font / zoom}px`;
    }
  }

  function clamp() {
    view.w = Math.min(full.w, Math.max(full.w / MAX_ZOOM, view.w));
    view.h = (view.w * full.h) / full.w;
    view.x = Math.min(full.x + full.w - view.w, Math.max(full.x, view.x));
    view.y = Math.min(full.y + full.h - view.h, Math.max(full.y, view.y));
  }

  function point(clientX, clientY) {
    const p = svg.createSVGPoint();
    p.x = clientX;
    p.y = clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  function zoomAt(factor, at) {
    const w = view.w / factor;
    const h = (w * full.h) / full.w;
    view = { x: at.x - ((at.x - view.x) * w) / view.w, y: at.y - ((at.y - view.y) * h) / view.h, w, h };
    clamp();
    apply();
  }

  function centre() {
    return { x: view.x + view.w / 2, y: view.y + view.h / 2 };
  }

  box.querySelectorAll("[data-zoom]").forEach((b) =>
    b.addEventListener("click", () => {
      if (b.dataset.zoom === "reset") {
        view = { ...full };
        apply();
      } else zoomAt(b.dataset.zoom === "in" ? 1.6 : 1 / 1.6, centre());
    }),
  );

  svg.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      zoomAt(e.deltaY < 0 ? 1.25 : 0.8, point(e.clientX, e.clientY));
    },
    { passive: false },
  );

  // Drag to pan, pinch with two fingers to zoom; a press that does not move is a click.
  const pointers = new Map();
  let moved = false;
  let pinch = 0;
  svg.addEventListener("pointerdown", (e) => {
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    moved = false;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = Math.hypot(a.x - b.x, a.y - b.y);
    }
  });
  svg.addEventListener("pointermove", (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    if (pointers.size === 2) {
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      const [a, b] = [...pointers.values()];
      const now = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinch > 0 && now > 0) zoomAt(now / pinch, point((a.x + b.x) / 2, (a.y + b.y) / 2));
      pinch = now;
      moved = true;
      return;
    }
    const from = point(last.x, last.y);
    const to = point(e.clientX, e.clientY);
    if (Math.hypot(e.clientX - last.x, e.clientY - last.y) > 3) moved = true;
    if (!moved) return;
    view.x -= to.x - from.x;
    view.y -= to.y - from.y;
    clamp();
    apply();
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
  });
  for (const end of ["pointerup", "pointercancel", "pointerleave"]) {
    svg.addEventListener(end, (e) => {
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = 0;
    });
  }
  svg.style.touchAction = "none";

  // Pick a point on the map: home (the places page) or a photo's place (its edit form). The
  // button names the inputs that receive the degrees (data-pick-lat, data-pick-lon), a text input
  // to empty (data-pick-clear) and what to say once picked (data-pick-said, {lat} and {lon}).
  const pickButton = document.querySelector("[data-pick]");
  const hint = document.querySelector("[data-pick-hint]");
  const latInput = pickButton && document.querySelector(pickButton.dataset.pickLat);
  const lonInput = pickButton && document.querySelector(pickButton.dataset.pickLon);
  if (!pickButton || !latInput || !lonInput) return;
  let picking = false;
  let mark = null;
  pickButton.addEventListener("click", () => {
    picking = !picking;
    pickButton.setAttribute("aria-pressed", String(picking));
    box.classList.toggle("picking", picking);
    if (hint) hint.hidden = !picking;
  });
  svg.addEventListener(
    "click",
    (e) => {
      if (!picking) return;
      e.preventDefault(); // a marker's link does not open while picking
      if (moved) return;
      const p = point(e.clientX, e.clientY);
      const [west, east, north, south] = bounds;
      const lon = west + ((p.x - full.x) / full.w) * (east - west);
      const lat = north - ((p.y - full.y) / full.h) * (north - south);
      latInput.value = lat.toFixed(5);
      lonInput.value = lon.toFixed(5);
      const clear = pickButton.dataset.pickClear && document.querySelector(pickButton.dataset.pickClear);
      if (clear) clear.value = "";
      if (!mark) {
        mark = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        mark.setAttribute("class", "picked");
        svg.appendChild(mark);
        sized.push({ el: mark, r: "7", font: 11 });
      }
      mark.setAttribute("cx", String(p.x));
      mark.setAttribute("cy", String(p.y));
      apply();
      const said = pickButton.dataset.pickSaid || "Here: {lat}, {lon}.";
      if (hint) hint.textContent = said.replace("{lat}", lat.toFixed(3)).replace("{lon}", lon.toFixed(3));
    },
    true,
  );
})();

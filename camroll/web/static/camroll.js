// camroll: small progressive enhancements. Every page works without this file.
"use strict";

// Progress bars of background jobs: poll /jobs/<id> until each ends.
function watchJob(el) {
  const id = el.dataset.job;
  const pollMs = parseInt(document.body.dataset.pollMs || "700", 10);
  const bar = el.querySelector("progress");
  const phase = el.querySelector(".job-phase");
  const count = el.querySelector(".job-count");
  const message = el.querySelector(".job-message");
  async function tick() {
    let job;
    try {
      const response = await fetch("/jobs/" + id, {headers: {"Accept": "application/json"}, cache: "no-store"});
      if (!response.ok) return;
      job = await response.json();
    } catch (e) {
      setTimeout(tick, pollMs * 3);
      return;
    }
    el.dataset.state = job.state;
    phase.textContent = job.phase || "";
    count.textContent = job.total ? job.done + " / " + job.total : "";
    if (job.percent === null) bar.removeAttribute("value"); else bar.value = job.percent;
    if (job.state === "running" || job.state === "queued") {
      setTimeout(tick, pollMs);
      return;
    }
    el.querySelector(".job-cancel")?.remove();
    phase.textContent = {done: "finished", cancelled: "cancelled", failed: "failed"}[job.state] || job.state;
    message.textContent = job.state === "failed" ? "Failed: " + job.message : job.message;
    if (job.link) {
      const a = document.createElement("a");
      a.href = job.link;
      a.textContent = " Open";
      message.appendChild(a);
    }
  }
  if (el.dataset.state === "running" || el.dataset.state === "queued") setTimeout(tick, 200);
}

// Face boxes on a photo: placed from data attributes (the page's policy allows no inline styles).
function placeFaces() {
  for (const box of document.querySelectorAll(".facebox[data-box]")) {
    const [x, y, w, h] = box.dataset.box.split(",").map(Number);
    Object.assign(box.style, {left: x + "%", top: y + "%", width: w + "%", height: h + "%", display: "block"});
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-job]").forEach(watchJob);
  placeFaces();
});

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

// Motion photos in a grid: a thumbnail with a clip (data-clip) plays it muted, in place of the
// still, while a mouse hovers it; on a phone, a tap on its "motion" badge starts and stops it (a
// tap elsewhere on the thumbnail still opens the photo). One clip plays at a time, and the video
// element is removed when it stops, so a long grid holds no players and downloads nothing unasked.
function motionThumbs() {
  let playing = null;
  function stop(a) {
    const video = a.querySelector("video.motion-clip");
    if (video) {
      video.pause();
      video.removeAttribute("src");
      video.load(); // ends the download
      video.remove();
    }
    a.classList.remove("playing");
    a.querySelector(".motion-badge")?.setAttribute("aria-pressed", "false");
    if (playing === a) playing = null;
  }
  function play(a) {
    if (playing === a) return;
    if (playing) stop(playing);
    const video = document.createElement("video");
    video.className = "motion-clip";
    video.muted = true;
    video.defaultMuted = true;
    video.loop = true;
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-hidden", "true");
    video.src = a.dataset.clip;
    a.appendChild(video);
    a.classList.add("playing");
    a.querySelector(".motion-badge")?.setAttribute("aria-pressed", "true");
    playing = a;
    // No clip, or the browser refuses to play: the still stays (unless this video was replaced).
    video.play().catch(() => { if (video.parentNode === a) stop(a); });
  }
  for (const a of document.querySelectorAll("a.thumb[data-clip]")) {
    a.addEventListener("pointerenter", (e) => { if (e.pointerType === "mouse") play(a); });
    a.addEventListener("pointerleave", (e) => { if (e.pointerType === "mouse") stop(a); });
    const badge = a.querySelector(".motion-badge");
    if (!badge) continue;
    const toggle = (e) => {
      e.preventDefault(); // the badge plays; the rest of the thumbnail opens the photo
      e.stopPropagation();
      if (playing === a) stop(a); else play(a);
    };
    badge.addEventListener("click", toggle);
    badge.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") toggle(e); });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-job]").forEach(watchJob);
  placeFaces();
  motionThumbs();
});

// The upload page (camroll serve --upload-dir): hash each picked file, ask the server which it
// already has, send the rest in chunks that resume after a cut, and show progress per file and
// overall. The protocol is in camroll/web/routes_upload.py.
"use strict";

// SHA-256 in pieces. WebCrypto's digest() takes the whole file at once (a 2 GB video would have
// to sit in the phone's memory) and exists only on HTTPS pages, so large files and pages served
// over plain HTTP on the home network are hashed here, 4 MiB at a time.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

class Sha256 {
  constructor() {
    this.h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this.w = new Uint32Array(64);
    this.tail = new Uint8Array(64);
    this.tailLength = 0;
    this.length = 0;
  }

  block(b, at) {
    const w = this.w, h = this.h;
    for (let i = 0; i < 16; i++) {
      w[i] = (b[at + 4 * i] << 24) | (b[at + 4 * i + 1] << 16) | (b[at + 4 * i + 2] << 8) | b[at + 4 * i + 3];
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15], y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }

  update(bytes) {
    let i = 0;
    this.length += bytes.length;
    if (this.tailLength) {
      while (i < bytes.length && this.tailLength < 64) this.tail[this.tailLength++] = bytes[i++];
      if (this.tailLength < 64) return;
      this.block(this.tail, 0);
      this.tailLength = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.block(bytes, i);
    while (i < bytes.length) this.tail[this.tailLength++] = bytes[i++];
  }

  hex() {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.tailLength + 9 + 63) >> 6) << 6);
    pad.set(this.tail.subarray(0, this.tailLength));
    pad[this.tailLength] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(pad.length - 4, bits >>> 0);
    for (let at = 0; at < pad.length; at += 64) this.block(pad, at);
    return Array.from(this.h, (x) => x.toString(16).padStart(8, "0")).join("");
  }
}

const WEBCRYPTO_MAX = 256 * 1024 * 1024; // larger files are hashed in pieces (see above)
const HASH_PIECE = 4 * 1024 * 1024;

async function hashFile(file, progress) {
  if (window.crypto && crypto.subtle && file.size <= WEBCRYPTO_MAX && !document.body.dataset.hashInPieces) {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    progress(1);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const sha = new Sha256();
  for (let at = 0; at < file.size; at += HASH_PIECE) {
    sha.update(new Uint8Array(await file.slice(at, at + HASH_PIECE).arrayBuffer()));
    progress(Math.min(1, (at + HASH_PIECE) / file.size));
  }
  return sha.hex();
}

// The month a JPEG says it was taken (EXIF DateTimeOriginal, else DateTime), read from its first
// 128 kB: the month folder it lands in. The server checks the value; a photo without one goes by
// the file's date.
async function takenMonth(file) {
  if (!/\.jpe?g$/i.test(file.name)) return "";
  const b = new DataView(await file.slice(0, 128 * 1024).arrayBuffer());
  if (b.byteLength < 4 || b.getUint16(0) !== 0xffd8) return "";
  for (let at = 2; at + 4 <= b.byteLength; ) {
    const marker = b.getUint16(at), length = b.getUint16(at + 2);
    if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return "";
    if (marker === 0xffe1 && at + 10 <= b.byteLength && b.getUint32(at + 4) === 0x45786966) return exifMonth(b, at + 10);
    at += 2 + length;
  }
  return "";
}

function exifMonth(b, tiff) {
  if (tiff + 8 > b.byteLength) return "";
  const little = b.getUint16(tiff) === 0x4949;
  const u16 = (at) => b.getUint16(at, little), u32 = (at) => b.getUint32(at, little);
  const entries = (ifd) => {
    const out = new Map();
    const at = tiff + ifd;
    if (ifd <= 0 || at + 2 > b.byteLength) return out;
    for (let i = 0, n = Math.min(u16(at), 200); i < n && at + 14 + 12 * i <= b.byteLength; i++) {
      const e = at + 2 + 12 * i;
      out.set(u16(e), u32(e + 8));
    }
    return out;
  };
  const text = (offset) => {
    const at = tiff + offset;
    if (at + 7 > b.byteLength) return "";
    let s = "";
    for (let i = 0; i < 7; i++) s += String.fromCharCode(b.getUint8(at + i));
    return /^\d{4}:\d{2}$/.test(s) ? s.replace(":", "-") : "";
  };
  const zero = entries(u32(tiff + 4));
  const exif = zero.has(0x8769) ? entries(zero.get(0x8769)) : new Map();
  return (exif.has(0x9003) && text(exif.get(0x9003))) || (zero.has(0x0132) && text(zero.get(0x0132))) || "";
}

function sizeText(n) {
  if (n < 1024 * 1024) return `${Math.max(1, Math.round(n / 1024))} kB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Uploader {
  constructor(root) {
    this.root = root;
    this.chunk = Number(root.dataset.chunk);
    this.max = Number(root.dataset.max);
    this.csrf = document.querySelector('meta[name="csrf-token"]').content;
    this.list = document.getElementById("upload-list");
    this.bar = document.getElementById("upload-bar");
    this.summary = document.getElementById("upload-summary");
    this.stateText = document.getElementById("upload-state");
    this.items = [];
    this.busy = false;
    this.wake = null; // resolves a wait for the connection early (back online, screen on again)
    const nudge = () => { if (this.wake) this.wake(); };
    window.addEventListener("online", nudge);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) nudge(); });
  }

  add(files) {
    for (const file of files) {
      const row = document.createElement("li");
      row.className = "upload-file";
      const name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = `${file.name} · ${sizeText(file.size)}`;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      const state = document.createElement("span");
      state.className = "upload-file-state";
      row.append(name, bar, state);
      this.list.append(row);
      this.items.push({ file, row, bar, state, sha: null, sent: 0, status: "new" });
    }
    document.getElementById("upload-total").hidden = false;
    if (!this.busy) this.run();
  }

  show(item, status, text, fraction) {
    item.status = status;
    item.row.dataset.state = status;
    item.state.textContent = text;
    if (fraction !== undefined) item.bar.value = Math.round(fraction * 100);
    this.total();
  }

  total() {
    const todo = this.items.filter((i) => i.status !== "here" && i.status !== "refused");
    const bytes = todo.reduce((n, i) => n + i.file.size, 0);
    const sent = todo.reduce((n, i) => n + (i.status === "done" ? i.file.size : i.sent), 0);
    const counts = (s) => this.items.filter((i) => i.status === s).length;
    this.bar.value = bytes ? Math.round((100 * sent) / bytes) : 100;
    this.summary.textContent =
      `${counts("done")} sent, ${counts("here")} already here` +
      (counts("refused") + counts("failed") ? `, ${counts("refused") + counts("failed")} not sent` : "") +
      ` · ${sizeText(sent)} of ${sizeText(bytes)}`;
    this.root.dataset.sent = String(counts("done"));
    this.root.dataset.here = String(counts("here"));
  }

  async run() {
    this.busy = true;
    this.root.dataset.busy = "1";
    try {
      for (const item of this.items.filter((i) => i.status === "new")) {
        if (item.file.size > this.max || item.file.size === 0) {
          this.show(item, "refused", item.file.size ? "too large" : "empty file");
          continue;
        }
        this.show(item, "hashing", "checking…", 0);
        item.sha = await hashFile(item.file, (f) => this.show(item, "hashing", `checking ${Math.round(f * 100)}%`));
        item.taken = await takenMonth(item.file).catch(() => "");
        this.show(item, "hashed", "waiting", 0);
      }
      const waiting = this.items.filter((i) => i.status === "hashed");
      for (let at = 0; at < waiting.length; at += 500) await this.check(waiting.slice(at, at + 500));
      for (const item of this.items.filter((i) => i.status === "queued")) await this.send(item);
    } finally {
      this.busy = false;
      delete this.root.dataset.busy;
      this.stateText.textContent = "";
      this.total();
      if (this.items.some((i) => i.status === "new")) this.run();
    }
  }

  async request(method, url, body, type) {
    const headers = { "X-CSRF-Token": this.csrf };
    if (type) headers["Content-Type"] = type;
    return fetch(url, { method, headers, body, credentials: "same-origin", cache: "no-store" });
  }

  async check(batch) {
    const body = JSON.stringify({ files: batch.map((i) => ({ sha256: i.sha, size: i.file.size, name: i.file.name })) });
    const answer = await this.retrying(() => this.request("POST", "/upload/check", body, "application/json"));
    if (!answer.ok) {
      for (const item of batch) this.show(item, "failed", `not sent: ${(await this.detail(answer)) || answer.status}`);
      return;
    }
    const { have, offsets, refused } = await answer.json();
    for (const item of batch) {
      if (have.includes(item.sha)) this.show(item, "here", "already here", 1);
      else if (refused[item.sha]) this.show(item, "refused", `not sent: ${refused[item.sha]}`);
      else {
        item.sent = offsets[item.sha] || 0;
        this.show(item, "queued", item.sent ? "sending resumes" : "to send", item.sent / item.file.size);
      }
    }
  }

  async detail(response) {
    try { return (await response.json()).detail; } catch (e) { return ""; }
  }

  // fetch until an answer comes back, waiting for the network between tries (a cut connection,
  // airplane mode, a locked screen that suspended the page).
  async retrying(attempt) {
    for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
      try {
        const response = await attempt();
        this.stateText.textContent = "";
        return response;
      } catch (e) {
        this.stateText.textContent = "waiting for the connection…";
        this.root.dataset.waiting = "1";
        await Promise.race([sleep(wait), new Promise((resolve) => { this.wake = resolve; })]);
        delete this.root.dataset.waiting;
      }
    }
  }

  async send(item) {
    const { file, sha } = item;
    let restarts = 0;
    const base = `/upload/${sha}/${file.size}`;
    const query =
      `&name=${encodeURIComponent(file.name)}&modified=${file.lastModified || ""}` + (item.taken ? `&taken=${item.taken}` : "");
    while (true) {
      this.show(item, "sending", `sending ${Math.round((100 * item.sent) / file.size)}%`, item.sent / file.size);
      const at = item.sent;
      const piece = file.slice(at, Math.min(file.size, at + this.chunk));
      let response;
      try {
        response = await this.request("PUT", `${base}?offset=${at}${query}`, piece, "application/octet-stream");
      } catch (e) {
        // The connection broke mid-chunk: the server kept what arrived; ask it where to go on.
        const asked = await this.retrying(() => this.request("GET", base));
        if (asked.ok) item.sent = (await asked.json()).offset;
        continue;
      }
      if (response.status === 201) {
        const { path } = await response.json();
        item.sent = file.size;
        this.show(item, "done", `sent: ${path}`, 1);
        return;
      }
      const answer = await response.json().catch(() => ({}));
      if (response.ok) item.sent = answer.offset;
      else if (response.status === 409) {
        if (typeof answer.offset === "number") item.sent = answer.offset;
        else await sleep(1000);
      } else if (response.status === 422 && restarts++ < 2) {
        item.sent = 0; // it arrived different (a changed file, a broken network): send it again
      } else if (response.status === 401) {
        this.show(item, "failed", "log in again, then pick the files again");
        return;
      } else {
        this.show(item, "failed", `not sent: ${answer.detail || response.status}`);
        return;
      }
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("upload");
  if (!root) return;
  const uploader = new Uploader(root);
  const input = document.getElementById("upload-files");
  input.addEventListener("change", () => {
    uploader.add(Array.from(input.files));
    input.value = "";
  });
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/upload/sw.js", { scope: "/upload/" }).catch(() => {});
  }
  window.camrollUploader = uploader; // for the tests, and for a curious person in the console
});

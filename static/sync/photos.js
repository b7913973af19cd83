/**
 * The photo upload queue: incident photos resized on the device wait in IndexedDB and go
 * up in chunks (`PUT /api/photos/<sha256>` with `Content-Range`), resuming from the
 * server's `Upload-Offset` after a lost connection or a closed app. It runs on its own,
 * so a slow photo never holds back the data sync (the incident names the photo by its
 * digest and is pushed at once).
 */
import { retryDelay } from "./backoff.js";
import { defaultSleep } from "./sync-client.js";

export const CHUNK_BYTES = 256 * 1024;

/** Resize an image file to at most `max` px on its long side, as JPEG; returns `{blob, sha256}`. */
export async function preparePhoto(file, max = 1600, quality = 0.8) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality });
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { blob, sha256, type: "image/jpeg" };
}

export class PhotoQueue extends EventTarget {
  constructor({ store, fetch, base = "", sleep = defaultSleep }) {
    super();
    Object.assign(this, { store, fetchFn: fetch, base, sleep });
    this.wake = new AbortController();
    this.stopped = false;
  }

  kick() { this.wake.abort(); }
  stop() { this.stopped = true; this.kick(); }

  async _headers() {
    const session = await this.store.session();
    return session && session.token && !session.paused ? { Authorization: `Bearer ${session.token}` } : null;
  }

  /** Upload one photo from where the server left off. Returns `done`, `retry` or `auth`. */
  async upload(photo) {
    const auth = await this._headers();
    if (!auth) return "auth";
    const url = `${this.base}/api/photos/${photo.sha256}`;
    try {
      const head = await this.fetchFn(url, { method: "HEAD", headers: auth });
      if (head.status === 401) return "auth";
      let offset = head.status === 200 ? Number(head.headers.get("Upload-Offset") || 0) : 0;
      if (head.status === 200 && head.headers.get("Upload-Complete") === "?1") offset = photo.size;
      while (offset < photo.size) {
        const end = Math.min(photo.size, offset + CHUNK_BYTES);
        const resp = await this.fetchFn(url, {
          method: "PUT", body: photo.blob.slice(offset, end),
          headers: { ...auth, "Content-Type": photo.type, "Content-Range": `bytes ${offset}-${end - 1}/${photo.size}` },
        });
        if (resp.status === 401) return "auth";
        if (resp.status === 409) { offset = Number((await resp.json()).received || 0); continue; }
        if (resp.status >= 500) return "retry";
        if (resp.status >= 400) {
          const problem = await resp.json().catch(() => ({}));
          await this.store.putPhoto({ ...photo, state: "rejected", error: problem.code || `http_${resp.status}` });
          return "done";
        }
        offset = end;
        await this.store.putPhoto({ ...photo, uploaded: offset, state: offset < photo.size ? "partial" : "queued" });
      }
      // Uploaded: the bytes are the server's now; keep the note, free the phone's storage.
      await this.store.putPhoto({ sha256: photo.sha256, size: photo.size, uploaded: photo.size, state: "uploaded", staff_id: photo.staff_id });
      this.dispatchEvent(new CustomEvent("changed"));
      return "done";
    } catch {
      return "retry";
    }
  }

  /** Upload queued photos until `stop()`; sleeps when idle, offline or signed out. */
  async run() {
    let attempt = 0;
    while (!this.stopped) {
      if (this.wake.signal.aborted) this.wake = new AbortController();
      const signal = this.wake.signal;
      const waiting = (await this.store.photos()).filter((p) => p.state === "queued" || p.state === "partial");
      let outcome = "idle";
      for (const photo of waiting) {
        outcome = await this.upload(photo);
        if (outcome !== "done") break;
      }
      if (outcome === "retry") await this.sleep(retryDelay(attempt++), signal);
      else { attempt = 0; await this.sleep(60 * 1000, signal); }
    }
  }
}

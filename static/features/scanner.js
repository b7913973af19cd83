/**
 * The camera QR scanner: frames from the back camera go to a worker running jsQR
 * (BarcodeDetector is missing on iOS Safari and on Chromium for Linux). Resolves with
 * the first decoded text; `stop()` releases the camera.
 */
export function startScanner(video, onText, onError) {
  let stream = null;
  let stopped = false;
  let busy = false;
  const worker = new Worker("/static/features/qr-worker.js");
  const canvas = document.createElement("canvas");
  worker.onmessage = (event) => {
    busy = false;
    if (event.data && !stopped) onText(event.data);
  };
  const tick = () => {
    if (stopped) return;
    if (!busy && video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      busy = true;
      worker.postMessage({ width: image.width, height: image.height, buffer: image.data.buffer }, [image.data.buffer]);
    }
    setTimeout(tick, 150);
  };
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
    .then((s) => {
      stream = s;
      if (stopped) { s.getTracks().forEach((tr) => tr.stop()); return; }
      video.srcObject = s;
      video.play().catch(() => {});
      tick();
    })
    .catch((err) => onError(err && err.name ? err.name : String(err)));
  return {
    stop() {
      stopped = true;
      worker.terminate();
      if (stream) stream.getTracks().forEach((tr) => tr.stop());
    },
  };
}

/**
 * The checkpoint code in a label's payload (`bfo://checkpoint?v=1&branch=…&code=…`) or a
 * typed code. Returns `{code, branch}`; `code` null when it is not a checkpoint label.
 */
export function parseCheckpoint(text) {
  const value = String(text || "").trim();
  if (!value.startsWith("bfo://")) return { code: value || null, branch: null };
  try {
    const url = new URL(value);
    if (url.host !== "checkpoint" && !url.pathname.includes("checkpoint")) return { code: null, branch: null };
    if (url.searchParams.get("v") !== "1") return { code: null, branch: null };
    return { code: url.searchParams.get("code"), branch: url.searchParams.get("branch") };
  } catch {
    return { code: null, branch: null };
  }
}

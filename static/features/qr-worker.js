/* Decodes QR codes off the main thread with the vendored jsQR (loaded only when the camera opens). */
importScripts("/static/vendor/jsqr/jsQR.js");

self.onmessage = (event) => {
  const { width, height, buffer } = event.data;
  const found = self.jsQR(new Uint8ClampedArray(buffer), width, height, { inversionAttempts: "dontInvert" });
  self.postMessage(found ? found.data : null);
};

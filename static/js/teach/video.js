// Slides (design.md §11): the playback as a WebM video — the map over its loss plot, drawn frame by
// frame into a canvas that the browser's MediaRecorder records — and the plot set as one
// projector-sized PNG. Each frame is the trail at one step (figures/trail.js; in network mode the
// landscape's paths, figures/landscape.js), taken with Plotly.toImage. One recorder serves both modes:
// each mode hands it a small record of its plots and its result (`modes` below).

import { download } from "./export.js";

/** At most this many frames (evenly spaced steps, the last one included), shown FRAME_MS each. */
const MAX_FRAMES = 60;
const FRAME_MS = 100;
/** The video's size: the map over the loss plot, 16:9 on its side for a projector's half. */
const MAP_SIZE = { width: 720, height: 560 };
const LOSS_SIZE = { width: 720, height: 200 };
/** A projector's slide: the plot set as one PNG. */
const SLIDE = { width: 1920, height: 1080 };
const WEBM = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/** The steps the video shows: 0 … steps, at most MAX_FRAMES of them. */
export function frameSteps(steps) {
  const count = Math.min(steps + 1, MAX_FRAMES);
  return Array.from({ length: count }, (_, i) => Math.round((i * steps) / Math.max(count - 1, 1)));
}

async function imageOf(Plotly, element, size) {
  const image = new Image();
  image.src = await Plotly.toImage(element, { format: "png", ...size });
  await image.decode();
  return image;
}

/** Wait until the map draws no path longer than step k's (the renderer draws at the next frame). */
async function drawnUpTo(map, k) {
  for (let tries = 0; tries < 120; tries++) {
    await nextFrame();
    const paths = (map.data ?? []).filter((trace) => trace.meta?.role === "path");
    if (paths.length && paths.every((trace) => trace.x.length <= k + 1)) return;
  }
}

/**
 * The export buttons: `export-video` records the trail playback as WebM; `export-slides` saves the map,
 * loss and LR plots as one 1920×1080 PNG. `modes`: per page mode (`state.mode`) the record
 * {getPlots, results, map, loss, lr} — `getPlots()` its plots (null before Plotly.js has come),
 * `results(state)` the result it shows, and the three plots' elements (its map is the landscape in
 * network mode, its loss plot the loss per epoch).
 */
export function installSlideExports({ store, modes, buttons, notice }) {
  const { state } = store;
  const { videoButton, slidesButton } = buttons;

  async function recordVideo() {
    const { getPlots, results: resultsOf, map, loss } = modes[state.mode];
    const plots = getPlots();
    const results = resultsOf(state);
    if (!plots || !results?.finishedAt) return;
    const mimeType = WEBM.find((type) => window.MediaRecorder?.isTypeSupported(type));
    if (!mimeType) {
      notice("This browser cannot record video (no WebM MediaRecorder).");
      return;
    }
    const { Plotly } = plots;
    const canvas = Object.assign(document.createElement("canvas"), {
      width: MAP_SIZE.width, height: MAP_SIZE.height + LOSS_SIZE.height,
    });
    const context = canvas.getContext("2d");
    const stream = canvas.captureStream(0);
    const [track] = stream.getVideoTracks();
    const recorder = new MediaRecorder(stream, { mimeType });
    const chunks = [];
    recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
    const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve));
    const before = { trail: state.view.trail, step: state.view.cursor.step };
    videoButton.disabled = true;
    videoButton.setAttribute("aria-busy", "true");
    recorder.start();
    try {
      for (const k of frameSteps(results.steps)) {
        store.update((s) => {
          s.view.trail = true;
          Object.assign(s.view.cursor, { step: k, playing: false });
        }, { view: true, cursor: true });
        await drawnUpTo(map, k);
        const [mapImage, lossImage] = [await imageOf(Plotly, map, MAP_SIZE), await imageOf(Plotly, loss, LOSS_SIZE)];
        context.drawImage(mapImage, 0, 0);
        context.drawImage(lossImage, 0, MAP_SIZE.height);
        track.requestFrame();
        await sleep(FRAME_MS);
      }
    } finally {
      recorder.stop();
      await stopped;
      track.stop();
      store.update((s) => {
        s.view.trail = before.trail;
        s.view.cursor.step = before.step;
      }, { view: true, cursor: true });
      videoButton.disabled = false;
      videoButton.removeAttribute("aria-busy");
    }
    download("optimlab-playback.webm", "video/webm", new Blob(chunks, { type: mimeType }));
  }

  /** One 1920×1080 slide: the map on the left, the loss plot over the LR plot on the right. */
  async function saveSlide() {
    const { getPlots, map, loss, lr } = modes[state.mode];
    const plots = getPlots();
    if (!plots || !map.data) return;
    const side = { width: SLIDE.width - SLIDE.height, height: SLIDE.height / 2 };
    const canvas = Object.assign(document.createElement("canvas"), SLIDE);
    const context = canvas.getContext("2d");
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, SLIDE.width, SLIDE.height);
    context.drawImage(await imageOf(plots.Plotly, map, { width: SLIDE.height, height: SLIDE.height }), 0, 0);
    context.drawImage(await imageOf(plots.Plotly, loss, side), SLIDE.height, 0);
    context.drawImage(await imageOf(plots.Plotly, lr, side), SLIDE.height, side.height);
    const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    download("optimlab-slide.png", "image/png", png);
  }

  videoButton.addEventListener("click", () => recordVideo().catch((error) => notice(`No video: ${error.message}`)));
  slidesButton.addEventListener("click", () => saveSlide().catch((error) => notice(`No slide: ${error.message}`)));
}

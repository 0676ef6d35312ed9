// The page: loads the run's policy and rules, runs the game at 60 frames a second, draws it, and
// reads the person's keys (arrows or W/S) and touches. window.rlkitPage is what the browser test
// drives: it plays seeded games at full speed, runs the policy on given observations and reads
// the frame rate and the inference times.
import { Match } from "./match.mjs";
import { inputShape } from "./observations.mjs";
import { loadOrt, Policy, softmax } from "./policy.mjs";
import { ACTION_NAMES, DOWN, PIXELS, STAY, UP, keysToAction } from "./pong.mjs";

const FRAME_MS = 1000 / 60;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const page = (window.rlkitPage = { errors: [], frames: 0, fps: 0, frameTimes: [] });
const held = { up: false, down: false };
let touchY = null;

function report(error) {
  const text = error?.message ?? String(error);
  page.errors.push(text);
  $("status").textContent = `error: ${text}`;
}
window.addEventListener("error", (e) => report(e.error ?? e.message));
window.addEventListener("unhandledrejection", (e) => report(e.reason));

const KEYS = { ArrowUp: "up", KeyW: "up", ArrowDown: "down", KeyS: "down" };
function onKey(event, down) {
  const key = KEYS[event.code];
  if (key) {
    held[key] = down;
    event.preventDefault(); // the arrows would scroll the page
  } else if (down && (event.code === "Space" || event.code === "Enter") && page.match?.over) {
    newGame();
  }
}
window.addEventListener("keydown", (e) => onKey(e, true));
window.addEventListener("keyup", (e) => onKey(e, false));

function fieldY(touch) {
  const rect = $("field").getBoundingClientRect();
  return ((touch.clientY - rect.top) / rect.height) * page.config.rules.height;
}
function onTouch(event) {
  event.preventDefault();
  if (page.match?.over && event.type === "touchstart") return newGame();
  touchY = event.touches.length ? fieldY(event.touches[0]) : null;
}

/** The person's action: toward the finger while touching, else the keys held. */
function humanAction() {
  if (page.opponent === "scripted") return null;
  if (touchY === null) return keysToAction(held.up, held.down);
  const rules = page.config.rules;
  const centre = page.match.core.opponentY + rules.paddle_height / 2;
  if (Math.abs(touchY - centre) <= rules.paddle_speed) return STAY;
  return touchY > centre ? DOWN : UP;
}

function draw(core) {
  const r = core.rules;
  const ctx = $("field").getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, r.width, r.height);
  ctx.fillStyle = "#969696";
  ctx.fillRect(0, 0, r.width, r.wall);
  ctx.fillRect(0, r.height - r.wall, r.width, r.wall);
  ctx.fillStyle = "#fff";
  if (core.versus) {
    ctx.fillStyle = "#464646";
    for (let y = r.wall; y < r.height - r.wall; y += 30) ctx.fillRect(r.width / 2 - 2, y + 5, 4, 15);
    ctx.fillStyle = "#fff";
    ctx.fillRect(core.opponentX, core.opponentY, r.paddle_width, r.paddle_height);
  } else {
    ctx.fillStyle = "#969696";
    ctx.fillRect(0, 0, r.wall, r.height);
    ctx.fillStyle = "#fff";
  }
  ctx.fillRect(r.paddle_x, core.paddleY, r.paddle_width, r.paddle_height);
  ctx.fillRect(core.ballX, core.ballY, r.ball_size, r.ball_size);
  ctx.font = "48px sans-serif";
  ctx.textAlign = "center";
  const text = core.versus ? `${core.score[1]}      ${core.score[0]}` : `returns ${core.returns}`;
  ctx.fillText(text, r.width / 2, r.wall + 52);
  ctx.font = "16px sans-serif";
  ctx.fillStyle = "#888";
  if (core.versus) ctx.fillText(page.opponent === "scripted" ? "scripted player" : "you", r.width / 4, r.wall + 30);
  ctx.fillText("agent", (3 * r.width) / 4, r.wall + 30);
}

/** The agent's 84x84 view (pixel runs): the newest frame of its stack. */
function drawEyes(match) {
  if (page.config.rules.obs_type !== "pixels") return;
  const frame = match.input.subarray(match.input.length - PIXELS * PIXELS);
  const image = new ImageData(PIXELS, PIXELS);
  frame.forEach((grey, i) => image.data.set([grey, grey, grey, 255], 4 * i));
  $("eyes").getContext("2d").putImageData(image, 0, 0);
}

function drawScores(match) {
  const scores = match.decision.scores;
  const shown = page.config.output_kind === "logits" ? softmax(scores) : scores;
  // Probabilities on 0..1; Q-values around their spread, so that small gaps between close
  // values still show (the smallest keeps a third of the bar).
  const [top, bottom] = [Math.max(...shown), Math.min(...shown)];
  const low = page.config.output_kind === "logits" ? 0 : bottom - (top - bottom) / 2;
  const span = page.config.output_kind === "logits" ? 1 : top - low || 1;
  $("scores").innerHTML = shown
    .map((v, i) => {
      const width = (100 * (v - low)) / span;
      const chosen = i === match.decision.action ? " chosen" : "";
      return `<div class="bar${chosen}"><span>${ACTION_NAMES[i]}</span><i style="width:${width}%"></i><b>${v.toFixed(4)}</b></div>`;
    })
    .join("");
}

function drawHud(match) {
  const ms = match.inferenceMs.slice(-60);
  const meanMs = ms.reduce((a, b) => a + b, 0) / Math.max(ms.length, 1);
  $("kind").textContent = page.config.output_kind === "logits" ? "the agent's action probabilities" : "the agent's Q-values";
  $("fps").textContent = `${page.fps.toFixed(0)} fps`;
  $("ms").textContent = `${meanMs.toFixed(2)} ms per action`;
  drawScores(match);
  drawEyes(match);
  const core = match.core;
  if (match.over) {
    const won = core.versus ? core.score[0] > core.score[1] : false;
    const who = page.opponent === "scripted" ? "The scripted player" : "You";
    const result = core.versus ? (won ? "The agent wins" : `${who} win${who === "You" ? "" : "s"}`) : "Missed";
    $("status").textContent = `${result} ${core.score[1]}-${core.score[0]}. Space, Enter or a tap: new game.`;
  }
}

function countFrame(now) {
  page.frameTimes.push(now);
  while (page.frameTimes.length && page.frameTimes[0] < now - 1000) page.frameTimes.shift();
  page.fps = page.frameTimes.length;
}

let last = null;
let backlog = 0;
async function tick(now) {
  // A fixed 60 Hz physics clock: a slow display frame runs two physics frames, a fast one none.
  backlog = Math.min(backlog + (last === null ? FRAME_MS : now - last), 4 * FRAME_MS);
  last = now;
  const match = page.match;
  while (backlog >= FRAME_MS && !match.over) {
    await match.frame(humanAction());
    backlog -= FRAME_MS;
    page.frames += 1;
  }
  draw(match.core);
  drawHud(match);
  countFrame(now);
  requestAnimationFrame(tick);
}

async function newGame() {
  $("status").textContent = "";
  await page.match.reset(params.has("seed") ? BigInt(params.get("seed")) : null);
}

function setOpponent(opponent) {
  page.opponent = opponent;
  $("opponent").textContent = opponent === "scripted" ? "watch: agent vs the scripted player" : "you play the left paddle";
  $("switch").textContent = opponent === "scripted" ? "Play it yourself" : "Watch it play the scripted player";
}

async function start() {
  const config = (page.config = await (await fetch("config.json")).json());
  const ep = params.get("ep") === "webgpu" && navigator.gpu ? "webgpu" : "wasm";
  const ort = await loadOrt(ep);
  const shape = inputShape(config.rules.obs_type, config.frame_stack);
  page.policy = await Policy.create(ort, "policy.onnx", config, shape, ep);
  page.executionProvider = ep;
  page.match = new Match(config, page.policy);
  setOpponent(params.get("opponent") === "scripted" || config.rules.mode === "squash" ? "scripted" : "human");
  $("switch").hidden = config.rules.mode === "squash"; // squash has no left paddle to play
  $("switch").onclick = () => { setOpponent(page.opponent === "scripted" ? "human" : "scripted"); newGame(); };
  $("run").textContent = `${config.agent} on ${config.env} (${config.rules.obs_type}, frame_skip ${config.rules.frame_skip}) from ${config.run}, ${ep.toUpperCase()}`;
  $("eyes").hidden = config.rules.obs_type !== "pixels";
  for (const type of ["touchstart", "touchmove", "touchend", "touchcancel"]) {
    $("field").addEventListener(type, onTouch, { passive: false });
  }
  await newGame();
  requestAnimationFrame(tick);
}

/** Test hooks: seeded games at full speed against the scripted player, the graph's outputs. */
page.playGames = async (seeds) => {
  const match = new Match(page.config, page.policy);
  const games = [];
  for (const seed of seeds) games.push(await match.playGame(BigInt(seed)));
  return { games, inferenceMs: match.inferenceMs };
};
page.framesGame = async (seed) => {
  // The same game one display frame at a time (the visible loop's path), without waiting.
  const match = new Match(page.config, page.policy);
  await match.reset(BigInt(seed));
  let steps = 0;
  while (!match.over) {
    await match.frame(null);
    if (match.frameInStep === 0) steps += 1;
  }
  return { seed: String(seed), score: [...match.core.score], steps };
};
page.timeActions = async (n) => {
  // n sequential actions on the current input, timed as one span: performance.now() is coarse
  // (0.1 ms in a page that is not cross-origin isolated), a span of many calls is not.
  const input = page.match.input;
  const started = performance.now();
  for (let i = 0; i < n; i++) await page.policy.act(input);
  return (performance.now() - started) / n;
};
page.skip = async (steps) => {
  // Fast-forward the visible game against the scripted player (for a screenshot mid-game).
  for (let i = 0; i < steps && !page.match.over; i++) await page.match.step();
};
page.outputs = async (flat, n, url = null) => {
  // url: another ONNX file of the same input (the test compares a second net this way).
  const policy = url ? await Policy.create(page.policy.ort, url, page.config, page.policy.shape) : page.policy;
  return Array.from(await policy.outputs(flat, n));
};
page.ready = start().catch((e) => {
  report(e);
  throw e;
});

// Drives a served rlkit.web page in headless chromium (playwright-core, pointed at the system's
// chromium: nothing is downloaded), for tests/web/test_browser.py.
//
//   node tests/web/browser_check.mjs <spec.json> <result.json>
//
// spec: {"playwright": <path of playwright-core>, "chromium": <executable>, "url": ...,
//        "seeds": [...], "observations": [...flat], "count": n, "fps_seconds": s,
//        "screenshot": <png path>}
// result: console errors, the graph's outputs, the seeded games (step and frame paths), the
// frame rate, the inference times, the human paddle's y before and after the keys.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { chromium } = await import(pathToFileURL(`${spec.playwright}/index.mjs`).href);
const result = { console_errors: [] };
const browser = await chromium.launch({
  executablePath: spec.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 680 } });
  page.on("console", (m) => m.type() === "error" && result.console_errors.push(m.text()));
  page.on("pageerror", (e) => result.console_errors.push(String(e)));

  if (spec.smoke) {
    // Another run's page: it loads, plays seeded games and times its actions, nothing more.
    await page.goto(`${spec.url}?opponent=scripted`);
    await page.evaluate(() => window.rlkitPage.ready);
    const frames0 = await page.evaluate(() => window.rlkitPage.frames);
    await page.waitForTimeout(3000);
    result.physics_fps = ((await page.evaluate(() => window.rlkitPage.frames)) - frames0) / 3;
    result.visible_inference_ms = await page.evaluate(() => window.rlkitPage.match.inferenceMs.slice(5));
    await page.screenshot({ path: spec.screenshot });
    result.step_games = await page.evaluate((s) => window.rlkitPage.playGames(s), spec.seeds);
    result.ms_per_action = await page.evaluate(() => window.rlkitPage.timeActions(200));
    result.page_errors = await page.evaluate(() => window.rlkitPage.errors);
    writeFileSync(process.argv[3], JSON.stringify(result));
    process.exit(0);
  }

  // The agent against the scripted player: the page's own loop, then seeded games at full speed.
  await page.goto(`${spec.url}?opponent=scripted`);
  await page.waitForFunction(() => window.rlkitPage?.match?.decision);
  await page.evaluate(() => window.rlkitPage.ready);
  const frames0 = await page.evaluate(() => window.rlkitPage.frames);
  const t0 = Date.now();
  await page.waitForTimeout(spec.fps_seconds * 1000);
  const frames1 = await page.evaluate(() => window.rlkitPage.frames);
  result.physics_fps = ((frames1 - frames0) * 1000) / (Date.now() - t0);
  result.display_fps = await page.evaluate(() => window.rlkitPage.fps);
  result.visible_inference_ms = await page.evaluate(() => window.rlkitPage.match.inferenceMs.slice(10));
  result.ms_per_action = await page.evaluate(() => window.rlkitPage.timeActions(2000));
  await page.evaluate((n) => window.rlkitPage.skip(n), spec.skip_steps ?? 0);
  await page.waitForTimeout(1500); // the frame counter refills after the fast-forward
  await page.screenshot({ path: spec.screenshot });
  result.outputs = await page.evaluate(([o, n]) => window.rlkitPage.outputs(o, n), [spec.observations, spec.count]);
  if (spec.second_policy) {
    result.second_outputs = await page.evaluate(
      ([o, n, url]) => window.rlkitPage.outputs(o, n, url),
      [spec.observations, spec.count, spec.second_policy],
    );
  }
  result.step_games = await page.evaluate((s) => window.rlkitPage.playGames(s), spec.seeds);
  result.frame_games = await page.evaluate(async (s) => {
    const games = [];
    for (const seed of s) games.push(await window.rlkitPage.framesGame(seed));
    return games;
  }, spec.seeds.slice(0, 2));

  // A person: the keys move the left paddle (up arrow up, S down).
  await page.goto(spec.url);
  await page.waitForFunction(() => window.rlkitPage?.match?.decision);
  const y = () => page.evaluate(() => window.rlkitPage.match.core.opponentY);
  result.human_y = [await y()];
  await page.keyboard.down("ArrowUp");
  await page.waitForTimeout(400);
  await page.keyboard.up("ArrowUp");
  result.human_y.push(await y());
  await page.keyboard.down("s");
  await page.waitForTimeout(800);
  await page.keyboard.up("s");
  result.human_y.push(await y());
  // A finger held near the top of the field, then near the bottom: the paddle follows it.
  const touch = (type, fraction) =>
    page.evaluate(
      ([type, fraction]) => {
        const field = document.getElementById("field");
        const rect = field.getBoundingClientRect();
        const point = { identifier: 1, target: field, clientX: rect.left + 40, clientY: rect.top + fraction * rect.height };
        const touches = type === "touchend" ? [] : [new Touch(point)];
        const init = { touches, targetTouches: touches, changedTouches: [new Touch(point)], bubbles: true, cancelable: true };
        field.dispatchEvent(new TouchEvent(type, init));
      },
      [type, fraction],
    );
  await touch("touchstart", 0.1);
  await page.waitForTimeout(1200);
  result.touch_y = [await y()];
  await touch("touchmove", 0.9);
  await page.waitForTimeout(1500);
  await touch("touchend", 0.9);
  result.touch_y.push(await y());
  result.page_errors = await page.evaluate(() => window.rlkitPage.errors);
} finally {
  await browser.close();
}
writeFileSync(process.argv[3], JSON.stringify(result));

// Plays seeded pong games through rlkit/web/static/pong.mjs under Node, for the parity test.
//
//   node tests/web/pong_trace.mjs <spec.json> <out prefix>
//
// spec: {"rules": {...}, "frame_stack": k|null, "max_episode_steps": n,
//        "episodes": [{"seed": s|null, "actions": [...], "opponent_actions": [...]|null}, ...]}
// Writes <prefix>.bin (every observation, the reset's first, as raw float32 or uint8 bytes) and
// <prefix>.json (per episode: rewards, terminated, truncated, final score).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const here = resolve(import.meta.dirname, "../../rlkit/web/static");
const { PongEnv } = await import(pathToFileURL(`${here}/pong.mjs`));
const { FrameStack } = await import(pathToFileURL(`${here}/observations.mjs`));

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const env = new PongEnv(spec.rules, spec.max_episode_steps);
const stack = new FrameStack(spec.frame_stack);
const chunks = [];
const episodes = [];
for (const episode of spec.episodes) {
  const seed = episode.seed === null ? null : BigInt(episode.seed);
  chunks.push(stack.reset(env.reset(seed).obs));
  const rewards = [];
  const terminated = [];
  const truncated = [];
  episode.actions.forEach((action, t) => {
    const opponent = episode.opponent_actions ? episode.opponent_actions[t] : null;
    const step = env.step(action, opponent);
    chunks.push(stack.push(step.obs));
    rewards.push(step.reward);
    terminated.push(step.terminated);
    truncated.push(step.truncated);
  });
  episodes.push({ rewards, terminated, truncated, score: env.info().score });
}
writeFileSync(`${process.argv[3]}.bin`, Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
writeFileSync(`${process.argv[3]}.json`, JSON.stringify(episodes));

// The page's observation pipeline under Node: a site's config.json into match.mjs's Match (the
// env, the frame stack, the input shape) with a stand-in policy that plays given actions and
// keeps every input the real policy would have been fed.
//
//   node tests/web/match_trace.mjs <site folder> <spec.json> <out.bin>
//
// spec: {"seed": s, "actions": [...]}; out.bin: every input, reset's first, as raw bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [site, specPath, outPath] = process.argv.slice(2);
const { Match } = await import(pathToFileURL(`${site}/match.mjs`).href);
const { inputShape } = await import(pathToFileURL(`${site}/observations.mjs`).href);
const config = JSON.parse(readFileSync(`${site}/config.json`, "utf8"));
const spec = JSON.parse(readFileSync(specPath, "utf8"));

const inputs = [];
let t = 0;
const policy = {
  lastMs: 0,
  async act(input) {
    inputs.push(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    return { scores: [0, 0, 0], action: spec.actions[Math.min(t++, spec.actions.length - 1)] };
  },
};
const match = new Match(config, policy);
await match.reset(BigInt(spec.seed));
for (let i = 0; i < spec.actions.length && !match.over; i++) await match.step();
const shape = inputShape(config.rules.obs_type, config.frame_stack);
writeFileSync(outPath, Buffer.concat(inputs));
console.log(JSON.stringify({ shape, inputs: inputs.length }));

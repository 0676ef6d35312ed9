// The run's policy in the page: ONNX Runtime Web (from ./ort/, never a CDN) running policy.onnx.
//
// The WASM backend runs by default: for the course's small nets it answers in well under a
// millisecond, and a GPU round trip would cost more than the net. ?ep=webgpu (in a browser that
// offers WebGPU) loads the WebGPU build instead, with WASM as its fallback.

/** onnxruntime-web's module, WASM or WebGPU build, with its files served from ./ort/. */
export async function loadOrt(executionProvider = "wasm") {
  const build = executionProvider === "webgpu" ? "ort.webgpu.min.mjs" : "ort.wasm.min.mjs";
  const ort = await import(new URL(`./ort/${build}`, import.meta.url).href);
  ort.env.wasm.wasmPaths = new URL("./ort/", import.meta.url).href;
  // One thread: threads need a cross-origin-isolated page, which a plain static host is not,
  // and a net this small gains nothing from them.
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = "error";
  return ort;
}

/** The index of the largest value (ties: the first, as numpy's argmax). */
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Softmax of logits (behaviour cloning's outputs shown as probabilities). */
export function softmax(logits) {
  const top = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

/** The exported graph and how to feed it (config.json: input name, dtype, one obs's shape). */
export class Policy {
  constructor(ort, session, config, shape) {
    this.ort = ort;
    this.session = session;
    this.config = config;
    this.shape = shape; // [1, ...observation]
    this.lastMs = 0;
  }

  static async create(ort, url, config, shape, executionProvider = "wasm") {
    const providers = executionProvider === "webgpu" ? ["webgpu", "wasm"] : ["wasm"];
    const session = await ort.InferenceSession.create(url, { executionProviders: providers });
    return new Policy(ort, session, config, shape);
  }

  /** The graph's outputs for a batch of observations (flat, n of them), as one flat array. */
  async outputs(flat, n = 1) {
    const dtype = this.config.input_dtype === "uint8" ? "uint8" : "float32";
    const data = dtype === "uint8" ? Uint8Array.from(flat) : Float32Array.from(flat);
    const tensor = new this.ort.Tensor(dtype, data, [n, ...this.shape.slice(1)]);
    const result = await this.session.run({ [this.config.input_name]: tensor });
    return result[this.config.output_name].data;
  }

  /** One observation's scores and greedy action, timing the call with performance.now(). */
  async act(observation) {
    const started = performance.now();
    const scores = await this.outputs(observation, 1);
    this.lastMs = performance.now() - started;
    return { scores: Array.from(scores), action: argmax(scores) };
  }
}

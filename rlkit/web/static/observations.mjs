// What the page feeds the policy: the env's observation, stacked as training stacked it, as a
// tensor of the exported graph's dtype and shape.
//
// Training wraps the env in Gymnasium's FrameStackObservation(env, k) when the env config has
// frame_stack (pixel pong: 4): the stack starts as k copies of the reset observation (its
// padding_type="reset") and each step drops the oldest. Normalisation is not done here: the
// vector and classic observations come out of the env already scaled, and a pixel network takes
// uint8 and divides by 255 inside the exported graph.

/** The last k observations, oldest first, as one flat typed array (Gymnasium's layout). */
export class FrameStack {
  /** @param {number|null} k frames to stack; null or 0: the observation passes unchanged. */
  constructor(k) {
    this.k = k || 0;
    this.frames = [];
  }

  /** Start a stack from a reset observation (k copies of it). */
  reset(obs) {
    this.frames = Array.from({ length: Math.max(this.k, 1) }, () => obs);
    return this.current();
  }

  /** Add a step's observation and return the stack. */
  push(obs) {
    if (this.k) {
      this.frames.shift();
      this.frames.push(obs);
    } else {
      this.frames = [obs];
    }
    return this.current();
  }

  /** The stack as one flat array of the observations' type. */
  current() {
    if (!this.k) return this.frames[0];
    const size = this.frames[0].length;
    const out = new this.frames[0].constructor(size * this.k);
    this.frames.forEach((frame, i) => out.set(frame, i * size));
    return out;
  }
}

/** The graph input's shape for one observation: [1, ...stack, ...obs shape]. */
export function inputShape(obsType, frameStack) {
  const single = obsType === "pixels" ? [84, 84] : [obsType === "vector" ? 6 : 3];
  return frameStack ? [1, frameStack, ...single] : [1, ...single];
}

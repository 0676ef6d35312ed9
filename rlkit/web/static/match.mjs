// A game between the agent (right paddle, acting every frame_skip frames through the policy) and
// a person or the scripted player (left paddle), one display frame at a time or as fast as it goes.
import { PongEnv } from "./pong.mjs";
import { FrameStack } from "./observations.mjs";

export class Match {
  constructor(config, policy) {
    this.config = config;
    this.policy = policy;
    this.env = new PongEnv(config.rules, config.max_episode_steps ?? undefined);
    this.stack = new FrameStack(config.frame_stack);
    this.frameInStep = 0;
    this.decision = null;
    this.over = false;
    this.inferenceMs = [];
  }

  get core() {
    return this.env.core;
  }

  /** A new game (seed: NumPy's seed of env.reset; null: fresh entropy) and the first action. */
  async reset(seed = null) {
    const { obs } = this.env.reset(seed);
    this.input = this.stack.reset(obs);
    this.frameInStep = 0;
    this.over = false;
    await this.decide();
  }

  async decide() {
    this.decision = await this.policy.act(this.input);
    this.inferenceMs.push(this.policy.lastMs);
  }

  /**
   * One physics frame (the display's 60 a second). The agent's action is held for frame_skip
   * frames, as in training; the person's paddle (humanAction; null: the scripted player) answers
   * every frame. With the scripted player this is PingPongEnv.step spread over frames.
   */
  async frame(humanAction = null) {
    if (this.over) return;
    const core = this.core;
    if (this.frameInStep === 0) {
      core.reward = 0.0;
      core.terminated = false;
    }
    const humanDy = humanAction === null ? null : core.moves[humanAction];
    core.frame(core.moves[this.decision.action], humanDy, !core.terminated);
    this.frameInStep += 1;
    if (this.frameInStep === core.rules.frame_skip) await this.#endStep();
  }

  async #endStep() {
    this.frameInStep = 0;
    this.env.elapsed += 1;
    this.input = this.stack.push(this.core.observe());
    this.over = this.core.terminated || this.env.elapsed >= this.env.maxEpisodeSteps;
    if (!this.over) await this.decide();
  }

  /** One env step against the scripted player (PongEnv.step), for games played at full speed. */
  async step() {
    const result = this.env.step(this.decision.action);
    this.input = this.stack.push(result.obs);
    this.over = result.terminated || result.truncated;
    if (!this.over) await this.decide();
    return result;
  }

  /** Play a whole game against the scripted player as fast as possible; its score and length. */
  async playGame(seed) {
    await this.reset(seed);
    let steps = 0;
    while (!this.over) {
      await this.step();
      steps += 1;
    }
    return { seed: String(seed), score: [...this.core.score], steps };
  }
}

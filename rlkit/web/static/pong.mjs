// rlkit's pong (envs/ping_pong) in JavaScript: the rules, the physics, the scoring, the
// observations and the scripted opponent of one game, as PongCore and PingPongEnv compute them.
//
// Every statement mirrors a line of envs/ping_pong/core.py in the same order of floating-point
// operations (JavaScript numbers are float64, as NumPy's state is; float32 observations are
// rounded with Math.fround where NumPy casts), and the serves come from NumPy's own random stream
// (rng.mjs). tests/web/test_pong_parity.py plays seeded games through both and fails on the first
// step whose observation, reward or episode end differs.
import { Generator, entropySeed } from "./rng.mjs";

export const STAY = 0;
export const DOWN = 1;
export const UP = 2;
export const ACTION_NAMES = ["stay", "down", "up"];
export const PIXELS = 84;
export const CLASSIC_SCALE = 705.0;
export const MIN_SLOPE = 0.5;
export const MAX_SLOPE = 1.5;
export const WALL_GREY = 96;
export const PADDLE_GREY = 192;
export const BALL_GREY = 255;
export const MAX_EPISODE_STEPS = 50000;

/** PongRules' defaults (rules.py); the page is given the run's own rules, these fill gaps. */
export const DEFAULT_RULES = Object.freeze({
  mode: "versus",
  obs_type: "vector",
  opponent_speed: 4.5,
  opponent_reaction: 6,
  points_to_win: 21,
  frame_skip: 1,
  width: 750,
  height: 585,
  wall: 15,
  paddle_width: 15,
  paddle_height: 75,
  paddle_x: 705,
  paddle_speed: 6.0,
  ball_size: 15,
  ball_speed_start: 2.0,
  ball_speedup: 0.5,
  ball_speed_max: 7.0,
});

/** The paddle's action for the keys held (rules.keys_to_action). */
export function keysToAction(up, down) {
  if (up && !down) return UP;
  if (down && !up) return DOWN;
  return STAY;
}

/** NumPy's rint: round half to even (so is Python's round). */
export function rint(x) {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function spriteSize(length, scale) {
  return Math.max(1, rint(length * scale));
}

function pixelStart(centre, scale, size) {
  return Math.min(Math.max(rint(centre * scale - size / 2), 0), PIXELS - size);
}

/** One game of PongCore: its state, one physics frame, the scoring and the observations. */
export class PongCore {
  constructor(rules = {}) {
    const r = (this.rules = { ...DEFAULT_RULES, ...rules });
    this.versus = r.mode === "versus";
    this.opponentX = r.width - r.paddle_x - r.paddle_width;
    this.ballX = this.ballY = this.ballVx = this.ballVy = 0;
    this.paddleY = this.opponentY = 0;
    this.score = [0, 0]; // [agent, opponent]; in squash [returns, misses]
    this.returns = 0;
    this.reward = 0;
    this.terminated = false;
    this.rng = null;
    // The scripted opponent heads for where the ball was opponent_reaction frames ago: a ring of
    // the paddle y that would have centred it on the ball.
    this.seen = new Float64Array(r.opponent_reaction + 1);
    this.seenAt = 0;
    this.seenShift = (r.ball_size - r.paddle_height) / 2;
    this.xBefore = 0;
    this.moves = [0.0, r.paddle_speed, -r.paddle_speed];
    this.paddleTop = r.wall;
    this.paddleBottom = r.height - r.wall - r.paddle_height;
    this.ballTop = r.wall;
    this.ballBottom = r.height - r.wall - r.ball_size;
    this.ballRight = r.width - r.ball_size;
    this.rightFaceX = r.paddle_x - r.ball_size;
    this.leftFaceX = this.opponentX + r.paddle_width;
    const max = r.ball_speed_max;
    this.vectorScale = [1 / r.width, 1 / r.height, 1 / max, 1 / max, 1 / r.height, 1 / r.height];
    this.#initPixels();
  }

  // --- episodes and serves ---------------------------------------------------------------

  /** A new game: 0-0, paddles centred, a serve. A seed restarts NumPy's stream, as env.reset(seed=). */
  reset(seed = null) {
    if (seed !== null && seed !== undefined) this.rng = new Generator(seed);
    else if (this.rng === null) this.rng = new Generator(entropySeed());
    const r = this.rules;
    this.score = [0, 0];
    this.returns = 0;
    this.paddleY = (r.height - r.paddle_height) / 2;
    this.opponentY = this.versus ? this.paddleY : 0.0;
    this.#serve();
    this.seen.fill(this.ballY + this.seenShift);
  }

  #serve() {
    const r = this.rules;
    // np_random.integers(0, 2, size=2) * 2 - 1: x's sign first, then y's.
    const signX = this.rng.integer(0, 2) * 2 - 1;
    const signY = this.rng.integer(0, 2) * 2 - 1;
    this.ballX = (r.width - r.ball_size) / 2;
    this.ballY = (r.height - r.ball_size) / 2;
    this.ballVx = signX * r.ball_speed_start;
    this.ballVy = signY * r.ball_speed_start;
  }

  // --- physics ---------------------------------------------------------------------------

  /**
   * frame_skip frames with the agent's action held; opponentAction null: the scripted opponent.
   * The results are in reward and terminated.
   */
  step(action, opponentAction = null) {
    this.reward = 0.0;
    this.terminated = false;
    const agentDy = this.moves[action];
    const opponentDy = opponentAction === null ? null : this.moves[opponentAction];
    for (let frame = 0; frame < this.rules.frame_skip; frame++) {
      // A game that ended in an earlier frame of the step freezes (its last observation stays).
      this.frame(agentDy, opponentDy, !this.terminated);
    }
  }

  /** One physics frame; a frozen (not live) game still runs the opponent's memory, as in Python. */
  frame(agentDy, opponentDy = null, live = true) {
    this.#movePaddles(agentDy, opponentDy, live);
    this.#moveBall(live);
    this.#bounceOffWalls();
    this.#hitAgentPaddle();
    if (this.versus) this.#hitOpponentPaddle();
    else this.#bounceOffLeftWall();
    this.#points(live);
  }

  #movePaddles(agentDy, opponentDy, live) {
    const agentMove = live ? agentDy : 0;
    this.paddleY = this.#clampPaddle(this.paddleY + agentMove);
    if (this.versus) {
      const move = opponentDy === null ? this.#scriptedOpponent() : opponentDy;
      this.opponentY = this.#clampPaddle(this.opponentY + (live ? move : 0));
    }
  }

  #clampPaddle(y) {
    return Math.min(Math.max(y, this.paddleTop), this.paddleBottom);
  }

  #moveBall(live) {
    this.xBefore = this.ballX;
    if (live) {
      this.ballX += this.ballVx;
      this.ballY += this.ballVy;
    }
  }

  #bounceOffWalls() {
    // Reflect the overshoot: the ball keeps its speed and never enters a wall.
    if (this.ballY < this.ballTop) {
      this.ballY = 2 * this.ballTop - this.ballY;
      this.ballVy = -this.ballVy;
    }
    if (this.ballY > this.ballBottom) {
      this.ballY = 2 * this.ballBottom - this.ballY;
      this.ballVy = -this.ballVy;
    }
  }

  #overlaps(paddleY) {
    const r = this.rules;
    return this.ballY + r.ball_size > paddleY && this.ballY < paddleY + r.paddle_height;
  }

  #hitAgentPaddle() {
    const face = this.rightFaceX;
    if (this.xBefore < face && this.ballX >= face && this.#overlaps(this.paddleY)) {
      this.#bounce(this.paddleY, -1.0);
      this.ballX = face;
      this.returns += 1;
      if (!this.versus) {
        this.reward += 1.0;
        this.score[0] += 1;
      }
    }
  }

  #hitOpponentPaddle() {
    const face = this.leftFaceX;
    if (this.xBefore > face && this.ballX <= face && this.#overlaps(this.opponentY)) {
      this.#bounce(this.opponentY, 1.0);
      this.ballX = face;
    }
  }

  #bounceOffLeftWall() {
    const wall = this.rules.wall;
    if (this.ballX < wall) {
      this.ballX = 2 * wall - this.ballX;
      this.ballVx = -this.ballVx;
    }
  }

  /** Send the ball back faster; the farther from the paddle's centre, the steeper. */
  #bounce(paddleY, away) {
    const r = this.rules;
    const speed = Math.min(Math.abs(this.ballVx) + r.ball_speedup, r.ball_speed_max);
    const offset =
      (this.ballY + r.ball_size / 2 - paddleY - r.paddle_height / 2) /
      ((r.paddle_height + r.ball_size) / 2);
    const slope = MIN_SLOPE + (MAX_SLOPE - MIN_SLOPE) * Math.abs(offset);
    const direction = offset === 0 ? Math.sign(this.ballVy) : Math.sign(offset);
    this.ballVx = away * speed;
    this.ballVy = direction * Math.min(speed * slope, r.ball_speed_max);
  }

  #scriptedOpponent() {
    this.seen[this.seenAt] = this.ballY + this.seenShift;
    this.seenAt = (this.seenAt + 1) % this.seen.length;
    const move = this.seen[this.seenAt] - this.opponentY; // the oldest entry
    const speed = this.rules.opponent_speed;
    return Math.min(Math.max(move, -speed), speed);
  }

  #points(live) {
    let missed = this.ballX >= this.ballRight; // past the agent: its miss
    let won = this.ballX <= 0; // past the opponent (never in squash: the wall reflects)
    if (!(missed || won)) return;
    missed &&= live;
    won &&= live;
    this.score[0] += Number(won);
    this.score[1] += Number(missed);
    // The ball of a point stays where it left the field, clamped into it.
    this.ballX = Math.min(Math.max(this.ballX, 0), this.ballRight);
    if (!this.versus) {
      this.terminated ||= missed;
      return;
    }
    this.reward += Number(won);
    this.reward -= Number(missed);
    const point = missed || won;
    const over = point && Math.max(...this.score) >= this.rules.points_to_win;
    this.terminated ||= over;
    if (point && !over) this.#serve();
  }

  // --- observations ----------------------------------------------------------------------

  /** The agent's observation (or, with left, the opponent's mirrored view). */
  observe(left = false) {
    const r = this.rules;
    if (r.obs_type === "classic") {
      const x = left ? this.ballRight - this.ballX : this.ballX;
      const paddle = left ? this.opponentY : this.paddleY;
      return Float32Array.from([x, this.ballY, paddle], (v) => v / CLASSIC_SCALE);
    }
    if (r.obs_type === "vector") {
      const state = [this.ballX, this.ballY, this.ballVx, this.ballVy, this.paddleY, this.opponentY];
      // np.multiply(..., dtype=float32) casts both sides to float32, then multiplies in float32.
      const obs = Float32Array.from(state, (v, i) => Math.fround(v) * Math.fround(this.vectorScale[i]));
      if (left) {
        obs[0] = Math.fround((r.width - r.ball_size) / r.width) - obs[0];
        obs[2] = -obs[2];
        [obs[4], obs[5]] = [obs[5], obs[4]];
      }
      return obs;
    }
    const frame = this.draw();
    return left ? mirrorPixels(frame) : frame;
  }

  #initPixels() {
    // Every object is a sprite of fixed size (its true size scaled, at least 1 px) placed at its
    // rounded scaled centre, as core.py's _init_pixels.
    const r = this.rules;
    const sx = PIXELS / r.width;
    const sy = PIXELS / r.height;
    const background = new Uint8Array(PIXELS * PIXELS);
    const wallRows = r.wall ? spriteSize(r.wall, sy) : 0;
    if (wallRows) {
      background.fill(WALL_GREY, 0, wallRows * PIXELS);
      background.fill(WALL_GREY, (PIXELS - wallRows) * PIXELS);
    }
    if (!this.versus && r.wall) {
      const cols = spriteSize(r.wall, sx);
      for (let row = 0; row < PIXELS; row++) background.fill(WALL_GREY, row * PIXELS, row * PIXELS + cols);
    }
    this.background = background;
    this.paddlePx = [spriteSize(r.paddle_height, sy), spriteSize(r.paddle_width, sx)];
    this.ballPx = [spriteSize(r.ball_size, sy), spriteSize(r.ball_size, sx)];
    this.paddleCols = [r.paddle_x, this.opponentX].map((x) =>
      pixelStart(x + r.paddle_width / 2, sx, this.paddlePx[1]),
    );
    // Per moving coordinate (paddle rows, ball row, ball column): scale, shift and last start.
    const sprite = (size, scale, px) => ({ scale, shift: (size / 2) * scale - px / 2, last: PIXELS - px });
    this.paddleRow = sprite(r.paddle_height, sy, this.paddlePx[0]);
    this.ballRow = sprite(r.ball_size, sy, this.ballPx[0]);
    this.ballCol = sprite(r.ball_size, sx, this.ballPx[1]);
  }

  /** The 84x84 grayscale frame (row-major Uint8Array), as PongCore._draw draws it. */
  draw(out = new Uint8Array(PIXELS * PIXELS)) {
    out.set(this.background);
    const start = (value, s) => Math.min(Math.max(rint(value * s.scale + s.shift), 0), s.last);
    const paddles = this.versus ? [this.paddleY, this.opponentY] : [this.paddleY];
    paddles.forEach((y, i) =>
      fillRect(out, start(y, this.paddleRow), this.paddleCols[i], this.paddlePx, PADDLE_GREY),
    );
    const ball = [start(this.ballY, this.ballRow), start(this.ballX, this.ballCol)];
    fillRect(out, ball[0], ball[1], this.ballPx, BALL_GREY);
    return out;
  }
}

function fillRect(frame, row, col, [rows, cols], grey) {
  for (let r = row; r < row + rows; r++) frame.fill(grey, r * PIXELS + col, r * PIXELS + col + cols);
}

/** A pixel frame flipped left to right (rules.mirror_observation for pixels). */
export function mirrorPixels(frame) {
  const out = new Uint8Array(frame.length);
  for (let row = 0; row < PIXELS; row++) {
    for (let col = 0; col < PIXELS; col++) out[row * PIXELS + col] = frame[row * PIXELS + PIXELS - 1 - col];
  }
  return out;
}

/**
 * PingPongEnv (with Gymnasium's time limit): reset(seed) and step(action) return what the Python
 * env returns. opponentAction in step: null for the scripted player, or a person's action held
 * for the step as rlkit.play's human opponent.
 */
export class PongEnv {
  constructor(rules = {}, maxEpisodeSteps = MAX_EPISODE_STEPS) {
    this.core = new PongCore(rules);
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.elapsed = 0;
  }

  reset(seed = null) {
    this.core.reset(seed);
    this.elapsed = 0;
    return { obs: this.core.observe(), info: this.info() };
  }

  step(action, opponentAction = null) {
    if (!Number.isInteger(action) || action < 0 || action > 2) {
      throw new RangeError(`action ${action} is outside Discrete(3); valid: 0 stay, 1 down, 2 up`);
    }
    this.core.step(action, opponentAction);
    this.elapsed += 1;
    return {
      obs: this.core.observe(),
      reward: this.core.reward,
      terminated: this.core.terminated,
      truncated: this.elapsed >= this.maxEpisodeSteps,
      info: this.info(),
    };
  }

  info() {
    return { score: [...this.core.score], returns: this.core.returns };
  }
}

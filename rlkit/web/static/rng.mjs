// NumPy's default random generator in JavaScript: SeedSequence -> PCG64 -> Generator.integers.
//
// Gymnasium seeds an env with np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed))),
// and pong draws its serves from it. The page re-implements that stream bit for bit instead of
// being handed Python's draws, so a page seeded like a Python env serves exactly as it does, with
// no Python at run time; tests/web/test_pong_parity.py checks the draws against NumPy's.
// References: numpy/random/bit_generator.pyx (SeedSequence), numpy/random/src/pcg64/pcg64.h
// (PCG64, XSL-RR output), numpy/random/src/distributions/distributions.c (Lemire's bounded
// integers).

const MASK32 = 0xffffffff;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const PCG_MULTIPLIER = (0x2360ed051fc65da4n << 64n) | 0x4385df649fccf645n;

// SeedSequence's hashing constants (bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16;
const POOL_SIZE = 4;

/** A non-negative integer seed (Number or BigInt) as NumPy's little-endian uint32 words. */
function seedWords(seed) {
  let value = BigInt(seed);
  if (value < 0n) throw new RangeError(`seed ${seed} must be >= 0`);
  const words = [];
  do {
    words.push(Number(value & 0xffffffffn));
    value >>= 32n;
  } while (value > 0n);
  return words;
}

function hashmix(value, hashConst) {
  value = (value ^ hashConst.value) >>> 0;
  hashConst.value = Math.imul(hashConst.value, MULT_A) >>> 0;
  value = Math.imul(value, hashConst.value) >>> 0;
  return (value ^ (value >>> XSHIFT)) >>> 0;
}

function mix(x, y) {
  const result = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
  return (result ^ (result >>> XSHIFT)) >>> 0;
}

/** np.random.SeedSequence(seed).generate_state(nWords, np.uint64), as BigInts. */
export function seedSequenceState(seed, nWords) {
  const entropy = seedWords(seed);
  const pool = new Array(POOL_SIZE).fill(0);
  const hashConst = { value: INIT_A };
  for (let i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0, hashConst);
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hashConst));
    }
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src], hashConst));
  }
  let h = INIT_B;
  const words32 = [];
  for (let i = 0; i < 2 * nWords; i++) {
    let value = (pool[i % POOL_SIZE] ^ h) >>> 0;
    h = Math.imul(h, MULT_B) >>> 0;
    value = Math.imul(value, h) >>> 0;
    words32.push((value ^ (value >>> XSHIFT)) >>> 0);
  }
  // Viewed as uint64 on a little-endian machine: the first uint32 is the low half.
  const out = [];
  for (let i = 0; i < nWords; i++) out.push(BigInt(words32[2 * i]) | (BigInt(words32[2 * i + 1]) << 32n));
  return out;
}

/** NumPy's PCG64 bit generator (128-bit LCG, XSL-RR output), seeded through SeedSequence. */
export class PCG64 {
  /** @param {number|bigint} seed a non-negative integer, as given to np.random.default_rng. */
  constructor(seed) {
    const [s0, s1, i0, i1] = seedSequenceState(seed, 4);
    const initState = (s0 << 64n) | s1;
    this.inc = ((((i0 << 64n) | i1) << 1n) | 1n) & MASK128;
    this.state = 0n;
    this.#advance();
    this.state = (this.state + initState) & MASK128;
    this.#advance();
    // next32 hands out the two halves of one 64-bit draw, low half first.
    this.hasUint32 = false;
    this.uinteger = 0;
  }

  #advance() {
    this.state = (this.state * PCG_MULTIPLIER + this.inc) & MASK128;
  }

  /** The next 64-bit output, as a BigInt. */
  next64() {
    this.#advance();
    const xored = ((this.state >> 64n) ^ this.state) & MASK64;
    const rot = this.state >> 122n;
    return ((xored >> rot) | (xored << ((64n - rot) & 63n))) & MASK64;
  }

  /** The next 32-bit output, as a Number. */
  next32() {
    if (this.hasUint32) {
      this.hasUint32 = false;
      return this.uinteger;
    }
    const next = this.next64();
    this.hasUint32 = true;
    this.uinteger = Number(next >> 32n);
    return Number(next & 0xffffffffn);
  }
}

/** The parts of np.random.Generator that pong uses. */
export class Generator {
  /** @param {number|bigint} seed as np.random.default_rng(seed). */
  constructor(seed) {
    this.bitGenerator = new PCG64(seed);
  }

  /**
   * Generator.integers(low, high) for one int64 in [low, high) with high - low <= 2**32: Lemire's
   * method on 32-bit draws, rejecting as NumPy does.
   */
  integer(low, high) {
    const range = high - low - 1; // NumPy's "rng": the largest offset
    if (range === 0) return low;
    if (range === MASK32) return low + this.bitGenerator.next32();
    const excl = BigInt(range + 1);
    let m = BigInt(this.bitGenerator.next32()) * excl;
    let leftover = m & 0xffffffffn;
    if (leftover < excl) {
      const threshold = BigInt((MASK32 - range) % (range + 1));
      while (leftover < threshold) {
        m = BigInt(this.bitGenerator.next32()) * excl;
        leftover = m & 0xffffffffn;
      }
    }
    return low + Number(m >> 32n);
  }
}

/** A fresh seed from the browser's (or Node's) entropy, for a game nobody seeded. */
export function entropySeed() {
  const words = new Uint32Array(4);
  globalThis.crypto.getRandomValues(words);
  return words.reduce((acc, w, i) => acc | (BigInt(w) << BigInt(32 * i)), 0n);
}

// A small, fast, seeded PRNG (mulberry32): the same seed gives the same
// sequence, so generated corpora and property tests can be replayed.
// No npm imports: tests load it before anything is installed.

/** A function returning numbers in [0, 1), determined by `seed`. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

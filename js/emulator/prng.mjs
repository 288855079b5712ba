// Deterministic randomness for the emulator: every draw comes from a seeded
// stream, so the same seed and the same request order give the same data,
// ids, statistics and faults. Streams are independent (one per label), so
// turning faults on does not change the ids the data stream hands out.

/** 32-bit FNV-1a hash of a string. */
export function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A seeded stream (mulberry32). `seed` may be a number or a string; `label`
 * names the stream so that streams of one seed do not repeat each other.
 */
export function createRng(seed, label = "") {
  let state = hash32(`${String(seed)}|${label}`) || 0x9e3779b9;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    /** A float in [0, 1). */
    next,
    /** An integer in [min, max] (both included). */
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    /** One element of a non-empty array. */
    pick(items) {
      return items[Math.floor(next() * items.length)];
    },
    /** A string of `length` characters drawn from `alphabet`. */
    chars(length, alphabet) {
      let out = "";
      for (let i = 0; i < length; i += 1) out += alphabet[Math.floor(next() * alphabet.length)];
      return out;
    },
    /** A GHL-style 20-character id (letters and digits). */
    ghlId() {
      return rng.chars(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    },
    /** A 24-hex-digit Mongo ObjectId-like id. */
    objectId() {
      return rng.chars(24, "0123456789abcdef");
    },
    /** A version-4-shaped UUID. */
    uuid() {
      const h = rng.chars(32, "0123456789abcdef");
      const variant = "89ab"[Math.floor(next() * 4)];
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
  return rng;
}

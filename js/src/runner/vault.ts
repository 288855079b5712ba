/**
 * Tokens at rest: AES-256-GCM from `node:crypto` (no crypto written here) with a 32-byte
 * key from the environment. A stored value is `v1.<iv>.<tag>.<ciphertext>` (base64url);
 * the associated data binds it to its secret's name, so a value copied under another
 * name does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { runnerError } from "./errors.js";

/** Encrypts and decrypts the runner's stored secrets. */
export interface Vault {
  /** Ciphertext of `plain`, bound to `name`. */
  seal(name: string, plain: unknown): string;
  /** The JSON value sealed under `name`; throws `VAULT_DECRYPT_FAILED` when it does not open. */
  open(name: string, sealed: string): unknown;
}

/** Reads a key: 32 bytes as 64 hex digits or as base64 / base64url (43-44 characters). */
export function parseVaultKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32)
    throw runnerError(
      "VAULT_KEY_INVALID",
      `${where}: the vault key must be 32 bytes (64 hex digits or base64), got ${key.length} bytes`,
      { at: where },
    );
  return key;
}

/** A vault with this key. */
export function createVault(key: Buffer): Vault {
  return {
    seal(name, plain) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(name, "utf8"));
      const body = Buffer.concat([c.update(JSON.stringify(plain), "utf8"), c.final()]);
      const parts = [iv, c.getAuthTag(), body].map((b) => b.toString("base64url"));
      return `v1.${parts.join(".")}`;
    },
    open(name, sealed) {
      const [v, iv, tag, body] = sealed.split(".");
      try {
        if (v !== "v1" || !iv || !tag || body === undefined) throw new Error("not a v1 value");
        const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        d.setAAD(Buffer.from(name, "utf8"));
        d.setAuthTag(Buffer.from(tag, "base64url"));
        const plain = Buffer.concat([d.update(Buffer.from(body, "base64url")), d.final()]);
        return JSON.parse(plain.toString("utf8"));
      } catch (e) {
        throw runnerError(
          "VAULT_DECRYPT_FAILED",
          `stored secret ${name} does not decrypt with the vault key (wrong key, or altered)`,
          { secret: name },
          e,
        );
      }
    },
  };
}

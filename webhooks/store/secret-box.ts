/**
 * Secrets this feature must be able to read back (outbound signing secrets,
 * generic-source HMAC secrets) are stored encrypted with the hub's master
 * keyring (core/secrets, AES-256-GCM). The row's identity is bound as
 * additional data, so a ciphertext copied to another row does not decrypt.
 */
import { decryptSecret, encryptSecret } from '../../core/secrets/cipher.js';
import type { Keyring } from '../../core/secrets/keyring.js';

export class SecretBox {
  constructor(private readonly keyring: Keyring) {}

  seal(plaintext: string, context: string): string {
    return encryptSecret(this.keyring, plaintext, context).text;
  }

  open(sealed: string, context: string): string {
    return decryptSecret(this.keyring, sealed, context);
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VerifierFormatError, createVerifier, isVerifier, verifyPassword } from '../../server/password-verifier';

describe('password-verifier', () => {
  describe('createVerifier', () => {
    it('stores scrypt with its cost parameters and a random salt, never the password', async () => {
      const one = await createVerifier('correct horse');
      const two = await createVerifier('correct horse');
      assert.match(one, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
      assert.notEqual(one, two, 'a fresh salt each time');
      assert.equal(one.includes('correct horse'), false);
      assert.equal(isVerifier(one), true);
    });
  });

  describe('verifyPassword', () => {
    it('accepts the password and refuses anything else (other case, other length, empty)', async () => {
      const verifier = await createVerifier('pw');
      assert.equal(await verifyPassword('pw', verifier), true);
      for (const guess of ['PW', 'pw ', 'p', '', 'pwpwpwpwpwpwpwpwpwpw']) assert.equal(await verifyPassword(guess, verifier), false, guess);
    });

    it('treats canonically equal Unicode spellings as the same password', async () => {
      const verifier = await createVerifier('caf\u00e9');
      assert.equal(await verifyPassword('cafe\u0301', verifier), true);
    });

    it('reads the cost parameters from the verifier, so stored rooms keep working when the defaults change', async () => {
      const verifier = await createVerifier('pw');
      const [, , , , salt] = verifier.split('$');
      // The same scheme with other parameters and a hash that cannot match: refused, not misread.
      assert.equal(await verifyPassword('pw', `scrypt$1024$8$1$${salt}$AAAA`), false);
    });

    it('rejects an unreadable verifier with a typed error instead of admitting anyone', async () => {
      for (const bad of ['', 'plain', 'scrypt$x$8$1$a$b', 'bcrypt$16384$8$1$a$b', 'scrypt$16384$8$1$$']) {
        assert.equal(isVerifier(bad), false, bad);
        await assert.rejects(verifyPassword('pw', bad), (error: unknown) => error instanceof VerifierFormatError && error.code === 'ROOM_ERR_BAD_VERIFIER');
      }
    });
  });
});

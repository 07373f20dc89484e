// Argon2id (RFC 9106) through hash-wasm's WebAssembly build, for passphrase
// slots. The parameters are the C++ side's crypto::kPassphraseArgon2Params.
import { argon2id as wasm_argon2id } from 'hash-wasm';
import { CloisterError } from '../errors';

export interface Argon2Params {
  iterations: number; // t
  memory_kib: number; // m
  parallelism: number; // p
}

// RFC 9106's second recommended option: t=3, m=64 MiB, p=1.
export const kPassphraseArgon2Params: Argon2Params = { iterations: 3, memory_kib: 64 * 1024, parallelism: 1 };

// Returns Argon2id(password, salt) of `length` bytes, with an optional secret
// key. Throws invalid_argument for parameters Argon2 does not allow.
export async function argon2id(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  length: number,
  secret?: Uint8Array,
): Promise<Uint8Array> {
  if (salt.length < 8) throw new CloisterError('invalid_argument', 'Argon2 salts are at least 8 bytes');
  if (length < 4) throw new CloisterError('invalid_argument', 'Argon2 outputs are at least 4 bytes');
  if (params.memory_kib < 8 * params.parallelism) {
    throw new CloisterError('invalid_argument', 'Argon2 needs at least 8 KiB of memory per lane');
  }
  return wasm_argon2id({
    password,
    salt,
    iterations: params.iterations,
    memorySize: params.memory_kib,
    parallelism: params.parallelism,
    hashLength: length,
    outputType: 'binary',
    ...(secret === undefined ? {} : { secret }),
  });
}

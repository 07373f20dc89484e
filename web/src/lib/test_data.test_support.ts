// Locates the shared real test data (../shared/data beside the repository),
// or $CLOISTER_TEST_DATA as in testing/test_data.h, for the tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const kRoot = process.env.CLOISTER_TEST_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

// Returns the contents of `relative` under the test data root.
export function test_data(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(`${kRoot.replace(/\/?$/, '/')}${relative}`));
}

// Returns the text of `relative` under the test data root.
export function test_data_text(relative: string): string {
  return new TextDecoder().decode(test_data(relative));
}

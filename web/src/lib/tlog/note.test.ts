import { describe, expect, it } from 'vitest';
import { NoteVerifier, cosignature_message, parse_note, parse_signature_lines, verified_signers } from './note';

// The example verifier key and note of c2sp.org/signed-note.
const kSpecVkey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const kSpecNote =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
// The introductory example of c2sp.org/signed-note (no key is published for it).
const kSpecPoemNote =
  'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n\n' +
  '\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';

describe('signed notes (c2sp.org/signed-note)', () => {
  it('verifies the spec example with the spec key', async () => {
    const key = await NoteVerifier.parse(kSpecVkey);
    expect(key.name).toBe('example.com/foo');
    expect(key.key_id).toBe(0x530d903a);
    const note = parse_note(kSpecNote);
    expect(note.text).toBe('This is an example message.\n');
    expect(await verified_signers(note, [key])).toEqual([0]);
  });

  it('rejects the spec example once its text changes', async () => {
    const key = await NoteVerifier.parse(kSpecVkey);
    const altered = parse_note(kSpecNote.replace('example message', 'exemplary message'));
    await expect(verified_signers(altered, [key])).rejects.toThrow(/signature by example.com\/foo is invalid/);
  });

  it('keeps the last blank line as the separator, as in the poem example', () => {
    const note = parse_note(kSpecPoemNote);
    expect(note.text).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n');
    expect(note.signatures[0]!.name).toBe('quasimodo.example/salvatore');
  });

  it('ignores signatures by keys it does not know', async () => {
    const key = await NoteVerifier.parse(kSpecVkey);
    expect(await verified_signers(parse_note(kSpecPoemNote), [key])).toEqual([]);
  });

  it('parses the cosignature example of c2sp.org/tlog-cosignature', () => {
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(cosignature_message(text, 1679315147n)).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    const [line] = parse_signature_lines(
      '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n',
    );
    expect(line!.signature.length).toBe(72);
    expect(new DataView(line!.signature.buffer, line!.signature.byteOffset).getBigUint64(0)).toBe(1679315147n);
  });

  it.each([
    ['no blank line', 'text\n\u2014 example.com/foo Uw2QOg==\n', /no blank line/],
    ['no final newline', kSpecNote.slice(0, -1), /does not end with a newline/],
    ['control character', kSpecNote.replace('example', 'exa\tmple'), /control characters/],
    ['space inside the signature', 'text\n\n\u2014 example.com/foo U w2QOg==\n', /not valid base64/],
    ['no signature bytes', 'text\n\n\u2014 example.com/foo Uw2QOg==\n', /empty/],
    ['plus in key name', kSpecNote.replace('example.com/foo ', 'example.com+foo '), /invalid key name/],
    ['hyphen for em dash', kSpecNote.replace('\u2014', '-'), /em dash/],
  ])('rejects a note with %s', (_name, note, reason) => {
    expect(() => parse_note(note)).toThrow(reason);
  });

  it('rejects bad vkeys with the reason', async () => {
    await expect(NoteVerifier.parse('example.com/foo+530d903a')).rejects.toThrow(/name\+id\+key/);
    await expect(NoteVerifier.parse(kSpecVkey.replace('530d903a', '530D903A'))).rejects.toThrow(/lower-case hex/);
    await expect(NoteVerifier.parse(kSpecVkey.replace('example.com/foo', 'example.com/fox'))).rejects.toThrow(
      /key id does not match/,
    );
    await expect(NoteVerifier.parse(kSpecVkey.slice(0, -1))).rejects.toThrow(/base64/);
  });

  it('rejects invalid UTF-8 given as bytes', () => {
    const bytes = new TextEncoder().encode(kSpecNote);
    bytes[2] = 0xff;
    expect(() => parse_note(bytes)).toThrow(/not valid UTF-8/);
  });
});

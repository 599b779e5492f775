import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  NAME_MAX_LENGTH,
  checkDisplayName,
  checkRoomName,
  findLookalike,
  hasControlCharacter,
  nameSkeleton,
  namesLookAlike,
  normaliseName,
} from '../../server/protocol';

describe('normaliseName', () => {
  it('turns fullwidth and other compatibility forms into plain letters (NFKC) and trims', () => {
    assert.equal(normaliseName('  \uFF21\uFF4C\uFF49\uFF43\uFF45\u3000'), 'Alice');
    assert.equal(normaliseName('\uFB01sh'), 'fish');
    assert.equal(normaliseName('\u{1D400}nn'), 'Ann');
  });

  it('composes a letter and its combining mark into one character', () => {
    assert.equal(normaliseName('Jose\u0301'), 'Jos\u00E9');
  });
});

describe('checkDisplayName', () => {
  const refused: Array<[string, string]> = [
    ['a right-to-left override', 'invoice\u202Egpj.exe'],
    ['a left-to-right embedding', '\u202AAlice'],
    ['a bidi isolate', 'Alice\u2067'],
    ['a right-to-left mark', 'Alice\u200F'],
    ['a zero-width space', 'Al\u200Bice'],
    ['a zero-width non-joiner', 'Al\u200Cice'],
    ['a zero-width joiner between letters', 'Al\u200Dice'],
    ['a word joiner', 'Ali\u2060ce'],
    ['a byte-order mark', 'Ali\uFEFFce'],
    ['a soft hyphen', 'Ali\u00ADce'],
    ['a NUL', 'Ali\u0000ce'],
    ['a newline', 'Alice\nBob'],
    ['an escape', 'Alice\u001B[31m'],
    ['a C1 control', 'Alice\u0085'],
    ['a Hangul filler (an invisible letter)', '\u3164'],
    ['a combining grapheme joiner', 'Ali\u034Fce'],
    ['a line separator', 'Ali\u2028ce'],
    ['a private-use character', 'Alice\uE000'],
    ['a pile of combining marks (Zalgo)', 'A\u0300\u0301\u0302\u0303\u0304\u0305lice'],
  ];
  for (const [label, name] of refused) {
    it(`refuses a name with ${label}`, () => {
      assert.deepEqual(checkDisplayName(name), { ok: false, problem: 'forbiddenCharacter' });
    });
  }

  it('refuses empty and over-long names, counting after normalisation', () => {
    assert.deepEqual(checkDisplayName('  \u3000 '), { ok: false, problem: 'empty' });
    assert.deepEqual(checkDisplayName('x'.repeat(NAME_MAX_LENGTH + 1)), { ok: false, problem: 'tooLong' });
    assert.deepEqual(checkDisplayName('x'.repeat(NAME_MAX_LENGTH)), { ok: true, name: 'x'.repeat(NAME_MAX_LENGTH) });
  });

  it('accepts names in other scripts, with accents, and emoji sequences joined by a zero-width joiner', () => {
    for (const name of ['김민준', '이서연', 'Zoë', 'Ødegård', 'Анна', 'Σοφία', 'محمد', 'राम', '山田太郎', '👩\u200D💻 Ana', '❤\uFE0F Bo', 'Nguyễn Văn An']) {
      assert.deepEqual(checkDisplayName(name), { ok: true, name: name.normalize('NFKC') }, name);
    }
  });

  it('returns the normalised name', () => {
    assert.deepEqual(checkDisplayName(' \uFF21nn '), { ok: true, name: 'Ann' });
  });
});

describe('checkRoomName', () => {
  it('accepts the usual room names and normalises them', () => {
    assert.deepEqual(checkRoomName('lobby'), { ok: true, name: 'lobby' });
    assert.deepEqual(checkRoomName('\uFF4C\uFF4F\uFF42\uFF42\uFF59'), { ok: true, name: 'lobby' });
    assert.deepEqual(checkRoomName('팀 회의'), { ok: true, name: '팀 회의' });
  });

  it('refuses control, bidi and zero-width characters, and what the room pattern forbids', () => {
    assert.deepEqual(checkRoomName('lob\u0000by'), { ok: false, problem: 'forbiddenCharacter' });
    assert.deepEqual(checkRoomName('lobby\u202E'), { ok: false, problem: 'forbiddenCharacter' });
    assert.deepEqual(checkRoomName('lob\u200Bby'), { ok: false, problem: 'forbiddenCharacter' });
    assert.deepEqual(checkRoomName('a/b'), { ok: false, problem: 'pattern' });
    assert.deepEqual(checkRoomName(''), { ok: false, problem: 'empty' });
  });
});

describe('hasControlCharacter', () => {
  it('finds NUL, C0, DEL and C1 controls and nothing else', () => {
    for (const text of ['a\u0000', '\u0007', 'x\u007F', '\u009B']) assert.equal(hasControlCharacter(text), true, JSON.stringify(text));
    for (const text of ['abc', 'f47ac10b-58cc-4372-a567-0e02b2c3d479', 'ü', '\u200B']) assert.equal(hasControlCharacter(text), false, text);
  });
});

describe('nameSkeleton and namesLookAlike', () => {
  const alike: Array<[string, string, string]> = [
    ['a Cyrillic capital А', 'Alice', '\u0410lice'],
    ['Cyrillic small letters', 'pace', '\u0440\u0430\u0441\u0435'],
    ['Greek capitals', 'ANNA', '\u0391\u039D\u039D\u0391'],
    ['Greek small omicron', 'Bob', 'B\u03BFb'],
    ['fullwidth letters', 'Alice', '\uFF21\uFF4C\uFF49\uFF43\uFF45'],
    ['mathematical bold letters', 'Alice', '\u{1D400}lice'],
    ['letter case', 'Alice', 'aLICE'],
    ['a combining mark', 'Alice', 'Ali\u0301ce'],
    ['a precomposed accent', 'Jose', 'Jos\u00E9'],
    ['a digit one for a small L', 'Bill', 'Bi1l'],
    ['a capital I for a small L', 'Ilse', 'llse'],
    ['a digit zero for an O', 'Bob', 'B0b'],
    ['"rn" for "m"', 'Emma', 'Ernrna'],
    ['a dotless i', 'Alice', 'Al\u0131ce'],
    ['a variation selector', 'Alice', 'Alice\uFE0F'],
    ['a zero-width space', 'Alice', 'Al\u200Bice'],
    ['doubled spaces', 'Ann Lee', 'Ann  Lee'],
    ['a Cyrillic capital В and Н for B and H', 'BOHO', '\u0412\u041E\u041D\u041E'],
  ];
  for (const [label, real, fake] of alike) {
    it(`sees through ${label}`, () => {
      assert.equal(namesLookAlike(fake, real), true);
    });
  }

  it('keeps names apart that do not look alike', () => {
    const pairs: Array<[string, string]> = [
      ['Alice', 'Alicia'],
      ['Ann', 'Anna'],
      ['bob', '\u0432\u043E\u0432'], // small Cyrillic в does not look like b
      ['김민준', '김민지'],
      ['이서연', '이서윤'],
      ['Ivan', 'ivan2'],
    ];
    for (const [a, b] of pairs) assert.equal(namesLookAlike(a, b), false, `${a} / ${b}`);
  });

  it('maps a capital I to a small L as TR39 does, and still compares without letter case', () => {
    assert.equal(nameSkeleton('Ilse'), nameSkeleton('llse'));
    assert.equal(namesLookAlike('ALICE', 'alice'), true);
    assert.equal(namesLookAlike('\u0410LICE', 'alice'), true);
  });

  it('leaves Hangul names usable and distinct', () => {
    assert.equal(nameSkeleton('김민준'), nameSkeleton('김민준'));
    assert.equal(nameSkeleton('김민준').normalize('NFC'), '김민준');
  });
});

describe('findLookalike', () => {
  const members = [
    { id: '1', name: 'Alice' },
    { id: '2', name: '김민준' },
  ];

  it('finds the present member a new name imitates', () => {
    assert.equal(findLookalike('\u0410lice', members)?.id, '1');
    assert.equal(findLookalike('\uFF21lice', members)?.id, '1');
    assert.equal(findLookalike('ALİCE'.normalize('NFKC'), members)?.id, '1');
  });

  it('leaves the same name (up to case) to the room, which lets a reconnecting member take its name back', () => {
    assert.equal(findLookalike('alice', members), undefined);
    assert.equal(findLookalike('Alice', members), undefined);
  });

  it('finds nothing for a different name', () => {
    assert.equal(findLookalike('Bob', members), undefined);
    assert.equal(findLookalike('김민지', members), undefined);
  });
});

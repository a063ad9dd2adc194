// The bundle's compaction: spaces and breaks go only where no literal and no automatic
// semicolon can notice.
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";

import { scan, tighten } from "../../js/widget/minify.mjs";

test("strings, template literals (with expressions), regular expressions and comments are kept whole", () => {
  const source = [
    'const a = "x = { y }";',
    "const b = `left: ${a + `in ${1 + 2}`} ; right`;",
    "const r = /a b, [/] c/g;",
    "// a comment ; { }",
    "const c = 'it ; s';",
  ].join("\n");
  const literals = [...scan(source)].filter((chunk) => !chunk.code).map((chunk) => chunk.text);
  assert.deepEqual(literals, [
    '"x = { y }"',
    "`left: ${a + `in ${1 + 2}`} ; right`",
    "/a b, [/] c/g",
    "// a comment ; { }",
    "'it ; s'",
  ]);
  const tight = tighten(source);
  for (const literal of literals) assert.ok(tight.includes(literal), literal);
});

test("division is not a regular expression; signs keep their spaces where they matter", () => {
  // As the bundler hands it over: indentation already gone.
  const source = "function f(a, b) {\nconst half = a / 2 / b;\nreturn a - -b + +half + 1;\n}\nf(4, 1);";
  const tight = tighten(source);
  assert.equal(tight, "function f(a,b){const half=a / 2 / b;return a - -b + +half+1;}f(4,1);");
  assert.equal(vm.runInNewContext(tight), vm.runInNewContext(source));
});

test("a line after a comment, or one that relies on its break, is not joined", () => {
  const source = "let a = 1; // one\nlet b = a\nreturn b";
  assert.equal(tighten(source), "let a=1;// one\nlet b=a\nreturn b");
});

#!/usr/bin/env node
/**
 * Bundle the widget's ES modules (js/widget/*.js) into the one classic script the app
 * ships, src/django_livechat/static/django_livechat/widget.js. No dependencies: imports
 * are single-line ``import { a, b } from "./x.js";`` and every module's top-level names
 * are unique, so the modules are concatenated in dependency order inside one closure.
 *
 *   node js/widget/build.mjs           write the bundle
 *   node js/widget/build.mjs --check   exit 1 if the committed bundle is not current
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ENTRY = join(HERE, "main.js");
export const OUTPUT = resolve(HERE, "../../src/django_livechat/static/django_livechat/widget.js");
const IMPORT = /^import \{[^}]*\} from "(\.\/[\w-]+\.js)";\n/gm;
const DECLARATION = /^(?:export )?(?:const|let|var|class|function\*?|async function) ?([\w$]+)/gm;

export function bundle(entry = ENTRY) {
  const modules = [];
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = readFileSync(path, "utf8");
    for (const match of source.matchAll(IMPORT)) visit(join(dirname(path), match[1]));
    const rest = source.replace(IMPORT, "");
    if (/^(import|export \{|export default|export \*)/m.test(rest)) {
      throw new Error(`${path}: use single-line named imports from "./x.js" and plain exports`);
    }
    modules.push({ name: relative(HERE, path), source: rest });
  };
  visit(entry);
  const owner = new Map();
  const parts = modules.map(({ name, source }) => {
    for (const [, declared] of source.matchAll(DECLARATION)) {
      if (owner.has(declared)) throw new Error(`${declared} is declared in ${owner.get(declared)} and ${name}`);
      owner.set(declared, name);
    }
    const code = source
      .replace(/^export /gm, "")
      // Whole-line comments only: the sources keep theirs, the shipped file stays small.
      .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, "")
      .replace(/^[ \t]*\/\/.*\n/gm, "")
      .trim();
    return `// ${name}\n${code}\n`;
  });
  return (
    "/*! django_livechat chat widget. Built by js/widget/build.mjs from js/widget/: edit those. */\n" +
    '(() => {\n"use strict";\n' +
    parts.join("\n") +
    "})();\n"
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = bundle();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(OUTPUT, "utf8");
    } catch {}
    if (current !== built) {
      console.error(`${relative(process.cwd(), OUTPUT)} is not current: run node js/widget/build.mjs`);
      process.exit(1);
    }
    console.log(`${relative(process.cwd(), OUTPUT)} is current`);
  } else {
    writeFileSync(OUTPUT, built);
    console.log(`wrote ${relative(process.cwd(), OUTPUT)} (${built.length} bytes)`);
  }
}

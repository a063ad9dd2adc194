#!/usr/bin/env node
/**
 * Bundle the widget's ES modules (js/widget/*.js, and the js/shared/*.js they use) into
 * the two classic scripts the app ships, in src/django_livechat/static/django_livechat/:
 *
 * - widget.js, the core every page loads (from main.js): launcher, panel, transport;
 * - widget-extras.js (from extras-main.js), loaded by the core only when a visitor needs the
 *   pre-chat form, the email prompt, the rating or an upload. The core names it with its
 *   content hash (``widget-extras.js?v=<hash>``, the ``?v=`` the app's asset URLs use), so
 *   a cached old copy never meets a new core.
 *
 * The texts only the extras use (DEFAULT_LABELS keys matching ``EXTRAS_LABELS``) are left
 * out of the core and bundled into the extras; config.js keeps all of them in one object.
 *
 * No dependencies: imports are single-line ``import { a, b } from "./x.js";`` (or
 * ``"../shared/x.js"``) and every module's top-level names are unique, so the modules
 * are concatenated in dependency order inside one closure.
 *
 * js/dashboard/build.mjs bundles the dashboard with the same ``bundle(entry)``.
 *
 *   node js/widget/build.mjs           write the bundle
 *   node js/widget/build.mjs --check   exit 1 if it is not current
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { tighten } from "./minify.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const STATIC = resolve(HERE, "../../src/django_livechat/static/django_livechat");
export const ENTRY = join(HERE, "main.js");
export const OUTPUT = join(STATIC, "widget.js");
export const EXTRAS_ENTRY = join(HERE, "extras-main.js");
export const EXTRAS_OUTPUT = join(STATIC, "widget-extras.js");
export const EXTRAS_FILE = "widget-extras.js";
export const EXTRAS_LABELS = /^(prechat|contact|rating|upload|handoff)[A-Z]/;
const LABELS = /^export const DEFAULT_LABELS = (\{[\s\S]*?\});$/m;
const IMPORT = /^import \{[^}]*\} from "(\.\/[\w-]+\.js|\.\.\/shared\/[\w-]+\.js)";\n/gm;
const DECLARATION = /^(?:export )?(?:const|let|var|class|function\*?|async function) ?([\w$]+)/gm;

/**
 * One classic script from ``entry`` and the modules it imports. ``transform(name, source)``
 * may rewrite a module first (``name`` as in the bundle's comments: "widget/config.js").
 */
export function bundle(entry = ENTRY, transform = (name, source) => source) {
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
    const name = relative(join(HERE, ".."), path);
    modules.push({ name, source: transform(name, rest) });
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
      // Comments go: the sources keep theirs, the shipped file stays small. Whole lines,
      // and a line's end after code (not where a quote could make it part of a string).
      .replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, "")
      .replace(/^[ \t]*\/\/.*\n/gm, "")
      .replace(/^(.*[;,{([)\]]) +\/\/ [^"'`\n]*$/gm, "$1")
      // Indentation and blank lines go too, and a line ending in an opening bracket or a
      // comma is joined with the next (no semicolon is ever inserted there). So a
      // multi-line template literal must depend on neither its indentation nor its breaks.
      .replace(/^[ \t]+/gm, "")
      .replace(/\n{2,}/g, "\n")
      .split("\n")
      .reduce((lines, line) => {
        const last = lines.at(-1);
        if (last !== undefined && /[{([,]$/.test(last) && !last.includes("//")) lines[lines.length - 1] += line;
        else lines.push(line);
        return lines;
      }, [])
      .join("\n")
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

/** config.js with only the labels that ``keep(key)`` accepts. */
function labelsOnly(keep) {
  return (name, source) => {
    if (name !== "widget/config.js") return source;
    const match = source.match(LABELS);
    if (!match) throw new Error("config.js: DEFAULT_LABELS must stay one JSON object");
    const labels = Object.entries(JSON.parse(match[1])).filter(([key]) => keep(key));
    return source.replace(match[1], JSON.stringify(Object.fromEntries(labels), null, 0));
  };
}

/** A bundle for shipping: denser, without the modules' names. */
function compact(built) {
  return tighten(built.replace(/^\/\/ [\w/.-]+\.js\n/gm, ""));
}

/** widget-extras.js: loaded on demand by the core. */
export function extras() {
  return compact(bundle(EXTRAS_ENTRY, labelsOnly((key) => EXTRAS_LABELS.test(key))));
}

/** widget.js: the core, which names the extras' current version. */
export function widget() {
  const version = createHash("sha256").update(extras()).digest("hex").slice(0, 12);
  const core = compact(bundle(ENTRY, labelsOnly((key) => !EXTRAS_LABELS.test(key))));
  const named = core.replaceAll(`"${EXTRAS_FILE}"`, `"${EXTRAS_FILE}?v=${version}"`);
  if (named === core) throw new Error(`main.js must name "${EXTRAS_FILE}"`);
  return named;
}

/** Every file the build writes: {path: content}. */
export function outputs() {
  return { [OUTPUT]: widget(), [EXTRAS_OUTPUT]: extras() };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  let stale = false;
  for (const [path, content] of Object.entries(outputs())) {
    const name = relative(process.cwd(), path);
    if (!check) {
      writeFileSync(path, content);
      console.log(`wrote ${name} (${content.length} bytes)`);
      continue;
    }
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {}
    if (current === content) console.log(`${name} is current`);
    else {
      console.error(`${name} is not current: run node js/widget/build.mjs`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
}

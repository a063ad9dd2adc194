#!/usr/bin/env node
/**
 * Bundle the dashboard's ES modules (js/dashboard/*.js, and the js/shared/*.js they use)
 * into the one classic script the app ships, src/django_livechat/static/django_livechat/
 * dashboard.js, with the widget's bundler (the same rules: single-line named imports,
 * unique top-level names).
 *
 *   node js/dashboard/build.mjs           write the bundle
 *   node js/dashboard/build.mjs --check   exit 1 if it is not current
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { bundle as bundleModules } from "../widget/build.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ENTRY = join(HERE, "main.js");
export const OUTPUT = resolve(HERE, "../../src/django_livechat/static/django_livechat/dashboard.js");
const HEADER = "/*! django_livechat agent dashboard. Built by js/dashboard/build.mjs from js/dashboard/: edit those. */\n";

/** The shipped script: the widget's bundler run from main.js, under the dashboard's own first line. */
export function bundle() {
  const built = bundleModules(ENTRY);
  return HEADER + built.slice(built.indexOf("\n") + 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const content = bundle();
  const name = relative(process.cwd(), OUTPUT);
  if (!process.argv.includes("--check")) {
    writeFileSync(OUTPUT, content);
    console.log(`wrote ${name} (${content.length} bytes)`);
  } else {
    let current = "";
    try {
      current = readFileSync(OUTPUT, "utf8");
    } catch {}
    if (current !== content) {
      console.error(`${name} is not current: run node js/dashboard/build.mjs`);
      process.exit(1);
    }
    console.log(`${name} is current`);
  }
}

/**
 * The bundler's last step for the widget's two files (the core has a 15 KB gzipped budget):
 * outside strings, template literals, regular expressions and comments (which the scanner
 * skips whole), spaces around punctuation go, and a line ending in ``;``, ``{``, ``}`` or
 * ``,`` is joined with the next (the sources are prettier-formatted: every statement ends
 * with its semicolon, so no automatic semicolon depends on those breaks). Names stay.
 */
const REGEX_AFTER = /[(,=:[!&|?{};+\-*%<>~^]$|^$|\b(?:return|typeof|case|do|else|in|of|void|yield|await)$/;
// "+" and "-" are not here: "a - -b" must not become "a--b".
const TIGHT = /[ \t]*([{}()[\];,=<>*%!&|?:.^~])[ \t]*/g;
const SIGN = /(?<![+-]) ([+-]) (?![+-])/g;
const JOIN = /([;{},])\n/g;

/** ``source`` as code and literal chunks ({code: true|false, text}), one at a time. */
export function* scan(source) {
  let code = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    let end = 0;
    if (c === '"' || c === "'") end = closing(source, i, c);
    else if (c === "`") end = templateEnd(source, i);
    else if (c === "/" && source[i + 1] === "/") end = source.indexOf("\n", i) < 0 ? source.length : source.indexOf("\n", i);
    else if (c === "/" && source[i + 1] === "*") end = source.indexOf("*/", i) + 2;
    else if (c === "/" && REGEX_AFTER.test(code.trimEnd())) end = regexEnd(source, i);
    if (!end) {
      code += c;
      i++;
      // Flushed at each line's end: a template's expression stops reading at its brace.
      if (c !== "}" && c !== "\n") continue;
    }
    if (code) yield { code: true, text: code };
    code = "";
    if (end) {
      yield { code: false, text: source.slice(i, end) };
      i = end;
    }
  }
  if (code) yield { code: true, text: code };
}

function closing(source, start, quote) {
  let i = start + 1;
  while (source[i] !== quote) {
    if (source[i] === "\\") i++;
    if (i >= source.length || source[i] === "\n") throw new Error(`unterminated string at ${start}`);
    i++;
  }
  return i + 1;
}

function templateEnd(source, start) {
  let i = start + 1;
  while (source[i] !== "`") {
    if (source[i] === "\\") i++;
    else if (source[i] === "$" && source[i + 1] === "{") {
      // An expression inside: skip to its closing brace, literals inside it included.
      let depth = 0;
      for (const chunk of scan(source.slice(i + 1))) {
        if (!chunk.code) {
          i += chunk.text.length;
          continue;
        }
        for (const ch of chunk.text) {
          i++;
          if (ch === "{") depth++;
          else if (ch === "}" && --depth === 0) break;
        }
        if (depth === 0) break;
      }
    }
    if (i >= source.length) throw new Error(`unterminated template literal at ${start}`);
    i++;
  }
  return i + 1;
}

function regexEnd(source, start) {
  let i = start + 1;
  let inClass = false;
  while (inClass || source[i] !== "/") {
    if (source[i] === "\\") i++;
    else if (source[i] === "[") inClass = true;
    else if (source[i] === "]") inClass = false;
    if (i >= source.length || source[i] === "\n") throw new Error(`unterminated regular expression at ${start}`);
    i++;
  }
  i++;
  while (/[a-z]/.test(source[i] || "")) i++; // flags
  return i;
}

/** ``source`` without the spaces and line breaks it does not need, outside literals. */
export function tighten(source) {
  const squeeze = (code) => code.replace(TIGHT, "$1").replace(SIGN, "$1").replace(JOIN, "$1");
  const parts = [];
  let code = "";
  for (const chunk of scan(source)) {
    if (chunk.code) {
      code += chunk.text;
      continue;
    }
    parts.push(squeeze(code), chunk.text);
    code = "";
  }
  parts.push(squeeze(code));
  return parts.join("");
}

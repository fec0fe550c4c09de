// Renders TeX to KaTeX HTML at build time, so math is readable with JavaScript off;
// the MathML copy is what screen readers announce.
// Protocol: one JSON request per line on stdin ({"tex": "...", "display": false}),
// one JSON reply per line on stdout ({"html": "..."} or {"error": "..."}).
import readline from "node:readline";
import katex from "katex";

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let reply;
  try {
    // strict "error" turns KaTeX's warnings into errors, so questionable TeX fails the build.
    const html = katex.renderToString(tex, { displayMode: !!display, throwOnError: true, strict: "error", output: "htmlAndMathml" });
    reply = { html };
  } catch (err) {
    reply = { error: String(err.message || err) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});

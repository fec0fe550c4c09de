// Renders TeX to SVG at build time with MathJax, for places where KaTeX's HTML would cost too many DOM
// elements (the home page's cards: one <use> of a sprite instead of ~180 nested spans per equation).
// Protocol: a JSON array of {"id", "tex"} on stdin; on stdout a JSON object {"defs": the glyph paths
// every equation shares, "math": {id: {"svg", "viewBox", "width", "height", "valign"}}}, or
// {"error": "..."} if a TeX string does not parse.
import { mathjax } from "mathjax-full/js/mathjax.js";
import { TeX } from "mathjax-full/js/input/tex.js";
import { SVG } from "mathjax-full/js/output/svg.js";
import { liteAdaptor } from "mathjax-full/js/adaptors/liteAdaptor.js";
import { RegisterHTMLHandler } from "mathjax-full/js/handlers/html.js";
import { AllPackages } from "mathjax-full/js/input/tex/AllPackages.js";

const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  const doc = mathjax.document("", {
    InputJax: new TeX({ packages: AllPackages, formatError: (_jax, err) => { throw err; } }),
    OutputJax: new SVG({ fontCache: "global" }),
  });
  const out = {};
  let current = "";
  try {
    for (const { id, tex } of JSON.parse(Buffer.concat(chunks).toString("utf8"))) {
      current = id;
      const node = doc.convert(tex, { display: false });
      const svg = adaptor.firstChild(node);
      out[id] = {
        svg: adaptor.innerHTML(svg),
        viewBox: adaptor.getAttribute(svg, "viewBox"),
        width: adaptor.getAttribute(svg, "width"),
        height: adaptor.getAttribute(svg, "height"),
        valign: adaptor.getStyle(svg, "vertical-align"),
      };
    }
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: `${current}: ${err.message || err}` }));
    return;
  }
  const defs = adaptor.innerHTML(doc.outputJax.fontCache.getCache());
  process.stdout.write(JSON.stringify({ defs, math: out }));
});

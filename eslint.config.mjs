// ESLint flat config: the site's browser modules, the Pyodide worker, and the Node scripts and tests.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "site/", "test-output/", ".venv/", ".build/", ".scratch/"] },
  js.configs.recommended,
  {
    files: ["docs/assets/js/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: {
        ...globals.browser,
        // Material for MkDocs exposes its observables on window; Plotly is loaded once as a script.
        document$: "readonly",
        location$: "readonly",
        Plotly: "readonly",
      },
    },
  },
  {
    files: ["docs/assets/js/live/worker.js"],
    languageOptions: { globals: { ...globals.worker, loadPyodide: "readonly" } },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
];

// Where the site is served from, found at run time: the folder two levels above this file
// (assets/js/site.js). Nothing the browser needs is tied to the address the site was built for, so the same
// files work at any origin and under any sub-path (a GitHub Pages project site lives under /<repo>/).
export const SITE = new URL("../../", import.meta.url);

// An address inside the site: siteURL("assets/data/x.json") -> URL.
export const siteURL = (path) => new URL(path, SITE);

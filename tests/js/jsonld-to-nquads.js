#!/usr/bin/env node
// Expand a JSON-LD document with the reference processor (jsonld.js) and print it as N-Quads.
// Usage: node jsonld-to-nquads.js DOCUMENT.jsonld [CONTEXT_URL=FILE ...]
// Remote contexts are read only from the files named on the command line (no network access),
// so a test decides exactly which published context the document is expanded with.
"use strict";
const fs = require("fs");
const jsonld = require("jsonld");

const [docPath, ...pairs] = process.argv.slice(2);
const contexts = new Map(pairs.map((pair) => {
  const at = pair.indexOf("=");
  return [pair.slice(0, at), pair.slice(at + 1)];
}));

async function documentLoader(url) {
  if (!contexts.has(url)) {
    throw new Error(`no local copy of remote context ${url}`);
  }
  return { contextUrl: null, documentUrl: url, document: JSON.parse(fs.readFileSync(contexts.get(url), "utf8")) };
}

(async () => {
  const doc = JSON.parse(fs.readFileSync(docPath, "utf8"));
  const nquads = await jsonld.toRDF(doc, { format: "application/n-quads", documentLoader, safe: true });
  process.stdout.write(nquads);
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + "\n");
  process.exit(1);
});
